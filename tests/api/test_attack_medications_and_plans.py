"""Attacks on ``medications/`` and ``exercise-plans/`` (SPEC §2 Medication event, Exercise plan,
§3 rule 20, §4) beyond the permission, outsider, If-Match and entered-in-error matrices: a change
that would move a record, rewrite who entered it or leave a plan half ended; names and text no
reader can see; a record entered in error still counted by a filter."""

import datetime

import pytest

from assessments.grades import MASGrade, MRCGrade
from assessments.services import assessment_record
from care.models import ExercisePlan, MedicationEvent
from patients.services import record_mark_entered_in_error
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 1)
MEDICATIONS = "/api/v1/medications/"
PLANS = "/api/v1/exercise-plans/"
READ_ONLY = ["Read-only field: it cannot be set here."]


@pytest.fixture(autouse=True)
def today(clock):
    clock.move_to(datetime.datetime.combine(TODAY, datetime.time(12), tzinfo=datetime.UTC))


@pytest.fixture
def medication(north_patient, nora):
    return factories.MedicationFactory(
        patient=north_patient, recorded_by=nora, occurred_on=datetime.date(2026, 5, 1)
    )


@pytest.fixture
def plan(north_patient, phil):
    return factories.PlanFactory(
        patient=north_patient,
        prescribed_by=phil,
        started_on=datetime.date(2026, 4, 1),
        review_on=datetime.date(2026, 6, 5),
    )


def stored(record):
    """What a client could see of the record, and how many versions its history holds."""
    fresh = type(record).objects.get(pk=record.pk)
    return {f.attname: getattr(fresh, f.attname) for f in fresh._meta.concrete_fields}, fresh.history.count()


# Mass assignment ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"patient": "other"},
        {"recorded_by": "ada"},
        {"entered_in_error": True},
        {"entered_in_error_at": "2026-05-01T00:00:00Z"},
        {"entered_in_error_by": "ada"},
        {"id": 1},
        {"created_at": "2020-01-01T00:00:00Z"},
    ],
)
def test_a_medication_event_is_never_moved_or_reattributed_by_a_change(north, medication, ada_api, changes):
    other = factories.PatientFactory(clinic=north)
    body = {name: other.pk if value == "other" else value for name, value in changes.items()}
    before = stored(medication)
    response = ada_api.patch(f"{MEDICATIONS}{medication.pk}/", body | {"dose": "40 mg"}, format="json")
    assert response.status_code == 400
    assert response.json() == dict.fromkeys(changes, READ_ONLY)
    assert stored(medication) == before


@pytest.mark.parametrize(
    "changes",
    [{"patient": "other"}, {"prescribed_by": "nora"}, {"entered_in_error": True}, {"updated_at": None}],
)
def test_a_plan_is_never_moved_or_reattributed_by_a_change(north, plan, ada_api, changes):
    other = factories.PatientFactory(clinic=north)
    body = {name: other.pk if value == "other" else value for name, value in changes.items()}
    before = stored(plan)
    response = ada_api.patch(f"{PLANS}{plan.pk}/", body | {"kind": "balance"}, format="json")
    assert response.status_code == 400
    assert response.json() == dict.fromkeys(changes, READ_ONLY)
    assert stored(plan) == before


def test_a_plan_cannot_be_created_for_a_patient_of_another_clinic_or_by_someone_else(
    south_patient, north_patient, phil_api
):
    body = {"muscle_group": "grip", "side": "left", "kind": "balance", "started_on": "2026-05-01"}
    elsewhere = phil_api.post(PLANS, body | {"patient": south_patient.pk}, format="json")
    assert (elsewhere.status_code, list(elsewhere.json())) == (400, ["patient"])
    as_ada = phil_api.post(PLANS, body | {"patient": north_patient.pk, "prescribed_by": "ada"}, format="json")
    assert as_ada.json() == {"prescribed_by": READ_ONLY}
    assert not ExercisePlan.objects.exists()


