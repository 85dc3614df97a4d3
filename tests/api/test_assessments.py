"""Assessments with their scores, written in one request; the MRC sum is derived."""

import datetime

import pytest
from django.urls import reverse

from assessments.grades import MRC_SUM_GROUPS, MuscleGroup, Side
from assessments.models import Assessment, MuscleScore
from tests import factories
from tests.support.clients import api_client_of

pytestmark = pytest.mark.django_db


def scores(groups, grade="4-"):
    return [{"muscle_group": g, "side": s, "grade": grade} for g in groups for s in Side]


def record(client, patient, scores, **fields):
    body = {"patient": patient.pk, "assessed_on": "2025-03-04", "scores": scores, **fields}
    return client.post(reverse("api:assessment-list"), body, format="json")


def test_a_full_mrc_assessment_is_recorded_with_its_sum(north_patient, phil_api):
    response = record(phil_api, north_patient, scores(MRC_SUM_GROUPS), edss=3.5, timed_25ft_walk_seconds=7.25)
    assert response.status_code == 201
    body = response.json()
    assert body["assessor"] == "phil"
    assert body["mrc_sum_score"] == 48  # 12 items × 4 (the "-" is dropped)
    assert (body["edss"], body["timed_25ft_walk_seconds"]) == (3.5, 7.25)
    assert {(s["muscle_group"], s["side"], s["grade"]) for s in body["scores"]} == {
        (g, s, "4-") for g in MRC_SUM_GROUPS for s in Side
    }
    assert MuscleScore.objects.filter(assessment_id=body["id"], grade=11).count() == 12


def test_the_mrc_sum_is_null_unless_all_twelve_items_are_graded(north_patient, nora_api):
    response = record(nora_api, north_patient, scores(MRC_SUM_GROUPS[:5]))
    assert response.json()["mrc_sum_score"] is None


def test_derived_and_author_fields_are_refused_not_ignored(north_patient, nora_api):
    response = record(nora_api, north_patient, scores(["grip"]), mrc_sum_score=60, assessor="ada")
    assert response.status_code == 400
    read_only = ["Read-only field: it cannot be set here."]
    assert response.json() == {"mrc_sum_score": read_only, "assessor": read_only}
    assert not Assessment.objects.exists()
    assert record(nora_api, north_patient, scores(["grip"])).json()["assessor"] == "nora"


def test_a_patch_replaces_the_scores_and_keeps_each_ones_history(north_patient, nora_api):
    created = record(nora_api, north_patient, scores(["grip", "hip_flexion"], "4")).json()
    url = reverse("api:assessment-detail", kwargs={"pk": created["id"]})
    new_scores = [
        {"muscle_group": "grip", "side": "left", "grade": "3", "weakness_type": "primary"},
        {"muscle_group": "grip", "side": "right", "grade": "4"},
        {"muscle_group": "knee_flexion", "side": "left", "grade": "5"},
    ]
    response = nora_api.patch(url, {"scores": new_scores, "notes": "Re-tested"}, format="json")
    assert response.status_code == 200
    assert sorted(
        (s["muscle_group"], s["side"], s["grade"], s["weakness_type"]) for s in response.json()["scores"]
    ) == [
        ("grip", "left", "3", "primary"),
        ("grip", "right", "4", "unknown"),
        ("knee_flexion", "left", "5", "unknown"),
    ]
    grip_left = MuscleScore.objects.get(assessment_id=created["id"], muscle_group="grip", side="left")
    assert list(grip_left.history.values_list("grade", flat=True)) == [9, 12]
    assert grip_left.history.first().history_user.username == "nora"
    dropped = MuscleScore.history.filter(muscle_group="hip_flexion", history_type="-")
    assert dropped.count() == 2


def test_a_patch_without_scores_keeps_them(north_patient, nora_api):
    created = record(nora_api, north_patient, scores(["grip"])).json()
    url = reverse("api:assessment-detail", kwargs={"pk": created["id"]})
    response = nora_api.patch(url, {"assessed_on": "2025-03-01"}, format="json")
    assert response.status_code == 200
    assert len(response.json()["scores"]) == 2
    assert response.json()["assessed_on"] == "2025-03-01"


def test_an_assessment_stays_with_its_patient(north, north_patient, nora_api):
    created = record(nora_api, north_patient, scores(["grip"])).json()
    other = factories.PatientFactory(clinic=north)
    url = reverse("api:assessment-detail", kwargs={"pk": created["id"]})
    nora_api.patch(url, {"patient": other.pk}, format="json")
    assert Assessment.objects.get(pk=created["id"]).patient == north_patient


def test_lists_are_newest_first_by_assessment_date(north_patient, nora):
    for day in (3, 1, 2):
        factories.AssessmentFactory(
            patient=north_patient, assessor=nora, assessed_on=datetime.date(2025, 1, day)
        )
    listed = api_client_of(nora).get(reverse("api:assessment-list")).json()["results"]
    assert [a["assessed_on"] for a in listed] == ["2025-01-03", "2025-01-02", "2025-01-01"]


def test_every_muscle_group_can_be_scored(north_patient, nora_api):
    response = record(nora_api, north_patient, scores(MuscleGroup, "5"))
    assert response.status_code == 201
    assert len(response.json()["scores"]) == 24
    assert response.json()["mrc_sum_score"] == 60
