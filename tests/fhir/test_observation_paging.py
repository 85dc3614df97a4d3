"""Observation searches paged in the database: the total is what the pages hold, the pages
follow one another without overlap or gap in the documented order, and a page costs the same
queries however many assessments the clinic holds."""

import datetime
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.models import Assessment, SpasticityScore
from fhir_r4 import mapping
from fhir_r4.search import tokens
from tests import factories

from .conftest import fhir_get

pytestmark = pytest.mark.django_db
MUSCLE_GROUP = f"{settings.FHIR_BASE_URL}/CodeSystem/muscle-group"
OBSERVATION_CODE = f"{settings.FHIR_BASE_URL}/CodeSystem/observation-code"


def some_grades(groups, label="4"):
    return {(group, side): label for group in groups for side in ("left", "right")}


@pytest.fixture
def clinic_day(north, south, nora):
    """Three north patients whose assessments differ in what they hold: every muscle-side or a
    few (no MRC sum), with and without EDSS, timed walk and spasticity scores, two on the same
    day; one entered in error, and a south patient's that nora must not see."""
    ada, ben, cy = factories.PatientFactory.create_batch(3, clinic=north)
    full = factories.full_grades
    visits = [
        factories.assessment_with_grades(ada, datetime.date(2025, 1, 10), full("4"), edss="3.5"),
        factories.assessment_with_grades(ada, datetime.date(2025, 6, 2), full("4+"), timed_25ft_walk_seconds="7.2"),
        factories.assessment_with_grades(ben, datetime.date(2025, 6, 2), some_grades(["grip", "ankle_dorsiflexion"])),
        factories.assessment_with_grades(ben, datetime.date(2025, 6, 2), full("3"), edss="6.0", timed_25ft_walk_seconds="12.5"),
        factories.assessment_with_grades(cy, datetime.date(2026, 2, 1), {}),
        factories.assessment_with_grades(cy, datetime.date(2026, 3, 1), some_grades(["ankle_dorsiflexion"], "2")),
    ]  # fmt: skip
    for visit, groups in (
        (visits[1], ["ankle_plantarflexion", "knee_extension"]),
        (visits[5], ["ankle_dorsiflexion"]),
    ):
        for group in groups:
            for side, mas in (("left", 2), ("right", 1)):
                SpasticityScore.objects.create(assessment=visit, muscle_group=group, side=side, mas=mas)
    voided = factories.assessment_with_grades(ada, datetime.date(2026, 1, 5), full("5"), edss="2.0")
    Assessment.objects.filter(pk=voided.pk).update(
        entered_in_error_at=datetime.datetime(2026, 1, 6, tzinfo=datetime.UTC),
        entered_in_error_by=nora,
        entered_in_error_reason="Wrong patient",
    )
    outsider = factories.PatientFactory(clinic=south)
    factories.assessment_with_grades(outsider, datetime.date(2026, 1, 1), full("4"), edss="1.0")
    return {"ada": ada, "ben": ben, "cy": cy}


def expected_ids(query):
    """The Observations a search should find, worked out the slow way: every Observation of
    every valid north assessment, newest assessment first (then the higher id), in the order the
    mapping builds them, kept where each token parameter matches one of its codings."""
    pairs = parse_qsl(query)
    params = dict(pairs)
    assessments = (
        Assessment.objects.valid()
        .filter(patient__clinic__code="north")
        .with_mrc_sum()
        .select_related("patient")
        .order_by("-assessed_on", "-pk")
    )
    if "patient" in params:
        assessments = assessments.filter(patient_id=int(params["patient"]))
    for bound in (value for name, value in pairs if name == "date"):
        lookup = {"ge": "gte", "le": "lte", "gt": "gt", "lt": "lt"}[bound[:2]]
        assessments = assessments.filter(**{f"assessed_on__{lookup}": datetime.date.fromisoformat(bound[2:])})
    wanted = {name: tokens(name, params[name]) for name in ("code", "category") if name in params}

    def codings(observation, name):
        if name == "code":
            return observation["code"]["coding"]
        return [coding for category in observation["category"] for coding in category["coding"]]

    return [
        observation["id"]
        for assessment in assessments
        for observation in mapping.assessment_observations(assessment)
        if all(any(t.matches(c) for t in wanted[name] for c in codings(observation, name)) for name in wanted)
    ]


def walk(client, query, count):
    """Every page of the search, by its next links: ``(totals, ids)`` (each page's total)."""
    url, totals, ids = f"Observation?{query}&_count={count}", [], []
    while url:
        bundle = fhir_get(client, url)
        totals.append(bundle["total"])
        page = [entry["resource"]["id"] for entry in bundle.get("entry", [])]
        assert len(page) <= count
        ids += page
        next_url = {link["relation"]: link["url"] for link in bundle["link"]}.get("next")
        if next_url:
            assert len(page) == count  # only the last page is short
            url = f"{urlsplit(next_url).path.removeprefix('/fhir/R4/')}?{urlsplit(next_url).query}"
        else:
            url = None
    return totals, ids


