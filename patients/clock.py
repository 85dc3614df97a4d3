"""The clinic clock: what day it is at the clinic, and where a clinic-local day begins.

Every rule takes *today* as an argument; this is where it comes from (settings.TIME_ZONE is
the clinic's time zone). It lives on the ground floor so that every app may read it.
"""

from datetime import datetime, time

from django.utils import timezone


def clinic_today():
    """Today's date in the clinic's time zone."""
    return timezone.localdate()


def clinic_date(moment: datetime):
    """The clinic-local date of an aware datetime."""
    return timezone.localdate(moment)


def local_midnight(day):
    """The first moment of a clinic-local date, as an aware datetime."""
    return timezone.make_aware(datetime.combine(day, time.min))
