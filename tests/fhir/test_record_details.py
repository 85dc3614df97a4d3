"""What a client reads beyond SPEC §6's core mapping: a fall's notes and contributing factors, a
device's reviews and next review, a plan's review date, a referral's progress, and every record of
a patient entered in error read as entered in error. Every resource passes through ``fhir_get``,
which validates it."""

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from care.models import (
    DevicePrescription,
    ExercisePlan,
    FallEvent,
    MedicationEvent,
    Referral,
    ReferralStatusChange,
)
from care.services import device_review, referral_transition
from patients.models import Patient
from tests import factories

from .conftest import fhir_get

pytestmark = pytest.mark.django_db
BASE = settings.FHIR_BASE_URL
AE_BACKPORT = "http://hl7.org/fhir/uv/ae-research-backport-ig/StructureDefinition"
MARKED_IN_ERROR = {
    "entered_in_error_at": datetime.datetime(2026, 3, 3, tzinfo=datetime.UTC),
    "entered_in_error_reason": "Wrong person",
}


def factor(code, display):
    return {
        "url": f"{AE_BACKPORT}/contributing-factor",
        "extension": [
            {
                "url": "item",
                "valueCodeableConcept": {
                    "coding": [
                        {"system": f"{BASE}/CodeSystem/fall-factor", "code": code, "display": display}
                    ],
                    "text": display,
                },
            }
        ],
    }


def test_a_fall_carries_its_activity_notes_and_contributing_factors(nora_api, iris):
    fall = factories.FallFactory(
        patient=iris,
        occurred_at=datetime.datetime(2026, 2, 1, 9, 0, tzinfo=datetime.UTC),
        activity="Getting out of the bath",
        notes="Legs gave way after a hot bath.",
        contributing_factors=["heat", "bladder_urgency", "fatigue"],
    )
    event = fhir_get(nora_api, f"AdverseEvent/{fall.pk}")
    assert event["extension"] == [
        {"url": f"{AE_BACKPORT}/note", "valueAnnotation": {"text": "Activity: Getting out of the bath"}},
        {"url": f"{AE_BACKPORT}/note", "valueAnnotation": {"text": "Legs gave way after a hot bath."}},
        # In the order of the clinic's list, whatever the order they were ticked in.
        factor("fatigue", "Fatigue"),
        factor("heat", "Heat"),
        factor("bladder_urgency", "Bladder urgency"),
    ]
    codes = {concept["code"] for concept in fhir_get(nora_api, "CodeSystem/fall-factor")["concept"]}
    assert codes == {choice.value for choice in FallEvent.ContributingFactor}


def test_a_fall_with_nothing_to_add_has_no_extension(nora_api, iris):
    fall = FallEvent.objects.get(patient=iris)
    assert (fall.activity, fall.notes, fall.contributing_factors) == ("", "", [])
    assert "extension" not in fhir_get(nora_api, f"AdverseEvent/{fall.pk}")


def test_a_device_in_use_runs_to_its_next_review_and_carries_its_valid_reviews(nora_api, nora, iris):
    afo = DevicePrescription.objects.get(patient=iris)
    assert fhir_get(nora_api, f"DeviceRequest/{afo.pk}")["occurrencePeriod"] == {
        "start": "2026-03-02",
        "end": "2026-05-31",  # the default: 90 days on
    }
    device_review(
        device=afo,
        by=nora,
        reviewed_on=datetime.date(2026, 5, 20),
        next_review_due_on=datetime.date(2026, 8, 20),
        note="Fits well; walks further.",
    )
    mistaken = device_review(
        device=afo,
        by=nora,
        reviewed_on=datetime.date(2026, 6, 1),
        next_review_due_on=datetime.date(2026, 9, 1),
    )
    device_review(
        device=afo,
        by=nora,
        reviewed_on=datetime.date(2026, 8, 18),
        next_review_due_on=datetime.date(2026, 11, 18),
    )
    mistaken.mark_entered_in_error(by=nora, reason="Another patient's AFO")
    request = fhir_get(nora_api, f"DeviceRequest/{afo.pk}")
    assert request["occurrencePeriod"] == {"start": "2026-03-02", "end": "2026-11-18"}
    assert request["note"] == [
        {"time": "2026-05-20", "text": "Reviewed; next review due 2026-08-20.\n\nFits well; walks further."},
        {"time": "2026-08-18", "text": "Reviewed; next review due 2026-11-18."},
    ]
    assert fhir_get(nora_api, f"DeviceRequest?patient={iris.pk}")["entry"][0]["resource"] == request


def test_an_active_plan_runs_to_its_review_date(nora_api, iris):
    plan = ExercisePlan.objects.get(patient=iris)
    ExercisePlan.objects.filter(pk=plan.pk).update(review_on=datetime.date(2026, 4, 1))
    care_plan = fhir_get(nora_api, f"CarePlan/{plan.pk}")
    assert care_plan["period"] == {"start": "2026-03-02", "end": "2026-04-01"}
    assert care_plan["activity"][0]["detail"]["description"] == "3 sets of 10, twice a week"


def moved(referral, by, *moves):
    """``referral`` moved through ``moves`` ((status, when), ...), each recorded at ``when``."""
    for status, when in moves:
        referral = referral_transition(referral=referral, to_status=status, by=by)
        ReferralStatusChange.objects.filter(referral=referral, to_status=status).update(changed_at=when)
    return referral


