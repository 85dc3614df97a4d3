"""Invalid rows are refused by the database itself, not only by forms."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from assessments.models import MuscleScore
from care.models import DevicePrescription, DeviceReview, FallEvent
from patients.models import Patient
from reminders.models import Reminder
from tests.factories import (
    AssessmentFactory,
    DeviceFactory,
    FallFactory,
    PatientFactory,
    ReferralFactory,
    ReminderFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def refused(make):
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def test_mrn_is_unique_within_a_clinic_but_not_across_clinics(north, south):
    PatientFactory(clinic=north, mrn="A1")
    PatientFactory(clinic=south, mrn="A1")
    refused(lambda: PatientFactory(clinic=north, mrn="A1"))


@pytest.mark.parametrize("weeks", [0, 105])
def test_reassessment_interval_is_1_to_104_weeks(weeks):
    refused(lambda: PatientFactory(reassessment_interval_weeks=weeks))


@pytest.mark.parametrize(("field", "value"), [("sex", "x"), ("ms_type", "RMS"), ("status", "gone")])
def test_patient_codes_are_restricted_to_their_choices(field, value):
    refused(lambda: PatientFactory(**{field: value}))


def test_one_score_per_assessment_muscle_group_and_side():
    assessment = AssessmentFactory()
    MuscleScore.objects.create(assessment=assessment, muscle_group="grip", side="left", grade=12)
    MuscleScore.objects.create(assessment=assessment, muscle_group="grip", side="right", grade=12)
    refused(
        lambda: MuscleScore.objects.create(assessment=assessment, muscle_group="grip", side="left", grade=9)
    )


@pytest.mark.parametrize("grade", [1, 2, 4, 14, 16, 100])
def test_grade_is_restricted_to_the_scale(grade):
    assessment = AssessmentFactory()
    refused(
        lambda: MuscleScore.objects.create(
            assessment=assessment, muscle_group="grip", side="left", grade=grade
        )
    )


@pytest.mark.parametrize(
    ("field", "value"), [("muscle_group", "neck"), ("side", "both"), ("weakness_type", "x")]
)
def test_score_codes_are_restricted(field, value):
    values = {"muscle_group": "grip", "side": "left", "grade": 12, field: value}
    refused(lambda: MuscleScore.objects.create(assessment=AssessmentFactory(), **values))


@pytest.mark.parametrize("edss", ["10.5", "-0.5", "3.3"])
def test_edss_is_0_to_10_in_half_steps(edss):
    refused(lambda: AssessmentFactory(edss=edss))


def test_edss_accepts_half_steps():
    assert AssessmentFactory(edss="6.5").edss is not None


@pytest.mark.parametrize("seconds", ["0", "0.99", "180.01", "-8.4"])
def test_timed_walk_is_1_to_180_seconds(seconds):
    refused(lambda: AssessmentFactory(timed_25ft_walk_seconds=seconds))


@pytest.mark.parametrize("seconds", ["1.00", "8.40", "180.00"])
def test_timed_walk_accepts_its_range_edges(seconds):
    assert AssessmentFactory(timed_25ft_walk_seconds=seconds).pk


EARLY = datetime.date(1899, 12, 31)


def test_no_clinical_date_before_1900():
    refused(lambda: AssessmentFactory(assessed_on=EARLY))
    refused(lambda: DeviceFactory(prescribed_on=EARLY, review_due_on=datetime.date(1900, 1, 1)))
    refused(lambda: ReferralFactory(referred_on=EARLY, due_by=datetime.date(1900, 1, 1)))
    assert AssessmentFactory(assessed_on=datetime.date(1900, 1, 1)).pk


@pytest.mark.parametrize("device_type", ["afo", "fes"])
def test_an_afo_or_fes_has_a_side(device_type):
    refused(lambda: DeviceFactory(device_type=device_type, side="na"))
    assert DeviceFactory(device_type=device_type, side="bilateral").pk


def test_other_devices_may_have_no_side():
    assert DeviceFactory(device_type="walker", side="na").pk


def test_a_device_review_is_due_again_no_earlier_than_it_was_made():
    device = DeviceFactory()
    day = datetime.date(2026, 5, 2)
    values = {"device": device, "reviewed_by": device.prescribed_by, "previous_review_due_on": day}
    refused(
        lambda: DeviceReview.objects.create(
            reviewed_on=day, next_review_due_on=day - datetime.timedelta(1), **values
        )
    )
    refused(lambda: DeviceReview.objects.create(reviewed_on=EARLY, next_review_due_on=day, **values))
    assert DeviceReview.objects.create(reviewed_on=day, next_review_due_on=day, **values).pk


def test_device_review_cannot_precede_prescription():
    refused(
        lambda: DeviceFactory(
            prescribed_on=datetime.date(2026, 5, 2), review_due_on=datetime.date(2026, 5, 1)
        )
    )


def test_device_review_on_the_prescription_day_is_allowed():
    day = datetime.date(2026, 5, 2)
    assert DeviceFactory(prescribed_on=day, review_due_on=day).pk


def test_discontinued_device_needs_its_date_and_an_active_one_has_none():
    refused(lambda: DeviceFactory(status=DevicePrescription.Status.DISCONTINUED, discontinued_on=None))
    refused(
        lambda: DeviceFactory(status=DevicePrescription.Status.ACTIVE, discontinued_on=timezone.localdate())
    )


@pytest.mark.parametrize(
    ("field", "value"), [("injury", "fatal"), ("location", "moon"), ("device_in_use", "jetpack")]
)
def test_fall_codes_are_restricted(field, value):
    refused(lambda: FallFactory(**{field: value}))


def test_referral_due_by_defaults_by_urgency():
    day = datetime.date(2026, 3, 1)
    assert ReferralFactory(referred_on=day, urgency="urgent").due_by == datetime.date(2026, 3, 15)
    assert ReferralFactory(referred_on=day, urgency="routine").due_by == datetime.date(2026, 4, 12)


@pytest.mark.parametrize(
    ("field", "value"), [("status", "lost"), ("to_service", "dentist"), ("urgency", "asap")]
)
def test_referral_codes_are_restricted(field, value):
    refused(lambda: ReferralFactory(due_by=datetime.date(2026, 12, 1), **{field: value}))


def test_entered_in_error_needs_who_when_and_why_together():
    patient = PatientFactory()
    refused(lambda: Patient.objects.filter(pk=patient.pk).update(entered_in_error_at=timezone.now()))
    refused(lambda: Patient.objects.filter(pk=patient.pk).update(entered_in_error_reason="duplicate"))
    user = UserFactory()
    patient.mark_entered_in_error(by=user, reason="duplicate registration")
    assert Patient.objects.valid().filter(pk=patient.pk).count() == 0


def test_reminder_is_unique_per_kind_patient_and_due_date():
    patient = PatientFactory()
    day = datetime.date(2026, 6, 1)
    ReminderFactory(patient=patient, due_on=day)
    ReminderFactory(patient=patient, due_on=day + datetime.timedelta(days=1))
    refused(lambda: ReminderFactory(patient=patient, due_on=day))


def test_reminder_is_unique_per_kind_subject_and_due_date():
    referral = ReferralFactory()
    day = datetime.date(2026, 6, 1)
    kind = Reminder.Kind.REFERRAL_OVERDUE
    ReminderFactory(kind=kind, patient=referral.patient, referral=referral, due_on=day)
    other = ReferralFactory(patient=referral.patient)
    ReminderFactory(kind=kind, patient=referral.patient, referral=other, due_on=day)
    refused(lambda: ReminderFactory(kind=kind, patient=referral.patient, referral=referral, due_on=day))


def test_reminder_subject_must_match_its_kind():
    fall = FallFactory()
    refused(lambda: ReminderFactory(kind=Reminder.Kind.REFERRAL_OVERDUE, patient=fall.patient))
    refused(lambda: ReminderFactory(kind=Reminder.Kind.REASSESSMENT_DUE, patient=fall.patient, fall=fall))
    assert ReminderFactory(kind=Reminder.Kind.FALL_RISK, patient=fall.patient, fall=fall).subject == fall


def test_sent_reminder_records_when():
    refused(lambda: ReminderFactory(status=Reminder.Status.SENT))


def test_clinical_records_cannot_be_deleted_while_referenced():
    """PROTECT: a patient with records cannot be removed from under them."""
    fall = FallFactory()
    with pytest.raises(ProtectedError):
        fall.patient.delete()
    assert FallEvent.objects.filter(pk=fall.pk).exists()
