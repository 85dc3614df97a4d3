"""Search parameters (SPEC §6) and the searchset Bundle: what each finds, what it refuses, paging."""

import datetime
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.models import Assessment
from tests import factories

from .conftest import fhir_get

pytestmark = pytest.mark.django_db
MRN_SYSTEM = f"{settings.FHIR_BASE_URL}/sid/mrn/north"


def ids_of(bundle):
    return [entry["resource"]["id"] for entry in bundle["entry"]]


@pytest.fixture
def others(north, south):
    """Two more north patients, and a south one with Iris's MRN (another clinic's system)."""
    return (
        factories.PatientFactory(clinic=north, given_name="Ivy", family_name="Reed", date_of_birth=datetime.date(1980, 1, 1)),
        factories.PatientFactory(clinic=north, given_name="Omar", family_name="Said", date_of_birth=datetime.date(1990, 6, 30)),
        factories.PatientFactory(clinic=south, mrn="N900001", given_name="Iris", family_name="Reid"),
    )  # fmt: skip


@pytest.mark.parametrize(
    "query, expected",
    [
        (f"identifier={MRN_SYSTEM}|N900001", ["iris"]),
        ("identifier=N900001", ["iris"]),
        (f"identifier={MRN_SYSTEM}|", ["ivy", "iris", "omar"]),  # by family name
        (f"identifier={settings.FHIR_BASE_URL}/sid/mrn/south|N900001", []),
        ("identifier=http://example.org/other|N900001", []),
        ("name=re", ["ivy", "iris"]),
        ("name=REID", ["iris"]),
        ("name=omar,ivy", ["ivy", "omar"]),
        ("birthdate=1980-01-01", ["ivy"]),
        ("birthdate=ge1980-01-01", ["ivy", "omar"]),
        ("birthdate=ge1970-01-01&birthdate=le1985-12-31", ["ivy"]),
        ("birthdate=lt1980-01-01", ["iris"]),
        ("birthdate=gt1980-01-01", ["omar"]),
    ],
)
def test_patient_search_parameters(nora_api, iris, others, query, expected):
    names = {str(iris.pk): "iris", str(others[0].pk): "ivy", str(others[1].pk): "omar"}
    bundle = fhir_get(nora_api, f"Patient?{query.replace('|', '%7C')}")
    assert [names[resource_id] for resource_id in ids_of(bundle)] == expected
    assert bundle["total"] == len(expected)


def test_patient_search_by_id(nora_api, iris, others):
    assert ids_of(fhir_get(nora_api, f"Patient?_id={iris.pk},{others[1].pk},x")) == [
        str(iris.pk),
        str(others[1].pk),
    ]


@pytest.fixture
def two_visits(iris):
    earlier = factories.assessment_with_grades(iris, datetime.date(2025, 9, 1), factories.full_grades("4"))
    return earlier, Assessment.objects.exclude(pk=earlier.pk).get(patient=iris)


@pytest.mark.parametrize(
    "query, expected_panels",
    [
        ("date=2026-03-02", ["later"]),
        ("date=ge2026-01-01", ["later"]),
        ("date=le2026-01-01", ["earlier"]),
        ("date=ge2025-09-01&date=le2026-03-02", ["later", "earlier"]),
        ("date=gt2026-03-02", []),
        ("category=exam", ["later", "earlier"]),
        ("category=http://terminology.hl7.org/CodeSystem/observation-category|exam", ["later", "earlier"]),
        ("category=laboratory", []),
    ],
)
def test_observation_search_by_date_and_category(nora_api, iris, two_visits, query, expected_panels):
    earlier, later = two_visits
    panels = {f"assessment-{earlier.pk}": "earlier", f"assessment-{later.pk}": "later"}
    bundle = fhir_get(
        nora_api, f"Observation?patient=Patient/{iris.pk}&{query.replace('|', '%7C')}&_count=500"
    )
    assert [panels[resource_id] for resource_id in ids_of(bundle) if resource_id in panels] == expected_panels


def test_observation_search_by_code(nora_api, iris, two_visits):
    system = f"{settings.FHIR_BASE_URL}/CodeSystem/muscle-group"
    feet = fhir_get(nora_api, f"Observation?patient={iris.pk}&code={system}%7Cankle_dorsiflexion")
    assert feet["total"] == 4  # two sides, two visits
    assert {entry["resource"]["code"]["coding"][0]["code"] for entry in feet["entry"]} == {
        "ankle_dorsiflexion"
    }
    sums = fhir_get(nora_api, f"Observation?patient={iris.pk}&code=mrc-sum-score,edss")
    assert sorted(entry["resource"]["id"].split("-")[0] for entry in sums["entry"]) == ["edss", "mrc", "mrc"]
    assert fhir_get(nora_api, "Observation?code=http://loinc.org%7Cankle_dorsiflexion")["total"] == 0


