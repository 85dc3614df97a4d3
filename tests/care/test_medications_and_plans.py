"""Medication events and exercise plans through the care services, and the database constraints
behind them (SPEC §2 "Medication event", "Exercise plan", "Plausible input"); spasticity scores
on assessments."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from assessments.grades import MASGrade, MRCGrade
from assessments.models import SpasticityScore
from assessments.services import assessment_record, assessment_update
from care.models import DRUG_CLASS, Drug, DrugClass, ExercisePlan, MedicationEvent
from care.services import medication_record, medication_update, plan_prescribe, plan_update
from patients.services import patient_update, record_mark_entered_in_error
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 1)


@pytest.fixture(autouse=True)
def today(clock):
    clock.move_to(datetime.datetime.combine(TODAY, datetime.time(12), tzinfo=datetime.UTC))


def errors_of(call):
    with pytest.raises(ValidationError) as raised:
        call()
    return raised.value.message_dict


def refused(make):
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def record(patient, by, **fields):
    return medication_record(
        patient=patient,
        recorded_by=by,
        **{"drug": "baclofen", "event": "start", "occurred_on": TODAY} | fields,
    )


def prescribe(patient, by, **fields):
    defaults = {"muscle_group": "knee_extension", "side": "left", "kind": "maintenance", "started_on": TODAY}
    return plan_prescribe(patient=patient, prescribed_by=by, **defaults | fields)


# The catalogue ------------------------------------------------------------------------------
def test_every_drug_has_its_class_once():
    assert set(DRUG_CLASS) == set(Drug)
    assert DRUG_CLASS[Drug.FAMPRIDINE] == DrugClass.WALKING
    assert DRUG_CLASS[Drug.OTHER] == DrugClass.OTHER
    assert sum(c == DrugClass.ANTISPASTICITY for c in DRUG_CLASS.values()) == 9


# Medication events --------------------------------------------------------------------------
def test_other_needs_a_name_and_a_catalogue_drug_has_none(north_patient, nora):
    assert errors_of(lambda: record(north_patient, nora, drug="other", drug_name="  ")) == {
        "drug_name": ["Required when the drug is other: name the medicine."]
    }
    assert "drug_name" in errors_of(lambda: record(north_patient, nora, drug_name="Lioresal"))
    assert record(north_patient, nora, drug="other", drug_name=" Pregabalin ").drug_name == "Pregabalin"


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (TODAY + datetime.timedelta(days=1), "Must not be in the future."),
        (datetime.date(1899, 12, 31), "Must not be before 1 Jan 1900."),
        (datetime.date(1960, 1, 1), "Must not be before the patient's date of birth."),
    ],
)
def test_a_medication_event_is_dated_plausibly(north_patient, nora, day, message):
    assert errors_of(lambda: record(north_patient, nora, occurred_on=day)) == {"occurred_on": [message]}
    assert record(north_patient, nora, occurred_on=TODAY).occurred_on == TODAY


def test_a_medication_event_keeps_its_history_and_is_never_changed_once_in_error(north_patient, nora):
    event = record(north_patient, nora, dose="5 mg")
    medication_update(medication=event, by=nora, dose="10 mg", event="increase")
    assert [h.dose for h in event.history.order_by("history_id")] == ["5 mg", "10 mg"]
    assert event.history.latest("history_id").history_user == nora
    record_mark_entered_in_error(record=event, by=nora, reason="wrong patient")
    with pytest.raises(ValidationError):
        medication_update(medication=event, by=nora, dose="15 mg")
    assert MedicationEvent.objects.get(pk=event.pk).entered_in_error


def test_medication_constraints_hold_in_the_database(north_patient, nora):
    make = factories.MedicationFactory
    refused(lambda: make(patient=north_patient, drug="aspirin"))
    refused(lambda: make(patient=north_patient, event="double"))
    refused(lambda: make(patient=north_patient, drug="other", drug_name=""))
    refused(lambda: make(patient=north_patient, drug="baclofen", drug_name="Lioresal"))
    refused(lambda: make(patient=north_patient, occurred_on=datetime.date(1899, 12, 31)))
    assert make(patient=north_patient, drug="other", drug_name="Pregabalin").pk


# Exercise plans -----------------------------------------------------------------------------
def test_the_review_is_42_days_after_the_start_when_not_given(north_patient, phil):
    assert prescribe(north_patient, phil).review_on == TODAY + datetime.timedelta(days=42)


@pytest.mark.parametrize(
    ("review_on", "valid"),
    [
        (TODAY - datetime.timedelta(days=1), False),
        (TODAY, True),
        (datetime.date(2031, 6, 1), True),  # five years on, the same day
        (datetime.date(2031, 6, 2), False),
    ],
)
def test_the_review_is_from_the_start_to_five_years_after(north_patient, phil, review_on, valid):
    if valid:
        assert prescribe(north_patient, phil, review_on=review_on).review_on == review_on
    else:
        assert set(errors_of(lambda: prescribe(north_patient, phil, review_on=review_on))) == {"review_on"}


def test_an_end_date_iff_ended(north_patient, phil):
    assert errors_of(lambda: prescribe(north_patient, phil, status="ended")) == {
        "ended_on": ["Required when the plan has ended."]
    }
    assert errors_of(lambda: prescribe(north_patient, phil, ended_on=TODAY)) == {
        "ended_on": ["Only an ended plan has an end date."]
    }
    start = TODAY - datetime.timedelta(days=10)
    assert errors_of(
        lambda: prescribe(
            north_patient, phil, started_on=start, status="ended", ended_on=start - datetime.timedelta(days=1)
        )
    ) == {"ended_on": ["Must not be before the start date."]}
    assert errors_of(
        lambda: prescribe(north_patient, phil, status="ended", ended_on=TODAY + datetime.timedelta(days=1))
    ) == {"ended_on": ["Must not be in the future."]}
    plan = prescribe(north_patient, phil, started_on=start)
    plan_update(plan=plan, by=phil, status="ended", ended_on=TODAY)
    plan_update(plan=plan, by=phil, status="active")  # back in use: the end date goes
    plan.refresh_from_db()
    assert (plan.status, plan.ended_on) == ("active", None)


def test_a_plans_start_is_dated_plausibly(north_patient, phil):
    assert errors_of(
        lambda: prescribe(north_patient, phil, started_on=TODAY + datetime.timedelta(days=1))
    ) == {"started_on": ["Must not be in the future."]}


def test_plan_constraints_hold_in_the_database(north_patient):
    make = factories.PlanFactory
    refused(lambda: make(patient=north_patient, side="up"))
    refused(lambda: make(patient=north_patient, kind="yoga"))
    refused(lambda: make(patient=north_patient, muscle_group="neck"))
    refused(lambda: make(patient=north_patient, review_on=TODAY - datetime.timedelta(days=1)))
    refused(lambda: make(patient=north_patient, status="ended"))
    refused(lambda: make(patient=north_patient, ended_on=TODAY))
    refused(lambda: make(patient=north_patient, status="ended", ended_on=TODAY - datetime.timedelta(days=1)))
    refused(lambda: make(patient=north_patient, started_on=datetime.date(1899, 12, 31)))
    assert make(patient=north_patient, side="both", status="ended", ended_on=TODAY).pk
    assert ExercisePlan.objects.count() == 1


def test_a_date_of_birth_may_not_move_past_a_medication_or_a_plan(north_patient, nora, phil):
    record(north_patient, nora, occurred_on=datetime.date(2000, 1, 1))
    errors = errors_of(
        lambda: patient_update(patient=north_patient, by=nora, date_of_birth=datetime.date(2001, 1, 1))
    )
    assert errors == {
        "date_of_birth": ["Must not be after 2000-01-01, the date of the patient's earliest record."]
    }


# Spasticity on assessments ------------------------------------------------------------------
def spasticity(mas, group="knee_flexion", side="left"):
    return {"muscle_group": group, "side": side, "mas": MASGrade.from_label(mas)}


GRIP = [{"muscle_group": "grip", "side": "left", "grade": MRCGrade.G4}]


def test_spasticity_is_recorded_replaced_and_kept_in_history(north_patient, nora):
    assessment = assessment_record(
        patient=north_patient, assessor=nora, assessed_on=TODAY, scores=GRIP, spasticity=[spasticity("1+")]
    )
    assert [(s.muscle_group, s.side, s.mas) for s in assessment.spasticity.all()] == [
        ("knee_flexion", "left", 2)
    ]
    assessment_update(
        assessment=assessment, by=nora, spasticity=[spasticity("2"), spasticity("0", side="right")]
    )
    assert sorted((s.side, MASGrade(s.mas).label) for s in assessment.spasticity.all()) == [
        ("left", "2"),
        ("right", "0"),
    ]
    assert [
        MASGrade(h.mas).label for h in SpasticityScore.history.filter(side="left").order_by("history_id")
    ] == ["1+", "2"]
    assessment_update(assessment=assessment, by=nora, notes="spasticity untouched")
    assert assessment.spasticity.count() == 2


def test_one_spasticity_score_per_muscle_side(north_patient, nora):
    errors = errors_of(
        lambda: assessment_record(
            patient=north_patient,
            assessor=nora,
            assessed_on=TODAY,
            scores=GRIP,
            spasticity=[spasticity("1"), spasticity("2")],
        )
    )
    assert errors == {
        "spasticity": [
            "knee_flexion left has more than one spasticity score; give at most one per muscle group and side."
        ]
    }
    assessment = factories.AssessmentFactory(patient=north_patient)
    SpasticityScore.objects.create(assessment=assessment, muscle_group="grip", side="left", mas=1)
    refused(
        lambda: SpasticityScore.objects.create(assessment=assessment, muscle_group="grip", side="left", mas=2)
    )
    refused(
        lambda: SpasticityScore.objects.create(
            assessment=assessment, muscle_group="grip", side="right", mas=6
        )
    )
