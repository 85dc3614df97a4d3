"""Patients: registration, the derived follow-up fields, their filters, and trends."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from patients.models import Patient
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def days_ago(days):
    return TODAY - datetime.timedelta(days=days)


def ids(response):
    assert response.status_code == 200, response.content
    return {p["id"] for p in response.json()["results"]}


def test_a_nurse_registers_a_patient_and_is_its_author(nora, nora_api):
    body = {
        "clinic": "north",
        "mrn": "N100",
        "given_name": "Iris",
        "family_name": "Reid",
        "date_of_birth": "1968-07-09",
        "sex": "female",
        "ms_type": "SPMS",
        "diagnosis_date": "2001-02-03",
        "reassessment_interval_weeks": 8,
    }
    response = nora_api.post(reverse("api:patient-list"), body, format="json")
    assert response.status_code == 201
    patient = response.json()
    assert {k: patient[k] for k in body} == body
    assert patient["status"] == "active"
    # Never assessed: due from the day of registration.
    assert (patient["last_assessed_on"], patient["next_assessment_due"]) == (None, TODAY.isoformat())
    assert patient["high_fall_risk"] is False
    assert Patient.objects.get(pk=patient["id"]).entered_by_id() == nora.pk


def test_follow_up_fields_come_from_the_valid_records(north_patient, nora, nora_api):
    factories.AssessmentFactory(patient=north_patient, assessor=nora, assessed_on=days_ago(30))
    mistaken = factories.AssessmentFactory(patient=north_patient, assessor=nora, assessed_on=days_ago(1))
    mistaken.mark_entered_in_error(by=nora, reason="Wrong patient")
    factories.FallFactory.create_batch(2, patient=north_patient, recorded_by=nora)
    patient = nora_api.get(reverse("api:patient-detail", kwargs={"pk": north_patient.pk})).json()
    assert patient["last_assessed_on"] == days_ago(30).isoformat()
    assert patient["next_assessment_due"] == (days_ago(30) + datetime.timedelta(weeks=12)).isoformat()
    assert patient["high_fall_risk"] is True


def test_follow_up_fields_cannot_be_written_and_the_clinic_is_fixed(north_patient, south, nora, nora_api):
    nora.clinic_memberships.create(clinic=south)
    url = reverse("api:patient-detail", kwargs={"pk": north_patient.pk})
    response = nora_api.patch(
        url, {"high_fall_risk": True, "next_assessment_due": "2000-01-01", "clinic": "south"}, format="json"
    )
    # Refused by name rather than ignored, so the client does not believe they were changed.
    assert response.status_code == 400
    assert set(response.json()) == {"high_fall_risk", "next_assessment_due", "clinic"}
    north_patient.refresh_from_db()
    assert north_patient.clinic.code == "north"
    assert nora_api.get(url).json()["high_fall_risk"] is False


def test_filters_by_follow_up(north, nora, nora_api):
    due = factories.PatientFactory(clinic=north)  # never assessed: due since registration
    recent = factories.PatientFactory(clinic=north)
    factories.AssessmentFactory(patient=recent, assessor=nora, assessed_on=TODAY)
    discharged = factories.PatientFactory(clinic=north, status="discharged")
    falling = factories.PatientFactory(clinic=north)
    factories.AssessmentFactory(patient=falling, assessor=nora, assessed_on=TODAY)
    factories.FallFactory(patient=falling, recorded_by=nora, injury="severe")
    url = reverse("api:patient-list")
    assert ids(nora_api.get(url, {"due_for_reassessment": "true"})) == {due.pk}
    assert ids(nora_api.get(url, {"due_for_reassessment": "false"})) == {recent.pk, discharged.pk, falling.pk}
    assert ids(nora_api.get(url, {"high_fall_risk": "true"})) == {falling.pk}
    assert ids(nora_api.get(url, {"high_fall_risk": "false"})) == {due.pk, recent.pk, discharged.pk}
    assert ids(nora_api.get(url, {"status": "discharged"})) == {discharged.pk}


def test_search_by_name_or_mrn_and_filter_by_clinic(north, south, nora, nora_api):
    iris = factories.PatientFactory(clinic=north, given_name="Iris", family_name="Reid", mrn="N1")
    factories.PatientFactory(clinic=north, given_name="Ben", family_name="Iris-Hale", mrn="N2")
    other = factories.PatientFactory(
        clinic=north, given_name="Olu", family_name="Owen", mrn="X77", ms_type="PPMS"
    )
    nora.clinic_memberships.create(clinic=south)
    southern = factories.PatientFactory(clinic=south)
    url = reverse("api:patient-list")
    assert ids(nora_api.get(url, {"search": "iris reid"})) == {iris.pk}
    assert ids(nora_api.get(url, {"search": "x77"})) == {other.pk}
    assert ids(nora_api.get(url, {"ms_type": "PPMS"})) == {other.pk}
    assert ids(nora_api.get(url, {"clinic": "south"})) == {southern.pk}


def test_trends_of_a_small_patient_worked_out_by_hand(north_patient, nora, nora_api):
    # Ankle dorsiflexion 60 days ago: 4 on both sides, a 10 s walk, EDSS 3.5. Yesterday: left 3-
    # (primary weakness), right 5, a 12.5 s walk, EDSS 4.5. One fall 10 days ago, a near-fall 5
    # days ago, and a fall 200 days ago (outside the 182-day window).
    ankle = "ankle_dorsiflexion"
    factories.assessment_with_grades(
        north_patient,
        days_ago(60),
        {(ankle, "left"): "4", (ankle, "right"): "4"},
        assessor=nora,
        timed_25ft_walk_seconds="10.00",
        edss="3.5",
    )
    latest = factories.assessment_with_grades(
        north_patient,
        days_ago(1),
        {(ankle, "left"): "3-", (ankle, "right"): "5"},
        assessor=nora,
        timed_25ft_walk_seconds="12.50",
        edss="4.5",
    )
    latest.scores.filter(side="left").update(weakness_type="primary")
    now = timezone.now()
    for days, near_fall in ((10, False), (5, True), (200, False)):
        factories.FallFactory(
            patient=north_patient,
            recorded_by=nora,
            occurred_at=now - datetime.timedelta(days=days),
            near_fall=near_fall,
        )
    response = nora_api.get(reverse("api:patient-trends", kwargs={"pk": north_patient.pk}))
    assert response.status_code == 200
    earlier, later = days_ago(60).isoformat(), days_ago(1).isoformat()
    assert response.json() == {
        "patient": north_patient.pk,
        "series": [
            {
                "muscle_group": ankle,
                "side": "left",
                "points": [
                    {"assessed_on": earlier, "grade": "4", "thirds": 12},
                    {"assessed_on": later, "grade": "3-", "thirds": 8},
                ],
            },
            {
                "muscle_group": ankle,
                "side": "right",
                "points": [
                    {"assessed_on": earlier, "grade": "4", "thirds": 12},
                    {"assessed_on": later, "grade": "5", "thirds": 15},
                ],
            },
        ],
        # Two muscle-sides of twelve: no MRC sum.
        "mrc_sum": [{"assessed_on": earlier, "score": None}, {"assessed_on": later, "score": None}],
        # Left: 12 → 8 thirds, more than a whole grade down. Right went up.
        "declines": [
            {
                "muscle_group": ankle,
                "side": "left",
                "from_grade": "4",
                "to_grade": "3-",
                "from_date": earlier,
                "to_date": later,
            }
        ],
        "mrc_sum_drop": False,
        # 8 against 15 thirds: 7 apart, two whole grades or more.
        "asymmetries": [{"muscle_group": ankle, "left": "3-", "right": "5"}],
        # 12.5 s is 25% slower than 10 s.
        "walking_slowed": True,
        "falls_in_window": 1,
        "near_falls_in_window": 1,
        # 1 × 30.4375 / 182 = 0.1672…
        "fall_rate_per_month": 0.17,
        # One fall, without a moderate or severe injury.
        "high_fall_risk": False,
        # Yesterday + 12 weeks.
        "next_assessment_due": (days_ago(1) + datetime.timedelta(weeks=12)).isoformat(),
        # Only the left ankle is below grade 5.
        "guidance": [
            {
                "muscle_group": ankle,
                "side": "left",
                "weakness_type": "primary",
                "text": "Primary weakness (demyelination): keep the muscle in regular use, avoid "
                "resistance exercise to fatigue, and strengthen the surrounding muscles.",
            },
        ],
        # The best of the 365 days before yesterday is the 4 of 60 days ago: 12 → 8 thirds.
        "declines_from_best": [
            {
                "muscle_group": ankle,
                "side": "left",
                "best_grade": "4",
                "best_date": earlier,
                "to_grade": "3-",
                "to_date": later,
            }
        ],
        "mrc_sum_drop_from_best": False,
        # Right: 4 → 5 is 12 → 15 thirds, a whole grade up.
        "improvements": [
            {
                "muscle_group": ankle,
                "side": "right",
                "from_grade": "4",
                "to_grade": "5",
                "from_date": earlier,
                "to_date": later,
            }
        ],
        "edss": [{"assessed_on": earlier, "edss": 3.5}, {"assessed_on": later, "edss": 4.5}],
        # From 3.5 (in 0.5–5.5) a rise of 1.0 or more.
        "edss_worsening": True,
        "timed_25ft_walk": [
            {"assessed_on": earlier, "seconds": 10.0},
            {"assessed_on": later, "seconds": 12.5},
        ],
        "spasticity_series": [],
        "spasticity_increases": [],
        "current_medications": [],
        "medication_review": [],
        "active_plans": [],
        "plan_conflicts": [],
        # The left ankle's 3- is foot drop (3 or below), and no AFO or FES supports it.
        "foot_drop": [{"side": "left", "grade": "3-", "supported": False}],
        # Nobody has reviewed the findings yet (rule 18).
        "reviewed": False,
        "last_review": None,
    }


def test_the_trends_answer_has_exactly_the_fields_the_schema_documents(north_patient, nora, nora_api):
    """The trends are answered without their serializer (api/views.py), so the schema's
    ``Trends`` is held to the real answer here, down to the new findings' items."""
    ankle = "ankle_dorsiflexion"
    factories.assessment_with_grades(
        north_patient,
        days_ago(60),
        {(ankle, "left"): "5", (ankle, "right"): "2"},
        edss="2.0",
        timed_25ft_walk_seconds="8.4",
        assessor=nora,
    )
    factories.assessment_with_grades(
        north_patient,
        days_ago(1),
        {(ankle, "left"): "3", (ankle, "right"): "3"},
        edss="3.0",
        timed_25ft_walk_seconds="9.1",
        assessor=nora,
    )
    trends = nora_api.get(reverse("api:patient-trends", kwargs={"pk": north_patient.pk})).json()
    schemas = nora_api.get(reverse("api:schema"), {"format": "json"}).json()["components"]["schemas"]

    def fields(name):
        assert set(schemas[name]["required"]) == set(schemas[name]["properties"]), name
        return set(schemas[name]["properties"])

    assert set(trends) == fields("Trends")
    assert set(trends["declines_from_best"][0]) == fields("DeclineFromBest")
    assert set(trends["improvements"][0]) == fields("Decline")
    assert set(trends["edss"][0]) == fields("EdssPoint")
    assert set(trends["timed_25ft_walk"][0]) == fields("TimedWalkPoint")
    assert trends["timed_25ft_walk"][0]["seconds"] == 8.4
