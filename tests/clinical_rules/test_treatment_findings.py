"""The recorded findings (``AssessmentFindings``) and the database version of rule 20 agree with the
Python rules; medication events and exercise plans re-record the findings when they change."""

from dataclasses import asdict, fields
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.grades import MASGrade, MRCGrade
from assessments.services import assessment_record
from care.models import ExercisePlan, MedicationEvent
from care.services import medication_record, medication_update, plan_prescribe, plan_update
from clinical_rules import rules
from clinical_rules.models import AssessmentFindings
from clinical_rules.querysets import (
    current_medication_events,
    on_antispasticity_drugs,
    plans_review_due,
    strength_reviews_due,
)
from clinical_rules.trends import assessment_data, medication_data, plan_data
from patients.models import Patient
from patients.services import record_mark_entered_in_error
from tests.factories import MedicationFactory, PatientFactory, PlanFactory, UserFactory

TODAY = date(2026, 11, 22)
FINDINGS = [field.name for field in fields(rules.Findings)]


def recorded_findings(patient):
    rows = AssessmentFindings.objects.filter(
        assessment__patient=patient, assessment__entered_in_error_at__isnull=True
    )
    return {row.assessment_id: {name: getattr(row, name) for name in FINDINGS} for row in rows}


def fresh_findings(patient):
    found = rules.findings_of_each(assessment_data(patient), medication_data(patient), plan_data(patient))
    return {assessment.recorded: asdict(finding) for assessment, finding in found}


# Rule 20 in the database --------------------------------------------------------------------
@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    plans=st.lists(
        st.tuples(st.one_of(st.sampled_from([6, 7, 8, 0, -1]), st.integers(-60, 400)), st.booleans()),
        min_size=1,
        max_size=6,
    )
)
def test_plan_review_due_in_the_database_is_rule_20(plans):
    patient = PatientFactory()
    started = TODAY - timedelta(days=60)
    for offset, ended in plans:
        PlanFactory(
            patient=patient,
            started_on=started,
            review_on=max(started, TODAY + timedelta(days=offset)),
            status="ended" if ended else "active",
            ended_on=started if ended else None,
        )
    mine = ExercisePlan.objects.filter(patient=patient)
    in_database = set(plans_review_due(mine, TODAY).values_list("pk", flat=True))
    in_python = {
        p.pk for p in mine if rules.plan_review_due(status=p.status, review_on=p.review_on, today=TODAY)
    }
    assert in_database == in_python


# Recorded findings --------------------------------------------------------------------------
KNEE = ("knee_flexion", "left")
GRADES = ["5", "4", "4-", "3", "2"]


@st.composite
def treatment_histories(draw):
    return {
        "assessments": draw(
            st.lists(
                st.tuples(
                    st.integers(0, 200),  # days before today
                    st.sampled_from(GRADES),
                    st.sampled_from(["primary", "secondary"]),
                    st.one_of(st.none(), st.sampled_from(MASGrade.labels)),
                ),
                min_size=1,
                max_size=4,
            )
        ),
        "medications": draw(
            st.lists(
                st.tuples(
                    st.integers(0, 200),
                    st.sampled_from(["baclofen", "tizanidine", "fampridine"]),
                    st.sampled_from(["start", "increase", "decrease", "stop"]),
                ),
                max_size=3,
            )
        ),
        "plan": draw(st.one_of(st.none(), st.sampled_from(["left", "right", "both"]))),
        "mark_in_error": draw(st.sampled_from([None, "medication", "plan"])),
        "end_plan": draw(st.booleans()),
    }


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=treatment_histories())
def test_recorded_findings_stay_the_rules_as_records_change(history, clock):
    clock.move_to("2026-11-22 12:00:00+00:00")
    clerk = UserFactory()
    patient = PatientFactory(date_of_birth=date(1970, 1, 1))
    for days_ago, grade, weakness, mas in history["assessments"]:
        assessment_record(
            patient=patient,
            assessor=clerk,
            assessed_on=TODAY - timedelta(days=days_ago),
            scores=[
                {
                    "muscle_group": KNEE[0],
                    "side": KNEE[1],
                    "grade": MRCGrade.from_label(grade),
                    "weakness_type": weakness,
                }
            ],
            spasticity=[]
            if mas is None
            else [{"muscle_group": KNEE[0], "side": KNEE[1], "mas": MASGrade.from_label(mas)}],
        )
    assert recorded_findings(patient) == fresh_findings(patient)
    medications = [
        medication_record(
            patient=patient,
            recorded_by=clerk,
            drug=drug,
            event=kind,
            occurred_on=TODAY - timedelta(days=days_ago),
        )
        for days_ago, drug, kind in history["medications"]
    ]
    assert recorded_findings(patient) == fresh_findings(patient)
    plan = None
    if history["plan"]:
        plan = plan_prescribe(
            patient=patient,
            prescribed_by=clerk,
            muscle_group=KNEE[0],
            side=history["plan"],
            kind="progressive_resistance",
            started_on=TODAY - timedelta(days=10),
        )
        assert recorded_findings(patient) == fresh_findings(patient)
        if history["end_plan"]:
            plan_update(plan=plan, by=clerk, status="ended", ended_on=TODAY)
            assert recorded_findings(patient) == fresh_findings(patient)
    if history["mark_in_error"] == "medication" and medications:
        record_mark_entered_in_error(record=medications[0], by=clerk, reason="wrong patient")
    if history["mark_in_error"] == "plan" and plan:
        record_mark_entered_in_error(record=plan, by=clerk, reason="wrong patient")
    assert recorded_findings(patient) == fresh_findings(patient)


