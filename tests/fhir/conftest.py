"""FHIR test helpers: every resource a test reads from the server is validated on the way in."""

import datetime
import io
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.db import transaction

from assessments.models import MuscleScore, SpasticityScore
from tests import factories

# The worker tests' fixture: PostgreSQL and Redis, or a skip (a failure in CI).
from tests.support.workers import services  # noqa: F401

from .validate import assert_valid


@pytest.fixture(autouse=True)
def export_directory(settings, tmp_path):
    """Each test's bulk exports in a directory of its own (the suite runs on several processes)."""
    settings.FHIR_EXPORT_DIR = tmp_path / "fhir-exports"
    return settings.FHIR_EXPORT_DIR


def fhir_get(client, path, status=200):
    """GET ``path`` under /fhir/R4/; the answer's status must be ``status`` and its body a valid
    FHIR resource (an OperationOutcome for an error), which is returned."""
    response = client.get(f"/fhir/R4/{path}")
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/fhir+json")
    resource = response.json()
    assert_valid(resource)
    return resource


@pytest.fixture
def get():
    return fhir_get


def every_page(client, path, count=500):
    """Every resource a search finds, following its ``next`` links as a client would."""
    separator = "&" if "?" in path else "?"
    resources, url = [], f"{path}{separator}_count={count}"
    while url:
        bundle = fhir_get(client, url)
        resources += [entry["resource"] for entry in bundle.get("entry", [])]
        next_url = next((link["url"] for link in bundle["link"] if link["relation"] == "next"), None)
        url = next_url and f"{urlsplit(next_url).path.removeprefix('/fhir/R4/')}?{urlsplit(next_url).query}"
    assert len(resources) == bundle["total"]
    assert len({resource["id"] for resource in resources}) == len(resources), "a resource on two pages"
    return resources


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo cohort (seed_demo), seeded once for the module that uses it and rolled back after."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


def observations_by_id(bundle):
    return {entry["resource"]["id"]: entry["resource"] for entry in bundle["entry"]}


@pytest.fixture
def iris(north):
    """A north patient with one full assessment: every muscle-side graded (a left foot drop),
    EDSS, a timed walk, and the calf's spasticity; a fall that hurt her, the AFO for it, an urgent
    referral to physiotherapy, baclofen and an exercise plan."""
    patient = factories.PatientFactory(
        clinic=north,
        mrn="N900001",
        given_name="Iris",
        family_name="Reid",
        date_of_birth=datetime.date(1968, 7, 9),
        sex="female",
        ms_type="SPMS",
        diagnosis_date=datetime.date(2001, 2, 3),
    )
    grades = factories.full_grades("5") | {("ankle_dorsiflexion", "left"): "3-"}
    assessment = factories.assessment_with_grades(
        patient,
        datetime.date(2026, 3, 2),
        grades,
        edss="4.5",
        timed_25ft_walk_seconds="8.4",
        notes="Foot drop.",
    )
    MuscleScore.objects.filter(assessment=assessment, muscle_group="ankle_dorsiflexion", side="left").update(
        weakness_type="primary"
    )
    SpasticityScore.objects.create(
        assessment=assessment, muscle_group="ankle_plantarflexion", side="left", mas=2
    )
    factories.FallFactory(
        patient=patient,
        occurred_at=datetime.datetime(2026, 3, 1, 17, 30, tzinfo=datetime.UTC),
        injury="moderate",
    )
    factories.DeviceFactory(patient=patient, prescribed_on=datetime.date(2026, 3, 2), reason="Left foot drop")
    factories.ReferralFactory(
        patient=patient,
        referred_on=datetime.date(2026, 3, 2),
        urgency="urgent",
        status="sent",
        reason="Foot drop",
    )
    factories.MedicationFactory(patient=patient, occurred_on=datetime.date(2026, 1, 5))
    factories.PlanFactory(
        patient=patient, muscle_group="hip_abduction", side="both", started_on=datetime.date(2026, 3, 2)
    )
    return patient
