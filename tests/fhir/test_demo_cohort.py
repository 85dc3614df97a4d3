"""The demo cohort (seed_demo) walked through the FHIR API as its clinics' nurses see it: every
search page followed to the end, resources read again by id (every patient, diagnosis, fall and
panel, a sample of the rest), and everything the server answers validated. Counts are held to
the database, so nothing is dropped or invented."""

import pytest

from assessments.models import Assessment, MuscleScore, SpasticityScore
from care.models import DevicePrescription, ExercisePlan, FallEvent, MedicationEvent, Referral
from patients.models import Patient
from tests.support.clients import api_client_of

from .conftest import every_page, fhir_get
from .validate import validated

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("clinic", ["north", "south"])
def test_the_demo_cohort_searches_reads_and_validates_whole(demo, django_user_model, clinic):
    client = api_client_of(django_user_model.objects.get(username=f"nurse_{clinic}"))
    before = validated["count"]
    patients = Patient.objects.filter(clinic__code=clinic, entered_in_error_at__isnull=True)
    assessments = Assessment.objects.filter(patient__in=patients, entered_in_error_at__isnull=True)

    found = {
        path: every_page(client, path)
        for path in (
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
    }

    assert {resource["id"] for resource in found["Patient"]} == {
        str(pk) for pk in patients.values_list("pk", flat=True)
    }
    assert len(found["Condition"]) == patients.count()
    falls = FallEvent.objects.filter(patient__in=patients, entered_in_error_at__isnull=True)
    assert len(found["AdverseEvent"]) == falls.count()
    referrals = Referral.objects.filter(patient__in=patients, entered_in_error_at__isnull=True)
    assert len(found["ServiceRequest"]) == len(found["Task"]) == referrals.count()
    assert sorted(task["businessStatus"]["coding"][0]["code"] for task in found["Task"]) == sorted(
        referrals.values_list("status", flat=True)
    )
    plans = ExercisePlan.objects.filter(patient__in=patients, entered_in_error_at__isnull=True)
    assert len(found["CarePlan"]) == plans.count()
    assert (
        sum(plan["status"] == "active" for plan in found["CarePlan"]) == plans.filter(status="active").count()
    )
    medications = MedicationEvent.objects.filter(patient__in=patients, entered_in_error_at__isnull=True)
    assert len(found["MedicationStatement"]) == medications.count()
    stopped = [statement for statement in found["MedicationStatement"] if statement["status"] == "stopped"]
    assert len(stopped) == medications.filter(event="stop").count()
    devices = DevicePrescription.objects.filter(patient__in=patients, entered_in_error_at__isnull=True)
    assert len(found["DeviceRequest"]) == devices.count()
    assert (
        sum(request["status"] == "active" for request in found["DeviceRequest"])
        == devices.filter(status="active").count()
    )
    assert (
        sum(event["actuality"] == "potential" for event in found["AdverseEvent"])
        == falls.filter(near_fall=True).count()
    )
    kinds = {}
    for observation in found["Observation"]:
        kinds.setdefault(observation["id"].rsplit("-", 1)[0], []).append(observation)
    assert len(kinds["assessment"]) == assessments.count()
    assert len(kinds["mmt"]) == MuscleScore.objects.filter(assessment__in=assessments).count()
    assert len(kinds.get("mas", [])) == SpasticityScore.objects.filter(assessment__in=assessments).count()
    assert len(kinds["edss"]) == assessments.exclude(edss=None).count()
    # Read again by id: every patient, diagnosis, fall, device and panel, and the first ten of each other kind
    # (a read of an Observation builds its whole assessment: 30 ms each, thousands of them).
    again = (
        found["Patient"]
        + found["Condition"]
        + found["AdverseEvent"]
        + found["DeviceRequest"]
        + found["Task"]
        + found["CarePlan"]
        + found["MedicationStatement"]
        + kinds["assessment"]
    )
    again += [
        observation
        for kind, observations in kinds.items()
        if kind != "assessment"
        for observation in observations[:10]
    ]
    for resource in again:
        assert fhir_get(client, f"{resource['resourceType']}/{resource['id']}") == resource
    # Each resource validated as searched and as read, and each Bundle.
    assert validated["count"] - before > sum(map(len, found.values())) + len(again)
