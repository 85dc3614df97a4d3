"""seed_demo's diaries (SPEC §8): a month for a few patients, one reporting two falls the clinic
did not know about, which make her high-risk and remind the physios."""

import datetime

import pytest
from django.utils import timezone

from care.models import FallEvent
from clinical_rules.trends import patient_trends
from demo.cohort import seed_demo
from diary.models import DiaryEntry
from patients.models import Patient

pytestmark = pytest.mark.django_db


def test_a_month_of_diaries_and_two_falls_the_clinic_did_not_know_about():
    seed_demo()
    today = timezone.localdate()
    keepers = Patient.objects.filter(diary_entries__isnull=False).distinct()
    assert keepers.count() >= 3
    for patient in keepers:
        days = list(patient.diary_entries.values_list("day", flat=True))
        assert len(days) >= 15
        assert min(days) >= today - datetime.timedelta(days=29) and max(days) <= today
    diary_falls = FallEvent.objects.filter(source="diary")
    assert diary_falls.count() == 2
    patient = diary_falls.first().patient
    assert not patient.falls.filter(
        source="clinic", occurred_at__gte=timezone.now() - datetime.timedelta(days=182)
    )
    assert patient_trends(patient, today=today)["high_fall_risk"]
    assert patient.reminders.filter(kind="fall_risk").exists()
    assert DiaryEntry.objects.filter(exercises__0__done=True).exists()
    # Idempotent: nothing twice.
    before = (DiaryEntry.objects.count(), diary_falls.count())
    seed_demo()
    assert (DiaryEntry.objects.count(), FallEvent.objects.filter(source="diary").count()) == before
