"""The trends of a patient, from the database through the rules module."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from assessments.grades import MuscleGroup, Side
from clinical_rules.trends import patient_trends
from tests.factories import FallFactory, PatientFactory, UserFactory, assessment_with_grades, full_grades

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 22)
ANKLE_L = (MuscleGroup.ANKLE_DORSIFLEXION, Side.LEFT)


def fall(patient, days_ago, **kwargs):
    moment = timezone.make_aware(datetime.combine(TODAY - timedelta(days=days_ago), time(10)))
    return FallFactory(patient=patient, occurred_at=moment, **kwargs)


def test_trends_of_a_declining_patient():
    patient = PatientFactory(reassessment_interval_weeks=12)
    first = full_grades("5") | {ANKLE_L: "4"}
    second = full_grades("5") | {ANKLE_L: "3-"}
    assessment_with_grades(patient, date(2026, 6, 1), first, timed_25ft_walk_seconds="8.00")
    assessment_with_grades(patient, date(2026, 11, 1), second, timed_25ft_walk_seconds="9.60")
    fall(patient, 10)
    fall(patient, 100, injury="minor")
    fall(patient, 20, near_fall=True)

    trends = patient_trends(patient, today=TODAY)

    ankle = next(s for s in trends["series"] if (s["muscle_group"], s["side"]) == ANKLE_L)
    assert ankle["points"] == [
        {"assessed_on": date(2026, 6, 1), "grade": "4", "thirds": 12},
        {"assessed_on": date(2026, 11, 1), "grade": "3-", "thirds": 8},
    ]
    assert len(trends["series"]) == 24
    # MRC sum by hand: 11 items at 5 and the left ankle at 4, then at 3 (whole grade of 3-).
    assert trends["mrc_sum"] == [
        {"assessed_on": date(2026, 6, 1), "score": 59},
        {"assessed_on": date(2026, 11, 1), "score": 58},
    ]
    assert trends["mrc_sum_drop"] is False  # 1 point < 2
    assert trends["declines"] == [
        {
            "muscle_group": "ankle_dorsiflexion",
            "side": "left",
            "from_grade": "4",
            "to_grade": "3-",
            "from_date": date(2026, 6, 1),
            "to_date": date(2026, 11, 1),
        }
    ]
    # Left 3- (8 thirds) against right 5 (15 thirds): 7 thirds apart.
    assert trends["asymmetries"] == [{"muscle_group": "ankle_dorsiflexion", "left": "3-", "right": "5"}]
    assert trends["walking_slowed"] is True  # 9.60 = 8.00 × 1.2 exactly
    assert trends["falls_in_window"] == 2
    assert trends["near_falls_in_window"] == 1
    assert trends["fall_rate_per_month"] == Decimal("0.33")  # 2 × 30.4375 / 182 = 0.3345
    assert trends["high_fall_risk"] is True
    assert trends["next_assessment_due"] == date(2027, 1, 24)  # 1 Nov + 84 days
    assert len(trends["guidance"]) == 24


def test_entered_in_error_records_take_no_part():
    clerk = UserFactory()
    patient = PatientFactory()
    assessment_with_grades(patient, date(2026, 6, 1), {ANKLE_L: "5"})
    wrong = assessment_with_grades(patient, date(2026, 11, 1), {ANKLE_L: "2"}, timed_25ft_walk_seconds="20")
    wrong.mark_entered_in_error(by=clerk, reason="wrong patient")
    for days_ago in (5, 6):
        fall(patient, days_ago).mark_entered_in_error(by=clerk, reason="duplicate")

    trends = patient_trends(patient, today=TODAY)

    assert trends["declines"] == []
    assert trends["series"][0]["points"] == [{"assessed_on": date(2026, 6, 1), "grade": "5", "thirds": 15}]
    assert trends["falls_in_window"] == 0
    assert trends["high_fall_risk"] is False


def test_a_patient_with_no_records_is_due_from_registration():
    patient = PatientFactory()
    trends = patient_trends(patient, today=TODAY)
    assert trends["series"] == trends["declines"] == trends["guidance"] == []
    assert trends["next_assessment_due"] == timezone.localdate(patient.created_at)
    assert trends["fall_rate_per_month"] == Decimal("0.00")


def test_trends_cost_a_fixed_number_of_queries(django_assert_num_queries):
    patient = PatientFactory()
    for month in range(1, 9):
        assessment_with_grades(patient, date(2026, month, 1), full_grades("4"))
        fall(patient, month * 7)
    with django_assert_num_queries(2):  # assessments with their scores, falls
        patient_trends(patient, today=TODAY)
