"""Reading the access log: the clinic admins' access report and a patient's page."""

from datetime import timedelta

from patients.clock import local_midnight

from .models import AccessRecord


def access_report(*, clinic_ids=None, patient_id=None, username=None, date_from=None, date_to=None):
    """Access records newest first, each with the ``patient_ids`` it read.

    ``clinic_ids``: only what was read about these clinics (their patients, their reports), and
    of each record only these clinics' patients; ``None`` for everything (a superuser's view).
    ``date_from`` and ``date_to`` are clinic-local dates, both included.
    """
    records = AccessRecord.objects.newest_first().with_patient_ids(clinic_ids)
    if clinic_ids is not None:
        records = records.about_clinics(clinic_ids)
    if patient_id is not None:
        records = records.about_patient(patient_id)
    if username:
        records = records.by_username(username)
    if date_from is not None:
        records = records.filter(at__gte=local_midnight(date_from))
    if date_to is not None:
        records = records.filter(at__lt=local_midnight(date_to + timedelta(days=1)))
    return records


def patient_access_history(*, patient, limit):
    """The latest ``limit`` reads of ``patient``'s data, newest first (who, when, how)."""
    return list(AccessRecord.objects.about_patient(patient.pk).newest_first()[:limit])
