"""The FHIR API's routes × methods × people (SPEC §4 roles, §5 scoping, §6): anonymous, Nora
(nurse), Phil (physio), Ada (admin) of clinic north and Sam (nurse, clinic south), against the
status in ``EXPECTED``, as tests/api/test_permission_matrix.py does for the REST API. A new
route fails until it is added; every answer is validated FHIR (an OperationOutcome for an error)."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from assessments.models import Assessment
from care.models import DevicePrescription, ExercisePlan, FallEvent, MedicationEvent, Referral
from fhir_r4.export import export_run, export_start
from tests.support.clients import api_client_of

from .validate import assert_valid

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
#               anonymous  nurse  physio  admin  outsider
NOT_SERVED = (401, 405, 405, 405, 405)
PUBLIC = (200, 200, 200, 200, 200)
SEARCH = (401, 200, 200, 200, 200)
READ_ONE = (401, 200, 200, 200, 404)
# An export of every clinic of the user's, and of clinic north (Group/north).
EXPORT_ALL = (401, 202, 202, 202, 202)
EXPORT_NORTH = (401, 202, 202, 202, 404)
# Nora's export, its status and its files: nobody else's, whatever their role or clinic.
NORAS_OWN = (401, 200, 404, 404, 404)


def row(GET, others=NOT_SERVED):
    return {"GET": GET} | {method: others for method in METHODS if method != "GET"}


EXPECTED = {
    "metadata": row(PUBLIC, others=(405,) * 5),
    "Patient-search": row(SEARCH),
    "Patient-read": row(READ_ONE),
    "Condition-search": row(SEARCH),
    "Condition-read": row(READ_ONE),
    "Observation-search": row(SEARCH),
    "Observation-read": row(READ_ONE),
    "AdverseEvent-search": row(SEARCH),
    "AdverseEvent-read": row(READ_ONE),
    "DeviceRequest-search": row(SEARCH),
    "DeviceRequest-read": row(READ_ONE),
    "ServiceRequest-search": row(SEARCH),
    "ServiceRequest-read": row(READ_ONE),
    "Task-search": row(SEARCH),
    "Task-read": row(READ_ONE),
    "CarePlan-search": row(SEARCH),
    "CarePlan-read": row(READ_ONE),
    "MedicationStatement-search": row(SEARCH),
    "MedicationStatement-read": row(READ_ONE),
    # The local CodeSystems hold no patient data: every signed-in user reads them.
    "CodeSystem-read": row(SEARCH),
    "export-patients": row(EXPORT_ALL),
    "export-group": row(EXPORT_NORTH),
    "export-status": row(NORAS_OWN) | {"DELETE": (401, 202, 404, 404, 404)},
    "export-file": row(NORAS_OWN),
}


def fhir_routes(resolver=None, namespace=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from fhir_routes(entry, f"{namespace}{entry.namespace}:" if entry.namespace else namespace)
        elif isinstance(entry, URLPattern) and namespace == "fhir:":
            yield entry.name


ROUTES = sorted(set(fhir_routes()))


def test_the_table_has_every_fhir_route_and_no_other():
    assert sorted(EXPECTED) == ROUTES


def url_of(name, iris, nora):
    if name == "export-group":
        return reverse("fhir:export-group", kwargs={"clinic_code": iris.clinic.code})
    if name in ("export-status", "export-file"):
        job = export_start(
            user=nora, clinic=None, resource_types=["Patient"], since=None, request_url="http://testserver/"
        )
        export_run(job.pk)
        if name == "export-status":
            return reverse("fhir:export-status", args=[job.pk])
        return reverse("fhir:export-file", args=[job.pk, "Patient"])
    if not name.endswith("-read"):
        return reverse(f"fhir:{name}")
    resource_id = {
        "Patient-read": str(iris.pk),
        "Condition-read": f"ms-{iris.pk}",
        "Observation-read": f"assessment-{Assessment.objects.get(patient=iris).pk}",
        "AdverseEvent-read": str(FallEvent.objects.get(patient=iris).pk),
        "DeviceRequest-read": str(DevicePrescription.objects.get(patient=iris).pk),
        "ServiceRequest-read": str(Referral.objects.get(patient=iris).pk),
        "Task-read": str(Referral.objects.get(patient=iris).pk),
        "CarePlan-read": str(ExercisePlan.objects.get(patient=iris).pk),
        "MedicationStatement-read": str(MedicationEvent.objects.get(patient=iris).pk),
        "CodeSystem-read": "muscle-group",
    }[name]
    return reverse(f"fhir:{name}", kwargs={"resource_id": resource_id})


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", ROUTES)
def test_each_person_gets_the_status_the_table_gives(name, method, iris, nora, phil, ada, sam):
    url = url_of(name, iris, nora)
    actual = []
    for person in (None, nora, phil, ada, sam):
        response = api_client_of(person).generic(
            method, url, data="{}", content_type="application/fhir+json", HTTP_PREFER="respond-async"
        )
        actual.append(response.status_code)
        if response.status_code == 200 and name.startswith("export-"):
            # The manifest is plain JSON, the file NDJSON (here one Patient line); both checked in test_export.
            body = b"".join(response.streaming_content) if response.streaming else response.content
            assert body
            continue
        assert response["Content-Type"].startswith("application/fhir+json"), (
            method,
            url,
            response.status_code,
        )
        assert_valid(response.json())
    assert tuple(actual) == EXPECTED[name][method], f"{method} {url}"