# Status and end date ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ended", "changes", "field", "message"),
    [
        (False, {"status": "ended"}, "ended_on", "Required when the plan has ended."),
        (False, {"ended_on": "2026-05-20"}, "ended_on", "Only an ended plan has an end date."),
        (False, {"status": "ended", "ended_on": None}, "ended_on", "Required when the plan has ended."),
        (False, {"status": "ended", "ended_on": "2026-06-02"}, "ended_on", "Must not be in the future."),
        (
            False,
            {"status": "ended", "ended_on": "2026-03-31"},
            "ended_on",
            "Must not be before the start date.",
        ),
        (
            True,
            {"status": "active", "ended_on": "2026-05-20"},
            "ended_on",
            "Only an ended plan has an end date.",
        ),
        (True, {"started_on": "2026-05-21"}, "ended_on", "Must not be before the start date."),
        (True, {"ended_on": None}, "ended_on", "Required when the plan has ended."),
        (False, {"status": "paused"}, "status", None),
        (
            False,
            {"review_on": "2031-04-02"},
            "review_on",
            "Must be at most 5 years after the start date: 01 Apr 2031 at the latest.",
        ),
        (
            False,
            {"started_on": "2021-06-04"},
            "review_on",
            "Must be at most 5 years after the start date: 04 Jun 2026 at the latest.",
        ),
        (False, {"started_on": "2026-06-06"}, "started_on", "Must not be in the future."),
        (False, {"started_on": "1899-12-31"}, "started_on", "Must not be before 1 Jan 1900."),
    ],
)
def test_a_change_that_would_leave_a_plan_half_ended_or_out_of_bounds_is_refused(
    plan, phil, phil_api, ended, changes, field, message
):
    if ended:
        plan.status, plan.ended_on = "ended", datetime.date(2026, 5, 20)
        plan.save()
    before = stored(plan)
    response = phil_api.patch(f"{PLANS}{plan.pk}/", changes, format="json")
    assert response.status_code == 400, response.json()
    if message:
        assert response.json()[field] == [message]
    else:
        assert field in response.json()
    assert stored(plan) == before


def test_a_plan_ended_and_put_back_in_use_loses_its_end_date_and_keeps_both_in_history(plan, phil_api):
    url = f"{PLANS}{plan.pk}/"
    ended = phil_api.patch(url, {"status": "ended", "ended_on": "2026-05-30"}, format="json").json()
    assert (ended["status"], ended["ended_on"]) == ("ended", "2026-05-30")
    again = phil_api.patch(url, {"status": "active"}, format="json").json()
    assert (again["status"], again["ended_on"]) == ("active", None)
    assert [(h.status, h.ended_on) for h in plan.history.order_by("history_id")] == [
        ("active", None),
        ("ended", datetime.date(2026, 5, 30)),
        ("active", None),
    ]


# Text no reader can see, and text at its bounds ---------------------------------------------


@pytest.mark.parametrize("name", ["\u200b", " \u200b\u2060\t", "\u200e", "\x07"])
def test_a_medicine_named_only_by_invisible_characters_is_not_named(north_patient, nora_api, name):
    body = {
        "patient": north_patient.pk,
        "drug": "other",
        "drug_name": name,
        "event": "start",
        "occurred_on": "2026-05-01",
    }
    response = nora_api.post(MEDICATIONS, body, format="json")
    assert response.status_code == 400
    assert response.json() == {"drug_name": ["Required when the drug is other: name the medicine."]}
    assert not MedicationEvent.objects.exists()


def test_a_visible_name_around_invisible_characters_is_kept_as_typed(north_patient, nora_api):
    body = {
        "patient": north_patient.pk,
        "drug": "other",
        "drug_name": "Pregabalin\u200b",
        "event": "start",
        "occurred_on": "2026-05-01",
    }
    response = nora_api.post(MEDICATIONS, body, format="json")
    assert (response.status_code, response.json()["drug_name"]) == (201, "Pregabalin\u200b")


