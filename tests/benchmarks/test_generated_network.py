"""The generated network holds to the app: each assessment's findings are the ones
``findings_record`` works out, and the raw sweep baseline leaves the reminders just as the ORM
sweep does, resolving and reopening included. PostgreSQL only: the generator writes with COPY."""

from datetime import timedelta

import psycopg
import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from assessments.models import Assessment, TrendReview
from benchmarks import raw
from benchmarks.generate import generate
from clinical_rules.findings import FINDING_FIELDS, findings_record
from clinical_rules.models import AssessmentFindings
from clinical_rules.querysets import latest_of_its_patient
from clinical_rules.rules import DUE_SOON_DAYS, STRENGTH_REVIEW_DUE_DAYS, fall_window
from patients.clock import clinic_today, local_midnight
from patients.models import Patient
from reminders.models import Reminder, ReminderKind, ReminderStatus
from reminders.sweep import reminder_sweep, strength_reviews
from tests.conftest import skip_or_fail

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

# 200 patients and 2,000 assessments: a few dozen strength reviews due.
SCALE = 0.004

# Every reminder with its recipients, in a fixed order: what a sweep leaves behind.
REMINDERS = """
SELECT r.kind, r.patient_id, r.referral_id, r.device_id, r.fall_id, r.assessment_id, r.due_on, r.status,
       r.sent_at IS NOT NULL AS sent, r.resolved_at IS NOT NULL AS resolved,
       ARRAY(SELECT rr.user_id FROM reminders_reminder_recipients rr
             WHERE rr.reminder_id = r.id ORDER BY rr.user_id) AS recipients
FROM reminders_reminder r
ORDER BY r.kind, r.patient_id, r.referral_id, r.device_id, r.fall_id, r.assessment_id, r.due_on
"""


@pytest.fixture
def network():
    """A small network generated into the test database; the day it was generated for."""
    if connection.vendor != "postgresql":
        skip_or_fail("the benchmark's generator writes with COPY: it needs PostgreSQL (set DATABASE_URL)")
    today = clinic_today()
    generate(scale=SCALE, today=today, log=lambda message: None)
    return today


def _findings():
    return {
        row[0]: row[1:] for row in AssessmentFindings.objects.values_list("assessment_id", *FINDING_FIELDS)
    }


def test_the_generated_findings_are_those_findings_record_works_out(network):
    generated = _findings()
    assert set(generated) == set(Assessment.objects.values_list("pk", flat=True))
    valid = set(Assessment.objects.valid().values_list("pk", flat=True))
    assert len(valid) < len(generated), "some assessments are entered in error, and keep their findings"

    AssessmentFindings.objects.all().delete()
    for patient in Patient.objects.all():
        findings_record(patient)

    recorded = _findings()
    assert recorded == {pk: generated[pk] for pk in valid}
    assert any(any(found) for found in recorded.values())
    assert any(not any(found) for found in recorded.values())


def _raw_connection():
    """A plain psycopg connection to the test database, as the baselines use."""
    db = connection.settings_dict
    return psycopg.connect(
        dbname=db["NAME"],
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        autocommit=True,
    )


def _reminders_before_the_sweep():
    """Reminders from earlier sweeps, for the sweeps to resolve or reopen: two resolved strength
    reviews whose reason holds again (one never sent, one sent), one about an assessment since
    reviewed and one about an assessment that is no longer its patient's latest."""
    due = list(strength_reviews())
    assert len(due) >= 2, "the generated network has strength reviews due"
    reviewed_latest = (
        Assessment.objects.valid()
        .filter(
            latest_of_its_patient(),
            AssessmentFindings.call_for_review("findings__"),
            pk__in=TrendReview.objects.valid().values("assessment"),
            patient__status="active",
        )
        .first()
    )
    assert reviewed_latest is not None, "the generated network has reviewed latest assessments"
    superseded = Assessment.objects.valid().exclude(latest_of_its_patient()).first()
    now = timezone.now()

    def strength_review(patient_id, assessment_id, due_on, **fields):
        return Reminder.objects.create(
            kind=ReminderKind.STRENGTH_REVIEW,
            patient_id=patient_id,
            assessment_id=assessment_id,
            due_on=due_on,
            **fields,
        )

    (patient, assessment, due_on), (sent_patient, sent_assessment, sent_due_on) = due[:2]
    strength_review(patient, assessment, due_on, status=ReminderStatus.RESOLVED, resolved_at=now)
    strength_review(
        sent_patient,
        sent_assessment,
        sent_due_on,
        status=ReminderStatus.RESOLVED,
        sent_at=now,
        resolved_at=now,
    )
    for gone in (reviewed_latest, superseded):
        strength_review(
            gone.patient_id,
            gone.pk,
            gone.assessed_on + timedelta(days=STRENGTH_REVIEW_DUE_DAYS),
            status=ReminderStatus.SENT,
            sent_at=now,
        )
    return {(patient, assessment): "pending", (sent_patient, sent_assessment): "sent"}, {
        (reviewed_latest.patient_id, reviewed_latest.pk),
        (superseded.patient_id, superseded.pk),
    }


def test_the_raw_sweep_leaves_the_reminders_as_the_orm_sweep_does(network):
    today = network
    reopened, resolved = _reminders_before_the_sweep()
    start, end = fall_window(today)
    params = {
        "tz": settings.TIME_ZONE,
        "today": today,
        "due_soon": today + timedelta(days=DUE_SOON_DAYS),
        "window_start": local_midnight(start),
        "window_end": local_midnight(end + timedelta(days=1)),
    }

    with transaction.atomic():
        reminder_sweep(today=today)
        with connection.cursor() as cursor:
            cursor.execute(REMINDERS)
            columns = [column.name for column in cursor.description]
            by_orm = cursor.fetchall()
        transaction.set_rollback(True)
    with _raw_connection() as conn, conn.transaction(force_rollback=True), conn.cursor() as cursor:
        for statement in raw.SWEEP:
            cursor.execute(statement, params)
        cursor.execute(REMINDERS)
        by_raw = cursor.fetchall()

    assert by_raw == by_orm
    strength = [
        dict(zip(columns, row, strict=True)) for row in by_orm if row[0] == ReminderKind.STRENGTH_REVIEW
    ]
    status_of = {(row["patient_id"], row["assessment_id"]): row for row in strength}
    for key, status in reopened.items():
        assert (status_of[key]["status"], status_of[key]["resolved"]) == (status, False)
    for key in resolved:
        assert (status_of[key]["status"], status_of[key]["resolved"]) == ("resolved", True)
    created = [row for key, row in status_of.items() if key not in reopened and key not in resolved]
    assert created and all(row["status"] == "pending" and row["recipients"] for row in created)