@pytest.mark.parametrize(
    "query, named",
    [
        ("Patient?gender=female", "gender"),
        ("Patient?birthdate=1968", "birthdate"),
        ("Patient?birthdate=sa1968-07-09", "birthdate"),
        ("Patient?birthdate=1968-02-30", "birthdate"),
        ("Patient?name=a&name=b", "name"),
        ("Patient?name=", "name"),
        ("Patient?identifier=%7C", "identifier"),
        ("Patient?_count=ten", "_count"),
        ("Patient?_count=-1", "_count"),
        ("Patient?_page=0", "_page"),
        ("Observation?patient=Practitioner/1", "patient"),
        ("Observation?date=2026-03-02T10:00", "date"),
        ("Observation?code=a,", "code"),
        ("Condition?code=24700007", "code"),
        ("Patient?_format=xml", "_format"),
        ("Patient?_format=application/fhir%2Bxml", "_format"),
    ],
)
def test_a_bad_parameter_is_a_400_operation_outcome_naming_it(nora_api, query, named):
    outcome = fhir_get(nora_api, query, status=400)
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["code"] == "invalid"
    assert named in outcome["issue"][0]["diagnostics"]


def test_pages_follow_next_links_to_the_end_and_hold_every_match_once(nora_api, north):
    patients = factories.PatientFactory.create_batch(7, clinic=north)
    seen, url, pages = [], "Patient?_count=3", 0
    while url:
        bundle = fhir_get(nora_api, url)
        assert bundle["total"] == 7
        seen += ids_of(bundle)
        pages += 1
        links = {link["relation"]: link["url"] for link in bundle["link"]}
        assert "_count=3" in links["self"]
        next_url = links.get("next")
        url = next_url and urlsplit(next_url).path.removeprefix("/fhir/R4/") + "?" + urlsplit(next_url).query
    assert pages == 3
    assert sorted(seen) == sorted(str(patient.pk) for patient in patients)


def test_count_zero_answers_the_total_alone_and_past_500_is_500(nora_api, north):
    factories.PatientFactory.create_batch(3, clinic=north)
    bundle = fhir_get(nora_api, "Patient?_count=0")
    assert (bundle["total"], bundle.get("entry", [])) == (3, [])
    assert "next" not in {link["relation"] for link in bundle["link"]}
    big = fhir_get(nora_api, "Patient?_count=501")
    assert len(big["entry"]) == 3
    assert "_count=501" in big["link"][0]["url"]


def test_a_page_past_the_last_is_empty_with_the_total(nora_api, iris):
    bundle = fhir_get(nora_api, "Patient?_page=9")
    assert (bundle["total"], bundle.get("entry", [])) == (1, [])


@pytest.mark.parametrize(
    "path",
    [
        "Patient",
        "Condition",
        "Observation",
        "AdverseEvent",
        "DeviceRequest",
        "Task",
        "CarePlan",
        "MedicationStatement",
    ],
)
def test_a_searchs_queries_do_not_grow_with_its_rows(nora_api, north, path):
    def queries_for_page():
        with CaptureQueriesContext(connection) as queries:
            fhir_get(nora_api, f"{path}?_count=500")
        return len(queries)

    for _ in range(2):
        patient = factories.PatientFactory(clinic=north)
        factories.assessment_with_grades(patient, datetime.date(2026, 1, 1), factories.full_grades("4"))
        factories.FallFactory(patient=patient)
        factories.DeviceFactory(patient=patient)
        factories.ReferralFactory(patient=patient)
        factories.PlanFactory(patient=patient)
        factories.MedicationFactory(patient=patient)
    few = queries_for_page()
    for _ in range(6):
        patient = factories.PatientFactory(clinic=north)
        factories.assessment_with_grades(patient, datetime.date(2026, 1, 1), factories.full_grades("4"))
        factories.FallFactory(patient=patient)
        factories.DeviceFactory(patient=patient)
        factories.ReferralFactory(patient=patient)
        factories.PlanFactory(patient=patient)
        factories.MedicationFactory(patient=patient)
    assert queries_for_page() == few


@pytest.mark.parametrize(
    "value",
    ["json", "application/json", "application/fhir%2Bjson", "application/fhir%2Bjson;fhirVersion=4.0"],
)
def test_a_search_asking_for_json_by_format_is_answered(nora_api, iris, value):
    assert fhir_get(nora_api, f"Patient?_format={value}")["total"] == 1
