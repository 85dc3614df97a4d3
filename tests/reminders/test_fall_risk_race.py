"""Two falls of one patient recorded at the same moment make one fall-risk reminder, not two.

Needs PostgreSQL: SQLite runs one writer at a time, so the race cannot happen there.
"""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from patients.clock import clinic_today
from reminders.models import Reminder
from reminders.sweep import fall_risk_check
from tests.conftest import skip_or_fail
from tests.factories import FallFactory, PatientFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_concurrent_falls_make_one_reminder_for_the_episode():
    if connection.vendor != "postgresql":
        skip_or_fail("the fall-risk race test needs PostgreSQL (set DATABASE_URL)")
    today = clinic_today()
    patient = PatientFactory()
    FallFactory(patient=patient, occurred_at=timezone.now() - timedelta(days=30))
    both_recorded = threading.Barrier(2, timeout=10)
    errors = []

    def record_fall(check_after, commit_after):
        try:
            with transaction.atomic():
                FallFactory(patient=patient, occurred_at=timezone.now() - timedelta(hours=1))
                both_recorded.wait()
                time.sleep(check_after)
                fall_risk_check(patient=patient, today=today)
                # The first keeps its reminder uncommitted while the second checks.
                time.sleep(commit_after)
        except Exception as error:  # reported by the test below
            errors.append(error)
        finally:
            connection.close()

    first = threading.Thread(target=record_fall, args=(0, 1.0))
    second = threading.Thread(target=record_fall, args=(0.3, 0))
    for thread in (first, second):
        thread.start()
    for thread in (first, second):
        thread.join(timeout=20)
    assert errors == []
    assert Reminder.objects.filter(kind="fall_risk", patient=patient).count() == 1
