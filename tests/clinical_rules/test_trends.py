"""The trends of a patient, from the database through the rules module."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from assessments.grades import MRC_SUM_ITEMS, MuscleGroup, Side
from clinical_rules.trends import patient_trends
from tests.factories import FallFactory, PatientFactory, UserFactory, assessment_with_grades, full_grades

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 22)
ANKLE_L = (MuscleGroup.ANKLE_DORSIFLEXION, Side.LEFT)
ANKLE_R = (MuscleGroup.ANKLE_DORSIFLEXION, Side.RIGHT)


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
    # Guidance only below grade 5: the left ankle.
    assert [(g["muscle_group"], g["side"]) for g in trends["guidance"]] == [ANKLE_L]
    # The best of the year before 1 Nov is the 4 of 1 Jun (153 days before): 12 → 8 thirds.
    assert trends["declines_from_best"] == [
        {
            "muscle_group": "ankle_dorsiflexion",
            "side": "left",
            "best_grade": "4",
            "best_date": date(2026, 6, 1),
            "to_grade": "3-",
            "to_date": date(2026, 11, 1),
        }
    ]
    assert trends["mrc_sum_drop_from_best"] is False  # 59 → 58
    assert trends["improvements"] == []
    assert trends["edss"] == []
    assert trends["edss_worsening"] is False
    assert trends["timed_25ft_walk"] == [
        {"assessed_on": date(2026, 6, 1), "seconds": Decimal("8.00")},
        {"assessed_on": date(2026, 11, 1), "seconds": Decimal("9.60")},
    ]


def test_a_slow_slide_with_a_re_test_from_the_database(settings):
    """The issue's left ankle, 4 → 3+ → 3- → 2- → 1 over 23 months, re-tested four days later."""
    settings.MRC_SUM_DROP_POINTS = 2
    patient = PatientFactory()
    others = {item: "5" for item in MRC_SUM_ITEMS} | {ANKLE_R: "4"}
    for day, left, edss in [
        (date(2024, 12, 20), "4", "3.5"),
        (date(2025, 6, 10), "3+", None),
        (date(2025, 11, 28), "3-", "3.5"),
        (date(2026, 5, 20), "2-", None),
        (date(2026, 11, 14), "1", "4.5"),
        (date(2026, 11, 18), "1", None),  # the re-test
    ]:
        assessment_with_grades(patient, day, others | {ANKLE_L: left}, edss=edss)

    trends = patient_trends(patient, today=TODAY)

    assert trends["declines"] == []  # 1 → 1 at the re-test
    # The year before 18 Nov 2026 starts on 18 Nov 2025: it holds the 3- of 28 Nov 2025, not the 3+.
    assert trends["declines_from_best"] == [
        {
            "muscle_group": "ankle_dorsiflexion",
            "side": "left",
            "best_grade": "3-",
            "best_date": date(2025, 11, 28),
            "to_grade": "1",
            "to_date": date(2026, 11, 18),
        }
    ]
    # Whole grades of the left ankle 4, 3, 3, 2, 1, 1; the right ankle 4 and ten items at 5.
    assert [p["score"] for p in trends["mrc_sum"]] == [58, 57, 57, 56, 55, 55]
    assert trends["mrc_sum_drop"] is False  # 55 → 55
    assert trends["mrc_sum_drop_from_best"] is True  # 57 (28 Nov 2025) → 55
    # The re-test recorded no EDSS: the last two recorded are 3.5 → 4.5, a whole point from 3.5.
    assert trends["edss"] == [
        {"assessed_on": date(2024, 12, 20), "edss": Decimal("3.5")},
        {"assessed_on": date(2025, 11, 28), "edss": Decimal("3.5")},
        {"assessed_on": date(2026, 11, 14), "edss": Decimal("4.5")},
    ]
    assert trends["edss_worsening"] is True
    assert trends["improvements"] == []


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
    # assessments with their scores, their spasticity, medication events, plans, falls, the last
    # review with whether the latest is reviewed, the AFO and FES sides
    with django_assert_num_queries(7):
        patient_trends(patient, today=TODAY)
