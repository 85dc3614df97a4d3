"""Who reaches the FHIR API (SPEC §5, §6): the REST API's tokens and sessions, the same clinics
(another clinic's records are 404, as unknown ids are, and never found by a search), and an
access-log entry for every read and search of patient data."""

import re

import pytest
from django.test import Client
from rest_framework.test import APIClient

from assessments.models import Assessment
from audit.models import AccessRecord
from care.models import DevicePrescription, ExercisePlan, FallEvent, MedicationEvent, Referral
from fhir_r4 import urls as fhir_urls
from fhir_r4.mapping import CODE_SYSTEMS
from fhir_r4.registry import SERVED
from tests import factories
from tests.support.clients import web_client_of

from .conftest import fhir_get

pytestmark = pytest.mark.django_db


def test_the_capability_statement_is_public_and_lists_exactly_what_answers(anonymous, nora_api, iris):
    statement = fhir_get(anonymous, "metadata")
    assert (statement["fhirVersion"], statement["format"], statement["kind"]) == (
        "4.0.1",
        ["json"],
        "instance",
    )
    listed = {resource["type"]: resource for resource in statement["rest"][0]["resource"]}
    assert set(listed) == {
        "Patient",
        "Condition",
        "Observation",
        "AdverseEvent",
        "DeviceRequest",
        "ServiceRequest",
        "Task",
        "CarePlan",
        "MedicationStatement",
        "CodeSystem",
        "Group",
    }
    bulk_data = "http://hl7.org/fhir/uv/bulkdata"
    assert statement["instantiates"] == [f"{bulk_data}/CapabilityStatement/bulk-data"]
    # Group is there for its $export alone, as Patient's $export is beside its read and search.
    assert listed.pop("Group")["operation"] == [
        {"name": "export", "definition": f"{bulk_data}/OperationDefinition/group-export"}
    ]
    assert listed["Patient"]["operation"] == [
        {"name": "export", "definition": f"{bulk_data}/OperationDefinition/patient-export"}
    ]
    routes = {pattern.name for pattern in fhir_urls.urlpatterns}
    assert routes == {"metadata", "export-patients", "export-group", "export-status", "export-file"} | {
        f"{name}-{interaction}"
        for name, capability in listed.items()
        for interaction in ("read", "search")
        if interaction in {code["code"].removesuffix("-type") for code in capability["interaction"]}
    }
    for name, capability in listed.items():
        interactions = {interaction["code"] for interaction in capability["interaction"]}
        if "search-type" in interactions:
            params = [param["name"] for param in capability["searchParam"]]
            assert params == list(SERVED[name].search_params)
            fhir_get(nora_api, f"{name}?_count=1")
        else:
            assert "searchParam" not in capability
            assert fhir_get(nora_api, name, status=404)["resourceType"] == "OperationOutcome"
        assert "read" in interactions
    # Anything else is not served, and says so in FHIR.
    assert fhir_get(nora_api, "Encounter", status=404)["issue"][0]["code"] == "not-found"


def test_patient_data_needs_a_sign_in_and_says_how_in_a_401(anonymous, iris):
    for path in (f"Patient/{iris.pk}", "Patient", "Observation", "CodeSystem/mrc-grade"):
        response = anonymous.get(f"/fhir/R4/{path}")
        assert response.status_code == 401, path
        assert response["WWW-Authenticate"] == "Token"
        assert response.json()["issue"][0]["code"] == "login"
    assert APIClient(HTTP_AUTHORIZATION="Token made-up").get("/fhir/R4/Patient").status_code == 401


def test_a_session_signed_in_works_and_one_owing_its_second_factor_gets_a_403(ada, iris):
    assert fhir_get(web_client_of(ada), f"Patient/{iris.pk}")["id"] == str(iris.pk)
    half_signed_in = Client()
    half_signed_in.force_login(ada)  # an admin must use a second factor, and has not yet
    outcome = fhir_get(half_signed_in, f"Patient/{iris.pk}", status=403)
    assert outcome["issue"][0]["code"] == "forbidden"
    assert fhir_get(half_signed_in, "metadata")["resourceType"] == "CapabilityStatement"