@pytest.mark.parametrize(
    ("field", "value", "status"),
    [
        ("drug_name", "\U0001f48a" * 200, 201),
        ("drug_name", "\U0001f48a" * 201, 400),
        ("dose", "\u5341mg" * 66 + "\u5341\u5341", 201),
        ("dose", "x" * 201, 400),
        ("notes", "\u00e9" * 10_000, 201),
        ("notes", "\u00e9" * 10_001, 400),
        ("drug_name", "Lio\x00resal", 400),
        ("dose", "10\x00mg", 400),
        ("notes", "\x00", 400),
    ],
)
def test_medication_text_at_and_past_its_bounds(north_patient, nora_api, field, value, status):
    body = {"patient": north_patient.pk, "drug": "other", "drug_name": "Pregabalin"}
    body |= {"event": "start", "occurred_on": "2026-05-01", field: value}
    response = nora_api.post(MEDICATIONS, body, format="json")
    assert response.status_code == status, response.json()
    if status == 201:
        assert nora_api.get(f"{MEDICATIONS}{response.json()['id']}/").json()[field] == value
    else:
        assert list(response.json()) == [field]


@pytest.mark.parametrize(("value", "status"), [("x" * 10_000, 201), ("x" * 10_001, 400), ("Squats\x00", 400)])
def test_a_plans_prescription_at_and_past_its_bounds(north_patient, phil_api, value, status):
    body = {"patient": north_patient.pk, "muscle_group": "grip", "side": "left", "kind": "balance"}
    response = phil_api.post(PLANS, body | {"started_on": "2026-05-01", "prescription": value}, format="json")
    assert response.status_code == status
    assert ExercisePlan.objects.exists() is (status == 201)


# Entered in error ---------------------------------------------------------------------------


def test_a_plan_entered_in_error_is_never_listed_as_due_for_review(plan, ada, nora_api):
    due_and_valid = factories.PlanFactory(
        patient=plan.patient, prescribed_by=plan.prescribed_by, started_on=TODAY, review_on=TODAY
    )
    record_mark_entered_in_error(record=plan, by=ada, reason="Duplicate")

    def listed(**query):
        response = nora_api.get(PLANS, query | {"include_errors": "true"})
        assert response.status_code == 200
        return {row["id"] for row in response.json()["results"]}

    assert listed() == {plan.pk, due_and_valid.pk}
    assert listed(plan_review_due="true") == {due_and_valid.pk}
    assert listed(plan_review_due="false") == {plan.pk}


@pytest.mark.parametrize(
    ("collection", "fixture", "change"),
    [(MEDICATIONS, "medication", {"dose": "40 mg"}), (PLANS, "plan", {"prescription": "Squats"})],
)
def test_a_record_of_a_patient_entered_in_error_cannot_be_changed(
    request, ada, ada_api, collection, fixture, change
):
    record = request.getfixturevalue(fixture)
    record_mark_entered_in_error(record=record.patient, by=ada, reason="Registered twice")
    before = stored(record)
    response = ada_api.patch(f"{collection}{record.pk}/", change, format="json")
    assert response.status_code == 409
    assert "patient is marked entered in error" in response.json()["detail"]
    assert stored(record) == before


# Spasticity on assessments ------------------------------------------------------------------


def scored(patient, nora, day, mas):
    return assessment_record(
        patient=patient,
        assessor=nora,
        assessed_on=day,
        scores=[{"muscle_group": "knee_flexion", "side": "left", "grade": MRCGrade.from_label("4")}],
        spasticity=[{"muscle_group": "knee_flexion", "side": "left", "mas": MASGrade.from_label(mas)}],
    )


