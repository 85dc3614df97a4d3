"""Every clinical rule of SPEC §3 at its thresholds and one step either side."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from assessments.grades import MRC_SUM_GROUPS, MRCGrade, MuscleGroup, Side
from clinical_rules import rules
from clinical_rules.rules import AssessmentData, FallData, Score

TODAY = date(2026, 11, 22)
ANKLE_L = (MuscleGroup.ANKLE_DORSIFLEXION, Side.LEFT)
ANKLE_R = (MuscleGroup.ANKLE_DORSIFLEXION, Side.RIGHT)
GRIP_L = (MuscleGroup.GRIP, Side.LEFT)


def visit(day, grades=None, recorded=None, walk=None, weakness="unknown"):
    """An assessment on ``day`` with ``{(group, side): "4-"}`` grades."""
    scores = {item: Score(MRCGrade.from_label(label), weakness) for item, label in (grades or {}).items()}
    recorded = recorded if recorded is not None else day.toordinal()
    return AssessmentData(day, recorded, scores, Decimal(walk) if walk is not None else None)


def days_ago(n):
    return TODAY - timedelta(days=n)


# Rule 1: decline -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("before", "after", "declined"),
    [
        ("4-", "3-", True),  # exactly one whole grade (11 → 8 thirds)
        ("4", "3+", False),  # 12 → 10: two thirds, not a decline
        ("4", "3", True),
        ("4", "3-", True),  # more than one grade
        ("4-", "3", False),  # 11 → 9
        ("5", "4", True),  # 15 → 12
        ("5", "4+", False),  # 15 → 13
        ("2-", "1", False),  # 5 → 3: two thirds
        ("2", "1", True),  # 6 → 3
        ("1", "0", True),
        ("3", "4", False),  # improvement
        ("3", "3", False),
    ],
)
def test_decline_is_a_drop_of_at_least_one_whole_grade(before, after, declined):
    history = [visit(days_ago(90), {ANKLE_L: before}), visit(days_ago(1), {ANKLE_L: after})]
    found = rules.declines(history)
    assert bool(found) is declined
    if declined:
        assert found == [
            {
                "muscle_group": "ankle_dorsiflexion",
                "side": "left",
                "from_grade": before,
                "to_grade": after,
                "from_date": days_ago(90),
                "to_date": days_ago(1),
            }
        ]


def test_first_assessment_has_nothing_to_compare():
    assert rules.declines([visit(days_ago(1), {ANKLE_L: "0"})]) == []
    assert rules.declines([]) == []


def test_decline_compares_with_the_previous_assessment_that_graded_the_muscle():
    history = [
        visit(days_ago(300), {ANKLE_L: "5"}),
        visit(days_ago(200), {GRIP_L: "4"}),  # did not grade the ankle
        visit(days_ago(10), {ANKLE_L: "4", GRIP_L: "4"}),
    ]
    assert [(d["muscle_group"], d["from_date"]) for d in rules.declines(history)] == [
        ("ankle_dorsiflexion", days_ago(300))
    ]


def test_a_muscle_graded_before_but_not_in_the_latest_assessment_has_no_decline():
    history = [visit(days_ago(100), {ANKLE_L: "5"}), visit(days_ago(1), {GRIP_L: "5"})]
    assert rules.declines(history) == []


def test_of_two_assessments_on_the_same_day_the_one_recorded_later_is_latest():
    same_day = days_ago(3)
    history = [
        visit(days_ago(60), {ANKLE_L: "5"}),
        visit(same_day, {ANKLE_L: "3"}, recorded=20),
        visit(same_day, {ANKLE_L: "5"}, recorded=10),
    ]
    # The later record (grade 3) is the latest; compared with the earlier one of the same day.
    assert rules.declines(history)[0]["from_grade"] == "5"
    assert rules.declines(history)[0]["to_grade"] == "3"
    assert rules.guidance(history)[0]["muscle_group"] == "ankle_dorsiflexion"
    history_reordered = [history[2], history[0], history[1]]
    assert rules.declines(history_reordered) == rules.declines(history)


# Rule 2: MRC sum drop ------------------------------------------------------------------
def mrc_visit(day, whole_grades_total_drop=0, complete=True):
    """A complete MRC set at grade 5, with ``drop`` items lowered from 5 to 4 (1 point each)."""
    items = [(g, s) for g in MRC_SUM_GROUPS for s in Side]
    grades = {item: "4" if i < whole_grades_total_drop else "5" for i, item in enumerate(items)}
    if not complete:
        del grades[items[-1]]
    return visit(day, grades)


@pytest.mark.parametrize(("drop", "expected"), [(1, False), (2, True), (3, True), (0, False)])
def test_mrc_sum_drop_at_the_two_point_threshold(drop, expected, settings):
    settings.MRC_SUM_DROP_POINTS = 2
    history = [mrc_visit(days_ago(100)), mrc_visit(days_ago(1), drop)]
    assert rules.mrc_sum_dropped(history) is expected


def test_mrc_sum_drop_skips_incomplete_assessments(settings):
    settings.MRC_SUM_DROP_POINTS = 2
    history = [
        mrc_visit(days_ago(200)),
        mrc_visit(days_ago(100), 5, complete=False),
        mrc_visit(days_ago(1), 2),
    ]
    assert rules.mrc_sum_dropped(history) is True
    assert [p["score"] for p in rules.mrc_sum_series(history)] == [60, None, 58]


def test_mrc_sum_drop_threshold_is_a_setting(settings):
    settings.MRC_SUM_DROP_POINTS = 4
    history = [mrc_visit(days_ago(100)), mrc_visit(days_ago(1), 3)]
    assert rules.mrc_sum_dropped(history) is False
    assert rules.mrc_sum_dropped(history, threshold=3) is True


def test_mrc_sum_drop_needs_two_sums():
    assert rules.mrc_sum_dropped([mrc_visit(days_ago(1), 10)]) is False


# Rule 3: asymmetry ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("left", "right", "asymmetric"),
    [
        ("5", "3", True),
        ("5", "3+", False),
        ("4-", "2-", True),
        ("4-", "2", False),
        ("1", "4-", True),
        ("4", "4", False),
    ],
)
def test_asymmetry_is_two_whole_grades_or_more(left, right, asymmetric):
    found = rules.asymmetries([visit(days_ago(1), {ANKLE_L: left, ANKLE_R: right})])
    assert found == (
        [{"muscle_group": "ankle_dorsiflexion", "left": left, "right": right}] if asymmetric else []
    )


def test_asymmetry_needs_both_sides_and_looks_at_the_latest_assessment_only():
    history = [visit(days_ago(50), {ANKLE_L: "5", ANKLE_R: "1"}), visit(days_ago(1), {ANKLE_L: "5"})]
    assert rules.asymmetries(history) == []


# Rules 4 and 5: falls ------------------------------------------------------------------
@pytest.mark.parametrize(("age_days", "counts"), [(0, True), (182, True), (183, False), (-1, False)])
def test_fall_window_is_today_minus_182_days_to_today_inclusive(age_days, counts):
    falls = [FallData(days_ago(age_days))]
    assert len(rules.falls_in_window(falls, TODAY)) == (1 if counts else 0)


def test_near_falls_never_count_as_falls_but_are_counted_separately():
    falls = [FallData(days_ago(1), near_fall=True), FallData(days_ago(2), near_fall=True, injury="severe")]
    assert rules.falls_in_window(falls, TODAY) == []
    assert len(rules.near_falls_in_window(falls, TODAY)) == 2
    assert rules.high_fall_risk(falls, TODAY) is False


@pytest.mark.parametrize(("count", "rate"), [(0, "0.00"), (1, "0.17"), (2, "0.33"), (6, "1.00"), (7, "1.17")])
def test_fall_rate_per_month(count, rate):
    # count × 30.4375 / 182, by hand: 1 → 0.1672 → 0.17; 6 → 1.0034 → 1.00; 7 → 1.1707 → 1.17.
    assert rules.fall_rate_per_month(count) == Decimal(rate)


@pytest.mark.parametrize(
    ("falls", "high"),
    [
        ([FallData(days_ago(10))], False),
        ([FallData(days_ago(10)), FallData(days_ago(182))], True),
        ([FallData(days_ago(10)), FallData(days_ago(183))], False),
        ([FallData(days_ago(10), injury="minor")], False),
        ([FallData(days_ago(10), injury="moderate")], True),
        ([FallData(days_ago(182), injury="severe")], True),
        ([FallData(days_ago(183), injury="severe")], False),
        ([FallData(days_ago(10)), FallData(days_ago(11), near_fall=True)], False),
        ([], False),
    ],
)
def test_high_fall_risk(falls, high):
    assert rules.high_fall_risk(falls, TODAY) is high


# Rule 6: reassessment due --------------------------------------------------------------
def test_next_assessment_due_is_last_plus_interval_or_registration_date():
    assert rules.next_assessment_due(
        last_assessed_on=date(2026, 1, 1), registered_on=date(2025, 6, 1), interval_weeks=12
    ) == date(2026, 3, 26)
    assert rules.next_assessment_due(
        last_assessed_on=None, registered_on=date(2025, 6, 1), interval_weeks=12
    ) == date(2025, 6, 1)


@pytest.mark.parametrize(
    ("due_in_days", "status", "due"),
    [(7, "active", True), (8, "active", False), (-30, "active", True), (0, "discharged", False)],
)
def test_reassessment_due_a_week_ahead_for_active_patients(due_in_days, status, due):
    next_due = TODAY + timedelta(days=due_in_days)
    assert rules.reassessment_due(next_due=next_due, status=status, today=TODAY) is due


@pytest.mark.parametrize(
    ("due_in_days", "status", "overdue"),
    [(-1, "active", True), (-30, "active", True), (0, "active", False), (7, "active", False)]
    + [(-30, "discharged", False)],
)
def test_reassessment_overdue_once_the_due_date_has_passed(due_in_days, status, overdue):
    next_due = TODAY + timedelta(days=due_in_days)
    assert rules.reassessment_overdue(next_due=next_due, status=status, today=TODAY) is overdue


# Rule 7: referral overdue --------------------------------------------------------------
@pytest.mark.parametrize(
    ("status", "due_in_days", "overdue"),
    [
        ("sent", -1, True),
        ("sent", 0, False),  # due today is not yet overdue
        ("draft", -1, True),
        ("accepted", -30, True),
        ("seen", -30, False),
        ("closed", -30, False),
        ("declined", -30, False),
        ("cancelled", -30, False),
    ],
)
def test_referral_overdue(status, due_in_days, overdue):
    assert (
        rules.referral_overdue(status=status, due_by=TODAY + timedelta(days=due_in_days), today=TODAY)
        is overdue
    )


# Rule 8: device review due -------------------------------------------------------------
@pytest.mark.parametrize(
    ("status", "due_in_days", "due"),
    [("active", 7, True), ("active", 8, False), ("active", -3, True), ("discontinued", 0, False)],
)
def test_device_review_due(status, due_in_days, due):
    review = TODAY + timedelta(days=due_in_days)
    assert rules.device_review_due(status=status, review_due_on=review, today=TODAY) is due


# Rule 9: walking slowed ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("before", "after", "slowed"),
    [("10.00", "12.00", True), ("10.00", "11.99", False), ("10.00", "15.00", True), ("6.25", "7.50", True)],
)
def test_walking_slowed_at_exactly_twenty_percent(before, after, slowed):
    history = [visit(days_ago(100), walk=before), visit(days_ago(1), walk=after)]
    assert rules.walking_slowed(history) is slowed


def test_walking_slowed_compares_the_last_two_recorded_walks():
    history = [visit(days_ago(200), walk="10"), visit(days_ago(100)), visit(days_ago(1), walk="12")]
    assert rules.walking_slowed(history) is True
    assert rules.walking_slowed([visit(days_ago(1), walk="30")]) is False


# Rule 10: guidance ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("weakness", "words"),
    [
        ("primary", ["regular use", "avoid resistance exercise to fatigue", "surrounding muscles"]),
        ("secondary", ["progressive resistance training", "physiotherapist"]),
        ("mixed", ["physiotherapy assessment", "cause"]),
        ("unknown", ["physiotherapy assessment", "cause"]),
    ],
)
def test_guidance_follows_the_weakness_type_of_each_muscle_side(weakness, words):
    history = [
        visit(days_ago(40), {ANKLE_L: "4"}, weakness="secondary"),
        visit(days_ago(1), {ANKLE_L: "3"}, weakness=weakness),
    ]
    (advice,) = rules.guidance(history)
    assert (advice["muscle_group"], advice["side"], advice["weakness_type"]) == (
        "ankle_dorsiflexion",
        "left",
        weakness,
    )
    for word in words:
        assert word in advice["text"].lower()
