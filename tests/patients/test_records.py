"""The record-type registry: every kind of clinical record declares itself once, on its model."""

import datetime

import pytest

from assessments.models import Assessment, TrendReview
from assessments.services import trend_review_record
from care.models import DevicePrescription, DeviceReview, ExercisePlan, FallEvent, MedicationEvent, Referral
from care.services import device_review
from diary.models import DiaryEntry
from patients.models import Patient
from patients.records import record_model, record_types, reminder_subject_types
from reminders.models import SUBJECT_FIELD_OF_KIND, Reminder
from tests.factories import (
    AssessmentFactory,
    DeviceFactory,
    FallFactory,
    MedicationFactory,
    PlanFactory,
    ReferralFactory,
)
from tests.support.clients import api_client_of

pytestmark = pytest.mark.django_db


def test_every_clinical_record_model_is_registered_by_its_slug():
    assert record_types() == {
        "patient": Patient,
        "assessment": Assessment,
        "fall": FallEvent,
        "device": DevicePrescription,
        "referral": Referral,
        "device_review": DeviceReview,
        "trend_review": TrendReview,
        "medication": MedicationEvent,
        "exercise_plan": ExercisePlan,
        "diary_entry": DiaryEntry,
    }
    assert record_model("assessment") is Assessment
    assert record_model("musclescore") is None


def test_a_reminder_has_a_foreign_key_to_each_subject_type_named_by_its_slug():
    assert set(reminder_subject_types()) == {field for field in SUBJECT_FIELD_OF_KIND.values() if field}
    for slug in reminder_subject_types():
        assert Reminder._meta.get_field(slug).related_model is record_model(slug)


@pytest.fixture
def one_of_each(north_patient, nora, phil, clock):
    clock.move_to(datetime.datetime(2026, 3, 10, 12, tzinfo=datetime.UTC))
    device = DeviceFactory(patient=north_patient, prescribed_by=phil, prescribed_on=datetime.date(2026, 3, 2))
    review = device_review(
        device=device,
        by=phil,
        reviewed_on=datetime.date(2026, 3, 9),
        next_review_due_on=datetime.date(2026, 9, 9),
    )
    fall = FallFactory(
        patient=north_patient,
        recorded_by=phil,
        near_fall=True,
        occurred_at=datetime.datetime(2026, 3, 3, 14, 5, tzinfo=datetime.UTC),
    )
    assessment = AssessmentFactory(
        patient=north_patient, assessor=nora, assessed_on=datetime.date(2026, 3, 1)
    )
    return {
        "assessment": (assessment, nora, "Assessment of 01 Mar 2026"),
        "trend_review": (
            trend_review_record(patient=north_patient, by=phil, note="Seen; no change to the plan."),
            phil,
            "Trend review of 10 Mar 2026",
        ),
        "fall": (fall, phil, "Near-fall of 03 Mar 2026 14:05"),
        "device": (device, phil, "Ankle-foot orthosis (AFO) prescribed 02 Mar 2026"),
        "device_review": (review, phil, "Ankle-foot orthosis (AFO) reviewed 09 Mar 2026"),
        "medication": (
            MedicationFactory(
                patient=north_patient,
                recorded_by=nora,
                drug="tizanidine",
                event="increase",
                occurred_on=datetime.date(2026, 3, 5),
            ),
            nora,
            "Tizanidine increase of 05 Mar 2026",
        ),
        "exercise_plan": (
            PlanFactory(patient=north_patient, prescribed_by=phil, started_on=datetime.date(2026, 3, 6)),
            phil,
            "Progressive resistance plan for Knee Extension (left) from 06 Mar 2026",
        ),
        "referral": (
            ReferralFactory(patient=north_patient, created_by=nora, referred_on=datetime.date(2026, 3, 4)),
            nora,
            "Referral to Physiotherapy of 04 Mar 2026",
        ),
    }


@pytest.mark.parametrize(
    "slug",
    [
        "assessment",
        "fall",
        "device",
        "referral",
        "device_review",
        "trend_review",
        "medication",
        "exercise_plan",
    ],
)
def test_a_record_names_its_author_its_patient_and_itself(slug, one_of_each, north_patient, settings):
    settings.TIME_ZONE = "UTC"
    record, author, description = one_of_each[slug]
    assert record.entered_by_id() == author.pk
    assert record.patient_record == north_patient
    assert record.patient_record_id == north_patient.pk
    assert record.describe() == description


def test_a_patients_author_is_who_registered_them(north, nora):
    created = api_client_of(nora).post(
        "/api/v1/patients/",
        {
            "clinic": north.code,
            "mrn": "R1",
            "given_name": "Ann",
            "family_name": "Lee",
            "date_of_birth": "1980-01-02",
        },
        format="json",
    )
    patient = Patient.objects.get(pk=created.json()["id"])
    assert patient.entered_by_id() == nora.pk
    assert patient.patient_record is patient
    assert patient.patient_record_id == patient.pk
    assert patient.describe() == "Patient Ann Lee (R1)"
