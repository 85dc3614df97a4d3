"""The database versions of the follow-up rules agree with the Python rules."""

from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinical_rules import rules
from clinical_rules.querysets import due_for_reassessment, with_follow_up
from patients.clock import clinic_date
from patients.models import Patient
from tests.factories import AssessmentFactory, FallFactory, PatientFactory, UserFactory

TODAY = date(2026, 11, 22)


def local_moment(day, hour=12, minute=0):
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def python_follow_up(patient, today):
    assessments = patient.assessments.valid()
    last = max((a.assessed_on for a in assessments), default=None)
    falls = [rules.FallData(clinic_date(f.occurred_at), f.near_fall, f.injury) for f in patient.falls.valid()]
    next_due = rules.next_assessment_due(
        last_assessed_on=last,
        registered_on=clinic_date(patient.created_at),
        interval_weeks=patient.reassessment_interval_weeks,
    )
    return {
        "last_assessed_on": last,
        "next_assessment_due": next_due,
        "falls_in_window": len(rules.falls_in_window(falls, today)),
        "high_fall_risk": rules.high_fall_risk(falls, today),
        "due": rules.reassessment_due(next_due=next_due, status=patient.status, today=today),
    }


def database_follow_up(patient, today):
    annotated = with_follow_up(Patient.objects.all(), today)
    row = annotated.get(pk=patient.pk)
    return {
        "last_assessed_on": row.last_assessed_on,
        "next_assessment_due": row.next_assessment_due,
        "falls_in_window": row.falls_in_window,
        "high_fall_risk": row.high_fall_risk,
        "due": due_for_reassessment(annotated, today).filter(pk=patient.pk).exists(),
    }


# Days-ago values at the rules' edges, mixed with values anywhere.
FALL_EDGES = [-1, 0, 1, 181, 182, 183]


@st.composite
def patient_histories(draw):
    interval = draw(st.integers(1, 104))
    # The latest assessment often sits exactly where next_assessment_due = today + 7 ± 1 day.
    due_edge = [interval * 7 - 7 + offset for offset in (-1, 0, 1)]
    assessment_days = st.one_of(st.sampled_from([d for d in due_edge if d >= 0] or [0]), st.integers(0, 800))
    return {
        "interval": interval,
        "status": draw(st.sampled_from(["active", "discharged"])),
        "registered_days_ago": draw(st.integers(0, 800)),
        "assessments": draw(st.lists(st.tuples(assessment_days, st.booleans()), max_size=4)),
        "falls": draw(
            st.lists(
                st.tuples(
                    st.one_of(st.sampled_from(FALL_EDGES), st.integers(-2, 400)),
                    st.integers(0, 23),  # local hour, so midnight edges are exercised
                    st.booleans(),  # near fall
                    st.sampled_from(["none", "minor", "moderate", "severe"]),
                    st.booleans(),  # entered in error
                ),
                max_size=5,
            )
        ),
    }


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=patient_histories())
def test_database_follow_up_agrees_with_the_rules(history):
    clerk = UserFactory()
    patient = PatientFactory(reassessment_interval_weeks=history["interval"], status=history["status"])
    Patient.objects.filter(pk=patient.pk).update(
        created_at=local_moment(TODAY - timedelta(days=history["registered_days_ago"]), hour=0, minute=30)
    )
    patient.refresh_from_db()
    for days_ago, in_error in history["assessments"]:
        assessment = AssessmentFactory(patient=patient, assessed_on=TODAY - timedelta(days=days_ago))
        if in_error:
            assessment.mark_entered_in_error(by=clerk, reason="wrong patient")
    for days_ago, hour, near_fall, injury, in_error in history["falls"]:
        fall = FallFactory(
            patient=patient,
            occurred_at=local_moment(TODAY - timedelta(days=days_ago), hour),
            near_fall=near_fall,
            injury=injury,
        )
        if in_error:
            fall.mark_entered_in_error(by=clerk, reason="duplicate")
    assert database_follow_up(patient, TODAY) == python_follow_up(patient, TODAY)


@pytest.mark.django_db
def test_fall_window_uses_the_clinic_local_date_at_both_edges(settings):
    settings.TIME_ZONE = "Europe/London"
    patient = PatientFactory()
    oldest = TODAY - timedelta(days=182)
    FallFactory(patient=patient, occurred_at=local_moment(oldest, 0, 5))  # counts: 182 days ago
    FallFactory(
        patient=patient, occurred_at=local_moment(oldest - timedelta(days=1), 23, 55)
    )  # 183: does not
    FallFactory(patient=patient, occurred_at=local_moment(TODAY, 23, 55))  # today, late evening: counts
    row = with_follow_up(Patient.objects.all(), TODAY).get()
    assert row.falls_in_window == 2
    assert row.high_fall_risk is True
    assert python_follow_up(patient, TODAY)["falls_in_window"] == 2


@pytest.mark.django_db
def test_a_patient_list_with_follow_up_costs_one_query_whatever_its_size(django_assert_num_queries):
    for _ in range(5):
        patient = PatientFactory()
        AssessmentFactory(patient=patient)
        FallFactory(patient=patient)
    with django_assert_num_queries(1):
        rows = list(due_for_reassessment(with_follow_up(Patient.objects.all(), TODAY), TODAY))
    assert len(rows) == 0
    with django_assert_num_queries(1):
        assert len(list(with_follow_up(Patient.objects.all(), TODAY))) == 5