def test_another_clinics_records_are_404_like_unknown_ids(sam_api, nora_api, iris):
    assessment = Assessment.objects.get(patient=iris)
    score = assessment.scores.first()
    for path in (
        f"Patient/{iris.pk}",
        f"Condition/ms-{iris.pk}",
        f"Observation/assessment-{assessment.pk}",
        f"Observation/mmt-{score.pk}",
        f"Observation/edss-{assessment.pk}",
        f"AdverseEvent/{FallEvent.objects.get(patient=iris).pk}",
        f"DeviceRequest/{DevicePrescription.objects.get(patient=iris).pk}",
        f"ServiceRequest/{Referral.objects.get(patient=iris).pk}",
        f"Task/{Referral.objects.get(patient=iris).pk}",
        f"CarePlan/{ExercisePlan.objects.get(patient=iris).pk}",
        f"MedicationStatement/{MedicationEvent.objects.get(patient=iris).pk}",
    ):
        outsider = fhir_get(sam_api, path, status=404)
        assert outsider["issue"][0]["code"] == "not-found"
        unknown = fhir_get(nora_api, re.sub(r"\d+$", "999999999", path), 404)
        assert outsider == unknown
    for path in (
        "Patient/x",
        "Condition/7",
        "Observation/assessment-x",
        "Observation/nothing-1",
        "CodeSystem/loinc",
    ):
        fhir_get(nora_api, path, status=404)


def test_a_search_naming_another_clinics_patient_finds_nothing(sam_api, iris):
    for path in (
        f"Patient?_id={iris.pk}",
        "Patient?identifier=N900001",
        f"Condition?patient={iris.pk}",
        f"Observation?patient={iris.pk}",
        "Observation",
        f"AdverseEvent?subject={iris.pk}",
        f"DeviceRequest?patient={iris.pk}",
        f"ServiceRequest?patient={iris.pk}",
        f"Task?patient={iris.pk}",
        f"CarePlan?patient={iris.pk}",
        f"MedicationStatement?patient={iris.pk}",
    ):
        assert fhir_get(sam_api, path)["total"] == 0, path


def test_the_api_only_reads(nora_api, iris):
    response = nora_api.post("/fhir/R4/Patient", {"resourceType": "Patient"}, format="json")
    assert response.status_code == 405
    assert response.json()["issue"][0]["code"] == "not-supported"
    assert nora_api.delete(f"/fhir/R4/Patient/{iris.pk}").status_code == 405


def test_every_read_and_search_of_patient_data_is_logged_with_its_patients(nora_api, north, iris):
    other = factories.PatientFactory(clinic=north, given_name="Olive", family_name="Stone")
    assessment = Assessment.objects.get(patient=iris)
    before = AccessRecord.objects.count()

    fhir_get(nora_api, f"Observation/mrc-sum-{assessment.pk}")
    read = AccessRecord.objects.with_patient_ids().first()
    assert (read.action, read.username) == ("fhir_read", "nora")
    assert [subject.patient_id for subject in read.patient_subjects] == [iris.pk]

    fhir_get(nora_api, "Patient?name=re&_count=10")
    search = AccessRecord.objects.with_patient_ids().first()
    assert search.action == "fhir_search"
    assert search.query == {"name": "re", "_count": "10"}
    assert {subject.patient_id for subject in search.patient_subjects} == {iris.pk}

    fhir_get(nora_api, "Patient")
    assert {s.patient_id for s in AccessRecord.objects.with_patient_ids().first().patient_subjects} == {
        iris.pk,
        other.pk,
    }
    assert AccessRecord.objects.count() == before + 3


def test_nothing_is_logged_for_a_refusal_or_for_what_is_not_patient_data(nora_api, sam_api, iris):
    before = AccessRecord.objects.count()
    fhir_get(sam_api, f"Patient/{iris.pk}", status=404)
    fhir_get(nora_api, "Patient?birthdate=yesterday", status=400)
    fhir_get(nora_api, "metadata")
    for code_system_id in CODE_SYSTEMS:
        fhir_get(nora_api, f"CodeSystem/{code_system_id}")
    assert AccessRecord.objects.count() == before


def test_a_client_that_accepts_fhir_json_gets_it(nora_api, iris):
    """FHIR clients send Accept: application/fhir+json; DRF's negotiation alone would answer 406."""
    for accept in (
        "application/fhir+json",
        "application/fhir+json; fhirVersion=4.0",
        "application/json",
        "*/*",
    ):
        response = nora_api.get(f"/fhir/R4/Patient/{iris.pk}", HTTP_ACCEPT=accept)
        assert (response.status_code, response["Content-Type"]) == (
            200,
            "application/fhir+json; charset=utf-8",
        )
