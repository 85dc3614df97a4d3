"""``medications/``, ``exercise-plans/``, spasticity on ``assessments/`` and the new trends fields
(SPEC §2, §3 rules 15-20, §4): what is shown, what is refused with a 400 naming the field, the
filters, and the access log."""

import datetime

import pytest
from django.urls import reverse

from assessments.grades import MRCGrade
from assessments.services import assessment_record
from audit.models import AccessRecord
from care.models import ExercisePlan, MedicationEvent
from care.services import medication_record, plan_prescribe
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 1)
MEDICATIONS = "/api/v1/medications/"
PLANS = "/api/v1/exercise-plans/"


@pytest.fixture(autouse=True)
def today(clock):
    clock.move_to(datetime.datetime.combine(TODAY, datetime.time(12), tzinfo=datetime.UTC))


def last_access():
    record = AccessRecord.objects.with_patient_ids().latest("id")
    return record.action, record.patient_ids


# Medications --------------------------------------------------------------------------------
def test_a_nurse_records_a_dose_change_and_reads_it_back(north_patient, nora_api):
    body = {
        "patient": north_patient.pk,
        "drug": "tizanidine",
        "event": "increase",
        "occurred_on": "2026-05-20",
        "dose": "4 mg three times a day",
    }
    created = nora_api.post(MEDICATIONS, body, format="json")
    assert created.status_code == 201, created.content
    shown = created.json()
    assert {k: shown[k] for k in (*body, "drug_name", "recorded_by", "entered_in_error")} == body | {
        "drug_name": "",
        "recorded_by": "nora",
        "entered_in_error": False,
    }
    read = nora_api.get(f"{MEDICATIONS}{shown['id']}/")
    assert read.json() == shown
    assert last_access() == ("patient_read", [north_patient.pk])


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"drug": "aspirin"}, "drug", '"aspirin" is not a valid choice.'),
        ({"event": "double"}, "event", '"double" is not a valid choice.'),
        ({"occurred_on": "2026-06-02"}, "occurred_on", "Must not be in the future."),
        ({"occurred_on": "1899-12-31"}, "occurred_on", "Must not be before 1 Jan 1900."),
        ({"occurred_on": "someday"}, "occurred_on", None),
        ({"drug": "other"}, "drug_name", "Required when the drug is other: name the medicine."),
        ({"drug_name": "Lioresal"}, "drug_name", None),
        ({"dose": "x" * 201}, "dose", None),
        ({"dosage": "10 mg"}, "dosage", None),
    ],
)
def test_a_bad_medication_event_is_a_400_naming_the_field(north_patient, nora_api, changes, field, message):
    body = {"patient": north_patient.pk, "drug": "baclofen", "event": "start", "occurred_on": "2026-05-01"}
    response = nora_api.post(MEDICATIONS, body | changes, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert field in errors
    if message:
        assert errors[field] == [message]
    assert not MedicationEvent.objects.exists()


def test_medications_are_filtered_by_patient_date_drug_and_event(north, north_patient, nora, nora_api):
    other_patient = factories.PatientFactory(clinic=north)
    for patient, drug, event, day in [
        (north_patient, "baclofen", "start", datetime.date(2026, 1, 10)),
        (north_patient, "baclofen", "increase", datetime.date(2026, 3, 10)),
        (north_patient, "fampridine", "start", datetime.date(2026, 4, 10)),
        (other_patient, "baclofen", "increase", datetime.date(2026, 3, 12)),
    ]:
        medication_record(patient=patient, recorded_by=nora, drug=drug, event=event, occurred_on=day)

    def listed(**query):
        response = nora_api.get(MEDICATIONS, query)
        assert response.status_code == 200, response.content
        return [(r["drug"], r["event"], r["occurred_on"]) for r in response.json()["results"]]

    assert listed(patient=north_patient.pk, drug="baclofen") == [
        ("baclofen", "increase", "2026-03-10"),
        ("baclofen", "start", "2026-01-10"),
    ]
    assert listed(event="increase", occurred_on_after="2026-03-11") == [
        ("baclofen", "increase", "2026-03-12")
    ]
    assert listed(occurred_on_before="2026-01-31") == [("baclofen", "start", "2026-01-10")]
    for bad in ({"drug": "aspirin"}, {"event": "double"}, {"occurred_on_after": "soon"}, {"patient": "x"}):
        assert nora_api.get(MEDICATIONS, bad).status_code == 400
    action, patients = last_access()
    assert action == "patient_list"


def test_a_nurse_marks_her_own_medication_event_entered_in_error(north_patient, nora, nora_api):
    event = medication_record(
        patient=north_patient, recorded_by=nora, drug="baclofen", event="start", occurred_on=TODAY
    )
    response = nora_api.post(
        f"{MEDICATIONS}{event.pk}/entered-in-error/", {"reason": "Wrong patient"}, format="json"
    )
    assert response.status_code == 200
    assert nora_api.get(MEDICATIONS).json()["count"] == 0
    assert nora_api.get(MEDICATIONS, {"include_errors": "true"}).json()["count"] == 1
    assert nora_api.delete(f"{MEDICATIONS}{event.pk}/").status_code == 405


# Exercise plans -----------------------------------------------------------------------------
def test_a_physio_prescribes_a_plan_with_the_default_review(north_patient, phil_api):
    body = {
        "patient": north_patient.pk,
        "muscle_group": "hip_abduction",
        "side": "both",
        "kind": "balance",
        "prescription": "Side-steps, 3 × 10, daily",
        "started_on": "2026-05-01",
    }
    created = phil_api.post(PLANS, body, format="json")
    assert created.status_code == 201, created.content
    shown = created.json()
    assert shown["review_on"] == "2026-06-12"
    assert (shown["status"], shown["ended_on"], shown["prescribed_by"]) == ("active", None, "phil")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"side": "bilateral"}, "side"),
        ({"kind": "yoga"}, "kind"),
        ({"muscle_group": "neck"}, "muscle_group"),
        ({"status": "paused"}, "status"),
        ({"started_on": "2026-06-02"}, "started_on"),
        ({"review_on": "2026-04-30"}, "review_on"),
        ({"review_on": "2031-05-02"}, "review_on"),
        ({"status": "ended"}, "ended_on"),
        ({"ended_on": "2026-05-10"}, "ended_on"),
        ({"status": "ended", "ended_on": "2026-04-30"}, "ended_on"),
        ({"status": "ended", "ended_on": "2026-06-02"}, "ended_on"),
        ({"review_due_on": "2026-06-01"}, "review_due_on"),
    ],
)
def test_a_bad_plan_is_a_400_naming_the_field(north_patient, phil_api, changes, field):
    body = {
        "patient": north_patient.pk,
        "muscle_group": "knee_extension",
        "side": "left",
        "kind": "maintenance",
        "started_on": "2026-05-01",
    }
    response = phil_api.post(PLANS, body | changes, format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not ExercisePlan.objects.exists()


def test_the_five_years_edge_is_accepted(north_patient, phil_api):
    body = {
        "patient": north_patient.pk,
        "muscle_group": "knee_extension",
        "side": "left",
        "kind": "maintenance",
        "started_on": "2026-05-01",
        "review_on": "2031-05-01",
    }
    assert phil_api.post(PLANS, body, format="json").status_code == 201


def test_plans_are_filtered_by_status_kind_and_review_due(north_patient, phil, nora_api):
    def plan(kind, review_in, status="active"):
        return plan_prescribe(
            patient=north_patient,
            prescribed_by=phil,
            muscle_group="knee_extension",
            side="left",
            kind=kind,
            started_on=TODAY - datetime.timedelta(days=30),
            review_on=TODAY + datetime.timedelta(days=review_in),
            status=status,
            ended_on=TODAY if status == "ended" else None,
        ).pk

    due_in_7, due_in_8, ended = (
        plan("maintenance", 7),
        plan("progressive_resistance", 8),
        plan("maintenance", 0, "ended"),
    )

    def listed(**query):
        response = nora_api.get(PLANS, query)
        assert response.status_code == 200, response.content
        return {r["id"] for r in response.json()["results"]}

    assert listed(plan_review_due="true") == {due_in_7}
    assert listed(plan_review_due="false") == {due_in_8, ended}
    assert listed(status="ended") == {ended}
    assert listed(kind="progressive_resistance") == {due_in_8}
    assert listed(patient=north_patient.pk, started_on_after=TODAY.isoformat()) == set()
    for bad in ({"plan_review_due": "soon"}, {"kind": "yoga"}, {"status": "paused"}):
        assert nora_api.get(PLANS, bad).status_code == 400


# Spasticity on assessments ------------------------------------------------------------------
def assessment_body(patient, spasticity):
    return {
        "patient": patient.pk,
        "assessed_on": TODAY.isoformat(),
        "scores": [{"muscle_group": "knee_flexion", "side": "left", "grade": "4"}],
        "spasticity": spasticity,
    }


def test_an_assessment_records_and_shows_its_spasticity(north_patient, nora_api):
    spasticity = [{"muscle_group": "knee_flexion", "side": "left", "mas": "1+"}]
    created = nora_api.post(
        reverse("api:assessment-list"), assessment_body(north_patient, spasticity), format="json"
    )
    assert created.status_code == 201, created.content
    assert created.json()["spasticity"] == spasticity
    url = reverse("api:assessment-detail", kwargs={"pk": created.json()["id"]})
    changed = nora_api.patch(
        url, {"spasticity": [{"muscle_group": "grip", "side": "right", "mas": "4"}]}, format="json"
    )
    assert changed.json()["spasticity"] == [{"muscle_group": "grip", "side": "right", "mas": "4"}]


def test_spasticity_is_optional(north_patient, nora_api):
    body = assessment_body(north_patient, [])
    del body["spasticity"]
    created = nora_api.post(reverse("api:assessment-list"), body, format="json")
    assert (created.status_code, created.json()["spasticity"]) == (201, [])


ALLOWED = "allowed values: 0, 1, 1+, 2, 3, 4."


@pytest.mark.parametrize(
    ("mas", "message"),
    [
        ("5", f'"5" is not a Modified Ashworth score; {ALLOWED}'),
        ("2+", f'"2+" is not a Modified Ashworth score; {ALLOWED}'),
        (1, f"A Modified Ashworth score is a string; {ALLOWED}"),
        (None, "This field may not be null."),
    ],
)
def test_a_bad_mas_is_a_400_listing_the_allowed_values(north_patient, nora_api, mas, message):
    body = assessment_body(north_patient, [{"muscle_group": "knee_flexion", "side": "left", "mas": mas}])
    response = nora_api.post(reverse("api:assessment-list"), body, format="json")
    assert response.status_code == 400
    assert response.json() == {"spasticity": {"0": {"mas": [message]}}}
    assert not north_patient.assessments.exists()


def test_two_spasticity_scores_for_one_muscle_side_are_refused(north_patient, nora_api):
    item = {"muscle_group": "knee_flexion", "side": "left", "mas": "1"}
    response = nora_api.post(
        reverse("api:assessment-list"),
        assessment_body(north_patient, [item, item | {"mas": "2"}]),
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "spasticity": [
            "knee_flexion left has more than one spasticity score; give at most one per muscle group and side."
        ]
    }


def test_an_unknown_field_in_a_spasticity_score_is_named(north_patient, nora_api):
    item = {"muscle_group": "knee_flexion", "side": "left", "mas": "1", "tone": "high"}
    response = nora_api.post(
        reverse("api:assessment-list"), assessment_body(north_patient, [item]), format="json"
    )
    assert response.json() == {
        "spasticity": {"0": {"tone": ["Unknown field; accepted fields: muscle_group, side, mas."]}}
    }


# Trends -------------------------------------------------------------------------------------
def test_the_trends_show_spasticity_medicines_plans_and_foot_drop(north_patient, nora, phil, phil_api):
    def assess(day, knee, ankle, mas):
        return assessment_record(
            patient=north_patient,
            assessor=nora,
            assessed_on=day,
            scores=[
                {
                    "muscle_group": "knee_flexion",
                    "side": "left",
                    "grade": MRCGrade.from_label(knee),
                    "weakness_type": "primary",
                },
                {"muscle_group": "ankle_dorsiflexion", "side": "right", "grade": MRCGrade.from_label(ankle)},
            ],
            spasticity=[{"muscle_group": "knee_flexion", "side": "left", "mas": mas}],
        )

    assess(datetime.date(2026, 2, 1), "4", "4", 1)
    medication_record(
        patient=north_patient,
        recorded_by=nora,
        drug="baclofen",
        event="start",
        occurred_on=datetime.date(2026, 1, 5),
        dose="5 mg",
    )
    medication_record(
        patient=north_patient,
        recorded_by=nora,
        drug="baclofen",
        event="increase",
        occurred_on=datetime.date(2026, 4, 1),
        dose="10 mg",
    )
    assess(datetime.date(2026, 5, 1), "3", "3", 3)
    plan = plan_prescribe(
        patient=north_patient,
        prescribed_by=phil,
        muscle_group="knee_flexion",
        side="both",
        kind="progressive_resistance",
        started_on=datetime.date(2026, 5, 2),
    )
    factories.DeviceFactory(patient=north_patient, prescribed_by=phil, device_type="afo", side="left")
    trends = phil_api.get(reverse("api:patient-trends", kwargs={"pk": north_patient.pk})).json()
    assert trends["spasticity_series"] == [
        {
            "muscle_group": "knee_flexion",
            "side": "left",
            "points": [
                {"assessed_on": "2026-02-01", "mas": "1", "step": 1},
                {"assessed_on": "2026-05-01", "mas": "2", "step": 3},
            ],
        }
    ]
    assert trends["spasticity_increases"] == [
        {
            "muscle_group": "knee_flexion",
            "side": "left",
            "from_mas": "1",
            "to_mas": "2",
            "from_date": "2026-02-01",
            "to_date": "2026-05-01",
        }
    ]
    assert trends["current_medications"] == [
        {"drug": "baclofen", "drug_name": "", "dose": "10 mg", "since": "2026-01-05"}
    ]
    assert trends["medication_review"] == [
        {"drug": "baclofen", "event": "increase", "occurred_on": "2026-04-01", "dose": "10 mg"}
    ]
    assert trends["active_plans"] == [
        {
            "id": plan.pk,
            "muscle_group": "knee_flexion",
            "side": "both",
            "kind": "progressive_resistance",
            "review_on": "2026-06-13",
        }
    ]
    assert trends["plan_conflicts"] == [{"plan": plan.pk, "muscle_group": "knee_flexion", "side": "left"}]
    # The AFO is for the left: the right foot drop is unsupported.
    assert trends["foot_drop"] == [{"side": "right", "grade": "3", "supported": False}]
    assert last_access() == ("trends", [north_patient.pk])