def at(day, hour):
    return datetime.datetime(2026, 3, day, hour, tzinfo=datetime.UTC)


def test_a_referral_task_runs_from_sending_to_closing(nora_api, nora, north):
    referral = factories.ReferralFactory(patient=factories.PatientFactory(clinic=north))
    assert "executionPeriod" not in fhir_get(nora_api, f"Task/{referral.pk}")
    moved(referral, nora, ("sent", at(2, 9)), ("accepted", at(3, 10)))
    assert fhir_get(nora_api, f"Task/{referral.pk}")["executionPeriod"] == {
        "start": "2026-03-02T09:00:00+00:00"
    }
    moved(referral, nora, ("seen", at(10, 11)), ("closed", at(12, 12)))
    task = fhir_get(nora_api, f"Task/{referral.pk}")
    assert task["executionPeriod"] == {
        "start": "2026-03-02T09:00:00+00:00",
        "end": "2026-03-12T12:00:00+00:00",
    }
    assert fhir_get(nora_api, f"Task?patient={referral.patient_id}")["entry"][0]["resource"] == task


def test_a_draft_cancelled_before_sending_only_ends(nora_api, nora, north):
    referral = factories.ReferralFactory(patient=factories.PatientFactory(clinic=north))
    moved(referral, nora, ("cancelled", at(4, 8)))
    task = fhir_get(nora_api, f"Task/{referral.pk}")
    assert (task["status"], task["executionPeriod"]) == ("cancelled", {"end": "2026-03-04T08:00:00+00:00"})


def test_a_patient_entered_in_error_takes_every_record_along_read_by_id(nora_api, nora, iris):
    Patient.objects.filter(pk=iris.pk).update(entered_in_error_by=nora, **MARKED_IN_ERROR)
    fall = FallEvent.objects.get(patient=iris)
    assert fhir_get(nora_api, f"AdverseEvent/{fall.pk}")["meta"]["tag"] == [
        {
            "system": f"{BASE}/CodeSystem/record-status",
            "code": "entered-in-error",
            "display": "Entered in error",
        }
    ]
    device = DevicePrescription.objects.get(patient=iris)
    assert fhir_get(nora_api, f"DeviceRequest/{device.pk}")["status"] == "entered-in-error"
    referral = Referral.objects.get(patient=iris)
    assert fhir_get(nora_api, f"ServiceRequest/{referral.pk}")["status"] == "entered-in-error"
    assert fhir_get(nora_api, f"Task/{referral.pk}")["status"] == "entered-in-error"
    plan = ExercisePlan.objects.get(patient=iris)
    care_plan = fhir_get(nora_api, f"CarePlan/{plan.pk}")
    assert (care_plan["status"], care_plan["activity"][0]["detail"]["status"]) == (
        "entered-in-error",
        "entered-in-error",
    )
    medication = MedicationEvent.objects.get(patient=iris)
    assert fhir_get(nora_api, f"MedicationStatement/{medication.pk}")["status"] == "entered-in-error"
    for search in (
        f"AdverseEvent?subject={iris.pk}",
        f"DeviceRequest?patient={iris.pk}",
        f"ServiceRequest?patient={iris.pk}",
        f"Task?patient={iris.pk}",
        f"CarePlan?patient={iris.pk}",
        f"MedicationStatement?patient={iris.pk}",
    ):
        assert fhir_get(nora_api, search)["total"] == 0, search


def test_records_of_a_valid_patient_are_not_entered_in_error(nora_api, iris):
    fall = FallEvent.objects.get(patient=iris)
    assert "tag" not in fhir_get(nora_api, f"AdverseEvent/{fall.pk}")["meta"]
    plan = ExercisePlan.objects.get(patient=iris)
    assert fhir_get(nora_api, f"CarePlan/{plan.pk}")["activity"][0]["detail"]["status"] == "in-progress"


SEARCHES = ["AdverseEvent", "DeviceRequest", "ServiceRequest", "Task", "CarePlan", "MedicationStatement"]


def queries_of(client, path):
    with CaptureQueriesContext(connection) as queries:
        fhir_get(client, path)
    return len(queries)


@pytest.mark.parametrize("resource_type", SEARCHES)
def test_a_search_costs_the_same_queries_for_one_record_or_many(nora_api, nora, north, resource_type):
    """Each resource reads its patient (entered in error or not): loaded with the records, never
    one query per row."""
    patients = [factories.PatientFactory(clinic=north) for _ in range(4)]
    for patient in patients:
        factories.FallFactory(patient=patient, contributing_factors=["heat"])
        device = factories.DeviceFactory(patient=patient, prescribed_on=datetime.date(2026, 1, 5))
        device_review(
            device=device,
            by=nora,
            reviewed_on=datetime.date(2026, 2, 1),
            next_review_due_on=datetime.date(2026, 5, 1),
        )
        moved(factories.ReferralFactory(patient=patient), nora, ("sent", at(2, 9)))
        factories.MedicationFactory(patient=patient)
        factories.PlanFactory(patient=patient)
    fhir_get(nora_api, f"{resource_type}?_count=1")  # whatever a first request sets up
    one = queries_of(nora_api, f"{resource_type}?_count=1")
    many = queries_of(nora_api, f"{resource_type}?_count=4")
    assert one == many
