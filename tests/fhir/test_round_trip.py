"""The demo cohort into FHIR and back: every search of SPEC §6 paged through as a client would,
each resource turned back into the app's values (tests/fhir/reverse.py), and the whole held to
what the database holds — no record lost, none extra, every grade, date and status the same.
A record of each kind is marked entered in error first: those must stay out."""

import json

import pytest

from assessments.models import Assessment
from care.models import DevicePrescription, ExercisePlan, FallEvent, MedicationEvent, Referral
from patients.models import Clinic, Patient
from patients.services import record_mark_entered_in_error
from tests.support.clients import api_client_of

from .conftest import every_page
from .reverse import RECORDS, assert_same_records, records_in_database, records_of

pytestmark = pytest.mark.django_db

SEARCHED = (
    "Patient",
    "Condition",
    "Observation",
    "AdverseEvent",
    "DeviceRequest",
    "ServiceRequest",
    "Task",
    "CarePlan",
    "MedicationStatement",
)
# Pages of ten, so that every search of a demo clinic (12 devices, 13 referrals, 29 patients) runs
# to several; but the Observations (thousands) come in the largest pages, because their search
# builds every Observation of the matching assessments for each page it answers.
PAGE_SIZE = {"Observation": 500}


def mark_one_of_each_in_error(clinic, by):
    """A patient (with all their records) and, of another patient, one record of every kind."""
    patients = Patient.objects.filter(clinic=clinic).order_by("pk")
    record_mark_entered_in_error(record=patients[0], by=by, reason="Registered twice")
    for model in (Assessment, FallEvent, DevicePrescription, Referral, ExercisePlan, MedicationEvent):
        record = model.objects.filter(patient__in=patients[1:]).order_by("pk").first()
        record_mark_entered_in_error(record=record, by=by, reason="Entered for the wrong patient")


@pytest.mark.parametrize("clinic", ["north", "south"])
def test_the_demo_cohort_reads_back_from_fhir_as_the_database_holds_it(demo, django_user_model, clinic):
    nurse = django_user_model.objects.get(username=f"nurse_{clinic}")
    clinic = Clinic.objects.get(code=clinic)
    mark_one_of_each_in_error(clinic, nurse)
    client = api_client_of(nurse)

    found = records_of(
        resource
        for resource_type in SEARCHED
        for resource in every_page(client, resource_type, count=PAGE_SIZE.get(resource_type, 10))
    )

    expected = records_in_database([clinic.pk])
    assert all(expected[record_type] for record_type in RECORDS), "the demo cohort has every kind of record"
    assert_same_records(found, expected)
    assert found == expected


@pytest.mark.parametrize("clinic", ["north", "south"])
def test_the_demo_cohorts_bulk_export_reads_back_as_the_database_holds_it(demo, django_user_model, clinic):
    """What the export says is what the database holds: every NDJSON line of the clinic's
    Group export, turned back into the app's values."""
    nurse = django_user_model.objects.get(username=f"nurse_{clinic}")
    clinic = Clinic.objects.get(code=clinic)
    mark_one_of_each_in_error(clinic, nurse)
    client = api_client_of(nurse)
    kick_off = client.get(f"/fhir/R4/Group/{clinic.code}/$export", HTTP_PREFER="respond-async")
    manifest = client.get(kick_off["Content-Location"]).json()
    assert [output["type"] for output in manifest["output"]] == list(SEARCHED)

    found = records_of(
        json.loads(line)
        for output in manifest["output"]
        for line in b"".join(client.get(output["url"]).streaming_content).splitlines()
    )

    assert_same_records(found, records_in_database([clinic.pk]))