@pytest.mark.parametrize(
    "query",
    [
        "",
        "category=exam",
        f"category={quote('http://terminology.hl7.org/CodeSystem/observation-category|exam')}",
        "category=laboratory",
        f"code={quote(MUSCLE_GROUP)}%7Cankle_dorsiflexion",
        "code=ankle_plantarflexion",  # a grade and a MAS score of the calf: both
        "code=ankle_dorsiflexion,grip",
        f"code={quote(MUSCLE_GROUP)}%7C",  # every muscle-side, graded or MAS
        "code=mmt-panel",
        "code=mrc-sum-score",
        f"code={quote(OBSERVATION_CODE)}%7Cedss,t25fw",
        f"code={quote(OBSERVATION_CODE)}%7C",  # panels, sums, EDSS, walks
        "code=weakness-type",  # an observation-code code no Observation is coded with
        f"code={quote('http://loinc.org')}%7Cgrip",
        "code=%7Cgrip",
        "code=mrc-sum-score&category=exam",
        "code=edss&category=laboratory",
        "date=ge2025-06-02",
        "date=le2025-06-02",
        "date=ge2025-06-02&date=le2025-06-02",
        "date=gt2025-06-02&code=ankle_dorsiflexion",
        "date=lt2025-06-02&category=exam",
    ],
)
@pytest.mark.parametrize("count", [1, 4, 7, 50])
def test_the_pages_hold_the_total_in_order_without_overlap_or_gap(nora_api, clinic_day, query, count):
    totals, ids = walk(nora_api, query, count)
    expected = expected_ids(query)
    assert set(totals) == {len(expected)}
    assert ids == expected


@pytest.mark.parametrize(
    "query", ["", "code=ankle_dorsiflexion", "code=mrc-sum-score,t25fw", "category=exam&date=ge2025-06-01"]
)
@pytest.mark.parametrize("who", ["ada", "ben", "cy"])
def test_a_patients_pages_hold_their_total(nora_api, clinic_day, who, query):
    query = f"patient={clinic_day[who].pk}&{query}".rstrip("&")
    totals, ids = walk(nora_api, query, 3)
    expected = expected_ids(query)
    assert set(totals) == {len(expected)}
    assert ids == expected


def test_the_whole_clinic_is_the_sum_of_its_patients(nora_api, clinic_day):
    clinic = fhir_get(nora_api, "Observation?_count=0")["total"]
    patients = [
        fhir_get(nora_api, f"Observation?patient={p.pk}&_count=0")["total"] for p in clinic_day.values()
    ]
    # ada: 27 + 31 (4 of them MAS); ben: 5 + 28; cy: 1 + 5 (2 of them MAS)
    assert patients == [58, 33, 6]
    assert clinic == sum(patients)


def test_an_observation_page_past_the_last_is_empty_with_the_total(nora_api, clinic_day):
    total = len(expected_ids("code=grip"))
    bundle = fhir_get(nora_api, "Observation?code=grip&_count=2&_page=9")
    assert (bundle["total"], bundle.get("entry", [])) == (total, [])
    assert "next" not in {link["relation"] for link in bundle["link"]}


def test_a_partial_page_of_an_assessment_starts_where_the_last_one_ended(nora_api, clinic_day):
    """Cut inside an assessment's Observations: the next page carries on from the next one."""
    ben_later = Assessment.objects.filter(patient=clinic_day["ben"]).order_by("-pk").first()
    first = fhir_get(nora_api, f"Observation?patient={clinic_day['ben'].pk}&_count=10")
    second = fhir_get(nora_api, f"Observation?patient={clinic_day['ben'].pk}&_count=10&_page=2")
    ids = [entry["resource"]["id"] for entry in first["entry"] + second["entry"]]
    assert ids[0] == f"assessment-{ben_later.pk}"
    assert ids == expected_ids(f"patient={clinic_day['ben'].pk}")[:20]
    panel = first["entry"][0]["resource"]
    assert len(panel["hasMember"]) == 24  # the panel lists its members whatever the page holds


@pytest.mark.parametrize(
    "query",
    ["_count=5&_page=3", "code=ankle_dorsiflexion&_count=5&_page=2", "category=exam&date=ge2020-01-01"],
)
def test_an_observation_pages_queries_do_not_grow_with_the_clinics_assessments(nora_api, north, query):
    def add_patients(number):
        for _ in range(number):
            patient = factories.PatientFactory(clinic=north)
            for day in (1, 2, 3):
                assessment = factories.assessment_with_grades(
                    patient, datetime.date(2026, 1, day), factories.full_grades("4"), edss="4.0"
                )
                SpasticityScore.objects.create(
                    assessment=assessment, muscle_group="ankle_dorsiflexion", side="left", mas=1
                )

    def queries_for_page():
        with CaptureQueriesContext(connection) as queries:
            bundle = fhir_get(nora_api, f"Observation?{query}")
        assert bundle["entry"]
        return len(queries)

    add_patients(2)
    few = queries_for_page()
    add_patients(8)
    assert queries_for_page() == few