@pytest.fixture
def declined(north_patient, nora, clock):
    """Knee flexion 4 → 3 between 1 Jun and 1 Sep 2026: a decline in the latest assessment."""
    clock.move_to("2026-11-22 12:00:00+00:00")
    for day, grade in ((date(2026, 6, 1), "4"), (date(2026, 9, 1), "3")):
        assessment_record(
            patient=north_patient,
            assessor=nora,
            assessed_on=day,
            scores=[{"muscle_group": "knee_flexion", "side": "left", "grade": MRCGrade.from_label(grade)}],
        )
    return north_patient.assessments.latest_first().first()


@pytest.mark.django_db
def test_a_dose_change_before_a_decline_is_recorded_and_its_correction_too(declined, nora):
    baclofen = medication_record(
        patient=declined.patient,
        recorded_by=nora,
        drug="baclofen",
        event="increase",
        occurred_on=date(2026, 8, 1),
    )
    assert AssessmentFindings.objects.get(assessment=declined).medication_review is True
    medication_update(
        medication=baclofen, by=nora, occurred_on=date(2026, 6, 1)
    )  # the previous assessment's day
    assert AssessmentFindings.objects.get(assessment=declined).medication_review is False
    medication_update(medication=baclofen, by=nora, occurred_on=date(2026, 9, 1))  # the latest's day
    assert AssessmentFindings.objects.get(assessment=declined).medication_review is True
    record_mark_entered_in_error(record=baclofen, by=nora, reason="wrong patient")
    assert AssessmentFindings.objects.get(assessment=declined).medication_review is False


@pytest.mark.django_db
def test_a_plan_conflict_calls_for_a_strength_review(north_patient, nora, phil, clock):
    clock.move_to("2026-11-22 12:00:00+00:00")
    latest = assessment_record(
        patient=north_patient,
        assessor=nora,
        assessed_on=date(2026, 11, 1),
        scores=[
            {"muscle_group": "hip_flexion", "side": "right", "grade": MRCGrade.G4, "weakness_type": "primary"}
        ],
    )
    assert not strength_reviews_due(north_patient.assessments.all()).exists()
    plan = plan_prescribe(
        patient=north_patient,
        prescribed_by=phil,
        muscle_group="hip_flexion",
        side="both",
        kind="progressive_resistance",
        started_on=date(2026, 11, 2),
    )
    assert list(strength_reviews_due(north_patient.assessments.all())) == [latest]
    plan_update(plan=plan, by=phil, kind="maintenance")
    assert not strength_reviews_due(north_patient.assessments.all()).exists()


# Current medications in the database ---------------------------------------------------------
@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    events=st.lists(
        st.tuples(
            st.integers(0, 5),  # days before today: few, so that same-day events are common
            st.sampled_from(["baclofen", "fampridine", "other"]),
            st.sampled_from(["A", "B"]),  # the name of an other drug
            st.sampled_from(["start", "increase", "decrease", "stop"]),
            st.booleans(),  # entered in error
        ),
        max_size=6,
    )
)
def test_current_medications_in_the_database_are_the_rules(events):
    clerk = UserFactory()
    patient = PatientFactory()
    for days_ago, drug, name, kind, in_error in events:
        event = MedicationFactory(
            patient=patient,
            recorded_by=clerk,
            drug=drug,
            drug_name=name if drug == "other" else "",
            event=kind,
            occurred_on=TODAY - timedelta(days=days_ago),
        )
        if in_error:
            event.mark_entered_in_error(by=clerk, reason="duplicate")
    in_database = {
        (e.drug, e.drug_name)
        for e in current_medication_events(MedicationEvent.objects.filter(patient=patient))
    }
    in_python = {(m["drug"], m["drug_name"]) for m in rules.current_medications(medication_data(patient))}
    assert in_database == in_python
    on_drugs = Patient.objects.filter(on_antispasticity_drugs(), pk=patient.pk).exists()
    assert on_drugs is any(drug == "baclofen" for drug, _ in in_python)