@pytest.mark.parametrize(
    "spasticity",
    [
        [
            {"muscle_group": "grip", "side": "left", "mas": "1"},
            {"muscle_group": "grip", "side": "left", "mas": "1"},
        ],
        [{"muscle_group": "grip", "side": "left", "mas": "1+ "}],
        [{"muscle_group": "grip", "side": "left", "mas": ""}],
        [{"muscle_group": "grip", "side": "left", "mas": True}],
        [{"muscle_group": "grip", "side": "left", "mas": "\uff11"}],  # a full-width 1
        [{"muscle_group": "grip", "side": "both", "mas": "1"}],
        [{"muscle_group": "grip", "side": "left"}],
        {"muscle_group": "grip", "side": "left", "mas": "1"},
        None,
    ],
)
def test_a_bad_spasticity_change_is_refused_and_the_scores_stay(north_patient, nora, nora_api, spasticity):
    assessment = scored(north_patient, nora, datetime.date(2026, 5, 1), "1+")
    url = f"/api/v1/assessments/{assessment.pk}/"
    before = nora_api.get(url).json()
    response = nora_api.patch(url, {"spasticity": spasticity}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["spasticity"]
    assert nora_api.get(url).json() == before
    assert before["spasticity"] == [{"muscle_group": "knee_flexion", "side": "left", "mas": "1+"}]


def test_the_spasticity_of_an_assessment_entered_in_error_leaves_the_trends(
    north_patient, nora, ada, nora_api
):
    scored(north_patient, nora, datetime.date(2026, 3, 1), "1")
    mistaken = scored(north_patient, nora, datetime.date(2026, 5, 1), "3")
    trends_url = f"/api/v1/patients/{north_patient.pk}/trends/"
    assert len(nora_api.get(trends_url).json()["spasticity_increases"]) == 1
    record_mark_entered_in_error(record=mistaken, by=ada, reason="Another patient's scores")
    trends = nora_api.get(trends_url).json()
    assert trends["spasticity_increases"] == []
    [series] = trends["spasticity_series"]
    assert series["points"] == [{"assessed_on": "2026-03-01", "mas": "1", "step": 1}]
    changed = nora_api.patch(
        f"/api/v1/assessments/{mistaken.pk}/",
        {"spasticity": [{"muscle_group": "knee_flexion", "side": "left", "mas": "0"}]},
        format="json",
    )
    assert changed.status_code == 409
    assert mistaken.spasticity.get().mas == MASGrade.from_label("3")


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {"spasticity": [{"muscle_group": "grip", "side": "left"}]},
            {"spasticity": {"0": {"mas": ["This field is required."]}}},
        ),
        (
            {"spasticity": [{"mas": "1"}]},
            {
                "spasticity": {
                    "0": {"muscle_group": ["This field is required."], "side": ["This field is required."]}
                }
            },
        ),
        (
            {"scores": [{"muscle_group": "grip", "side": "left"}]},
            {"scores": {"0": {"grade": ["This field is required."]}}},
        ),
        (
            {"scores": [{"grade": "4", "tone": "high"}]},
            {
                "scores": {
                    "0": {
                        "tone": ["Unknown field; accepted fields: muscle_group, side, grade, weakness_type."],
                        "muscle_group": ["This field is required."],
                        "side": ["This field is required."],
                    }
                }
            },
        ),
    ],
)
def test_a_change_gives_each_score_whole_or_is_a_400_naming_what_is_missing(
    north_patient, nora, nora_api, body, errors
):
    # A PATCH is partial, but not inside the items of a list it replaces: an item without its
    # muscle group, side, grade or score reached the service and answered 500.
    assessment = scored(north_patient, nora, datetime.date(2026, 5, 1), "1+")
    url = f"/api/v1/assessments/{assessment.pk}/"
    before = nora_api.get(url).json()
    response = nora_api.patch(url, body, format="json")
    assert (response.status_code, response.json()) == (400, errors)
    assert nora_api.get(url).json() == before
