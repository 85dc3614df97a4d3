"""The findings recorded per assessment (``AssessmentFindings``) and rule 18's database version
agree with the rules run afresh, whatever the services did to a patient's assessments."""

from dataclasses import asdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.grades import MRCGrade, Side
from assessments.models import Assessment
from assessments.services import assessment_record, assessment_update, trend_review_record
from clinical_rules import rules
from clinical_rules.findings import FINDING_FIELDS
from clinical_rules.models import AssessmentFindings
from clinical_rules.querysets import strength_reviews_due
from clinical_rules.trends import assessment_data
from patients.models import Patient
from patients.services import record_mark_entered_in_error
from tests.factories import PatientFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 22)
# Two MRC-sum groups and one outside the sum, on both sides: enough for every rule to fire.
GROUPS = ["ankle_dorsiflexion", "hip_flexion", "grip"]
GRADES = [grade.label for grade in MRCGrade]


def recorded(assessment):
    row = AssessmentFindings.objects.get(assessment=assessment)
    return rules.Findings(**{name: getattr(row, name) for name in FINDING_FIELDS})


def afresh(patient):
    """``{assessment id: Findings}`` of the patient's valid assessments, from the rules alone."""
    return {data.recorded: found for data, found in rules.findings_of_each(assessment_data(patient))}


def scores(draw):
    items = draw(
        st.lists(st.tuples(st.sampled_from(GROUPS), st.sampled_from(list(Side))), max_size=6, unique=True)
    )
    return [
        {"muscle_group": group, "side": side, "grade": MRCGrade.from_label(draw(st.sampled_from(GRADES)))}
        for group, side in items
    ]


@st.composite
def histories(draw):
    """What the services do to one patient, in order: record, correct, mark in error, review."""
    steps = []
    for _ in range(draw(st.integers(1, 6))):
        action = draw(st.sampled_from(["record", "record", "record", "correct", "in_error", "review"]))
        steps.append(
            {
                "action": action,
                "days_ago": draw(st.one_of(st.sampled_from([0, 1, 364, 365, 366]), st.integers(0, 800))),
                "scores": scores(draw),
                "edss": draw(st.one_of(st.none(), st.sampled_from([Decimal(x) / 2 for x in range(0, 21)]))),
                "walk": draw(
                    st.one_of(
                        st.none(), st.sampled_from([Decimal("10.0"), Decimal("11.99"), Decimal("12.0")])
                    )
                ),
                "which": draw(st.integers(0, 5)),
            }
        )
    return {"status": draw(st.sampled_from(["active", "discharged"])), "steps": steps}


def apply(patient, step, clerk):
    valid = list(Assessment.objects.valid().filter(patient=patient).order_by("id"))
    target = valid[step["which"] % len(valid)] if valid else None
    day = TODAY - timedelta(days=step["days_ago"])
    if step["action"] == "record" or target is None:
        assessment_record(
            patient=patient,
            assessor=clerk,
            assessed_on=day,
            scores=step["scores"],
            edss=step["edss"],
            timed_25ft_walk_seconds=step["walk"],
        )
    elif step["action"] == "correct":
        assessment_update(
            assessment=target, by=clerk, assessed_on=day, scores=step["scores"], edss=step["edss"]
        )
    elif step["action"] == "in_error":
        record_mark_entered_in_error(record=target, by=clerk, reason="wrong patient")
    else:
        trend_review_record(patient=patient, by=clerk, note="Reviewed.")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=histories())
def test_recorded_findings_and_rule_18_agree_with_the_rules(history):
    clerk = UserFactory()
    patient = PatientFactory(date_of_birth=date(1950, 1, 1))
    for step in history["steps"]:
        apply(patient, step, clerk)
    Patient.objects.filter(pk=patient.pk).update(status=history["status"])
    expected = afresh(patient)
    assert {pk: recorded(pk) for pk in expected} == expected

    data = assessment_data(patient)
    latest = Assessment.objects.get(pk=data[-1].recorded) if data else None
    python_due = latest is not None and rules.strength_review_due(
        rules.findings(data),
        patient_status=history["status"],
        reviewed=latest.reviews.valid().exists(),
    )
    database_due = list(
        strength_reviews_due(Assessment.objects.filter(patient=patient)).values_list("pk", flat=True)
    )
    assert database_due == ([latest.pk] if python_due else [])


def test_recording_correcting_and_marking_in_error_each_record_the_findings_again():
    clerk = UserFactory()
    patient = PatientFactory(date_of_birth=date(1950, 1, 1))

    def grade(label):
        return [{"muscle_group": "ankle_dorsiflexion", "side": "left", "grade": MRCGrade.from_label(label)}]

    first = assessment_record(
        patient=patient, assessor=clerk, assessed_on=TODAY - timedelta(days=60), scores=grade("4")
    )
    middle = assessment_record(
        patient=patient, assessor=clerk, assessed_on=TODAY - timedelta(days=30), scores=grade("4")
    )
    latest = assessment_record(patient=patient, assessor=clerk, assessed_on=TODAY, scores=grade("3"))
    assert recorded(latest) == rules.Findings(decline=True, decline_from_best=True)
    # The middle visit corrected to 3: the latest is level with it, but a whole grade below the best.
    assessment_update(assessment=middle, by=clerk, scores=grade("3"))
    assert recorded(latest) == rules.Findings(decline_from_best=True)
    assert recorded(middle) == rules.Findings(decline=True, decline_from_best=True)
    # The first visit in error: nothing before the middle one, so the latest shows nothing.
    record_mark_entered_in_error(record=first, by=clerk, reason="wrong patient")
    assert recorded(middle) == rules.Findings()
    assert recorded(latest) == rules.Findings()
    assert asdict(recorded(latest)) == dict.fromkeys(FINDING_FIELDS, False)
