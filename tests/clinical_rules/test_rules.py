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


def visit(day, grades=None, recorded=None, walk=None, weakness="unknown", edss=None):
    """An assessment on ``day`` with ``{(group, side): "4-"}`` grades."""
    scores = {item: Score(MRCGrade.from_label(label), weakness) for item, label in (grades or {}).items()}
    recorded = recorded if recorded is not None else day.toordinal()
    return AssessmentData(
        day,
        recorded,
        scores,
        Decimal(walk) if walk is not None else None,
        Decimal(edss) if edss is not None else None,
    )


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


@pytest.mark.parametrize(("grade", "guided"), [("5", False), ("4+", True), ("0", True)])
def test_guidance_only_below_grade_5(grade, guided):
    history = [visit(days_ago(1), {ANKLE_L: grade}, weakness="secondary")]
    assert len(rules.guidance(history)) == (1 if guided else 0)


def test_guidance_is_weakest_first_then_head_to_toe_then_left_before_right():
    shoulder, wrist, grip = MuscleGroup.SHOULDER_ABDUCTION, MuscleGroup.WRIST_EXTENSION, MuscleGroup.GRIP
    plantar = MuscleGroup.ANKLE_PLANTARFLEXION
    latest = {
        (grip, Side.LEFT): "4",
        (plantar, Side.LEFT): "4",
        (shoulder, Side.RIGHT): "4",
        (wrist, Side.RIGHT): "4",
        (shoulder, Side.LEFT): "4",
        ANKLE_R: "2-",
        ANKLE_L: "3",
        (MuscleGroup.KNEE_EXTENSION, Side.RIGHT): "5",
    }
    order = [(g["muscle_group"], g["side"]) for g in rules.guidance([visit(days_ago(1), latest)])]
    # 2- (5 thirds), 3 (9), then the 4s head to toe — wrist before grip and the ankle last,
    # though the alphabet would put them the other way round — left before right.
    assert order == [
        ANKLE_R,
        ANKLE_L,
        (shoulder, Side.LEFT),
        (shoulder, Side.RIGHT),
        (wrist, Side.RIGHT),
        (grip, Side.LEFT),
        (plantar, Side.LEFT),
    ]


def test_guidance_is_of_the_latest_assessment_only():
    history = [visit(days_ago(40), {ANKLE_L: "2", GRIP_L: "3"}), visit(days_ago(1), {ANKLE_L: "5"})]
    assert rules.guidance(history) == []


# Rule 11: decline from best ------------------------------------------------------------
def best_finding(best, best_days_ago, to, to_days_ago=1, item=ANKLE_L):
    return {
        "muscle_group": item[0],
        "side": item[1],
        "best_grade": best,
        "best_date": days_ago(best_days_ago),
        "to_grade": to,
        "to_date": days_ago(to_days_ago),
    }


@pytest.mark.parametrize(
    ("best", "latest", "declined"),
    [
        ("4", "3", True),  # 12 → 9: exactly 3 thirds
        ("4", "3+", False),  # 12 → 10: 2 thirds
        ("4", "3-", True),
        ("5", "4", True),
        ("5", "4+", False),
        ("2", "1", True),
        ("2-", "1", False),
        ("3", "4", False),
    ],
)
def test_decline_from_best_is_at_least_one_whole_grade_below_the_best(best, latest, declined):
    history = [visit(days_ago(200), {ANKLE_L: best}), visit(days_ago(1), {ANKLE_L: latest})]
    assert rules.declines_from_best(history) == ([best_finding(best, 200, latest)] if declined else [])


@pytest.mark.parametrize(("age", "counts"), [(364, True), (365, True), (366, False)])
def test_the_best_is_looked_for_from_365_days_before_the_latest_both_included(age, counts):
    # Ages from the latest assessment (1 day ago): the best is ``age`` days older than it.
    history = [
        visit(days_ago(1 + age), {ANKLE_L: "5"}),
        visit(days_ago(100), {ANKLE_L: "4"}),
        visit(days_ago(1), {ANKLE_L: "3+"}),
    ]
    # Inside the window the best is the 5 (15 → 10 thirds); outside, the 4 (12 → 10) is too close.
    expected = [best_finding("5", 1 + age, "3+")] if counts else []
    assert rules.declines_from_best(history) == expected


def test_a_best_recorded_twice_is_dated_the_later_time():
    history = [
        visit(days_ago(300), {ANKLE_L: "4"}),
        visit(days_ago(200), {ANKLE_L: "4-"}),
        visit(days_ago(100), {ANKLE_L: "4"}),
        visit(days_ago(50), {ANKLE_L: "3+"}),
        visit(days_ago(1), {ANKLE_L: "3"}),
    ]
    assert rules.declines_from_best(history) == [best_finding("4", 100, "3")]


def slow_slide(days_before_latest=(700, 525, 350, 175, 0), latest_days_ago=1):
    """The issue's left ankle: 4 → 3+ → 3- → 2- → 1 over 23 months, no step a whole grade
    but the last but one (3- → 2-, 3 thirds) and the last only 2 thirds (2- → 1)."""
    return [
        visit(days_ago(latest_days_ago + before), {ANKLE_L: grade})
        for before, grade in zip(days_before_latest, ["4", "3+", "3-", "2-", "1"], strict=True)
    ]


def test_a_slow_slide_is_a_decline_from_best_though_not_a_decline():
    history = slow_slide()
    assert rules.declines(history) == []  # 2- → 1: two thirds
    # The year before the latest holds the 3- (350 days before) and the 2- (175): best 3-, 8 → 3 thirds.
    assert rules.declines_from_best(history) == [best_finding("3-", 351, "1")]


def test_a_re_test_four_days_later_does_not_hide_the_decline_from_best():
    history = [*slow_slide(latest_days_ago=5), visit(days_ago(1), {ANKLE_L: "1"})]
    assert rules.declines(history) == []  # 1 → 1
    assert rules.declines_from_best(history) == [best_finding("3-", 355, "1")]


def test_the_best_comes_from_assessments_before_the_latest_even_on_its_day():
    same_day = days_ago(1)
    history = [
        visit(same_day, {ANKLE_L: "5"}, recorded=10),
        visit(same_day, {ANKLE_L: "4-"}, recorded=20),  # recorded last: the latest
    ]
    assert rules.declines_from_best(history) == [best_finding("5", 1, "4-")]
    assert rules.declines_from_best(list(reversed(history))) == rules.declines_from_best(history)


def test_no_decline_from_best_without_an_earlier_grading_in_the_window():
    assert rules.declines_from_best([]) == []
    assert rules.declines_from_best([visit(days_ago(1), {ANKLE_L: "1"})]) == []
    history = [visit(days_ago(100), {GRIP_L: "5"}), visit(days_ago(1), {ANKLE_L: "1", GRIP_L: "5"})]
    assert rules.declines_from_best(history) == []


# Rule 12: MRC sum drop from best -------------------------------------------------------
def sums(drops):
    """MRC sum points ``{days ago: sum}`` as ``mrc_sum_series`` gives them, oldest first."""
    return rules.mrc_sum_series([mrc_visit(days_ago(age), drop) for age, drop in drops.items()])


@pytest.mark.parametrize(("drop", "expected"), [(1, False), (2, True), (3, True)])
def test_mrc_sum_drop_from_best_at_the_two_point_threshold(drop, expected, settings):
    settings.MRC_SUM_DROP_POINTS = 2
    found = rules.mrc_sum_drop_from_best(sums({300: 0, 100: 1, 1: drop}))
    assert found == (
        {"best_score": 60, "best_date": days_ago(300), "to_score": 60 - drop, "to_date": days_ago(1)}
        if expected
        else None
    )


@pytest.mark.parametrize(("age", "counts"), [(365, True), (366, False)])
def test_mrc_sum_best_is_looked_for_in_the_365_days_before_the_latest(age, counts, settings):
    settings.MRC_SUM_DROP_POINTS = 2
    found = rules.mrc_sum_drop_from_best(sums({1 + age: 0, 100: 1, 1: 2}))
    # 60 inside the window: 60 → 58. Outside it the best is the 59: one point.
    assert (found is not None) is counts


def test_a_slow_mrc_sum_slide_drops_from_best_though_not_from_the_previous(settings):
    settings.MRC_SUM_DROP_POINTS = 2
    history = [mrc_visit(days_ago(age), drop) for age, drop in {400: 0, 300: 2, 200: 3, 1: 4}.items()]
    assert rules.mrc_sum_dropped(history) is False  # 57 → 56
    assert rules.mrc_sum_drop_from_best(rules.mrc_sum_series(history)) == {
        "best_score": 58,  # the 60 of 400 days ago is outside the year
        "best_date": days_ago(300),
        "to_score": 56,
        "to_date": days_ago(1),
    }


def test_mrc_sum_drop_from_best_skips_incomplete_sums_and_dates_a_repeated_best_the_later_time(settings):
    settings.MRC_SUM_DROP_POINTS = 2
    history = [
        mrc_visit(days_ago(300), 1),
        mrc_visit(days_ago(200), 3),
        mrc_visit(days_ago(100), 1),
        mrc_visit(days_ago(50), 3),
        mrc_visit(days_ago(1), 0, complete=False),  # no sum: the latest sum is the one before
    ]
    # The latest sum, 57 (50 days ago), against the best of the year before it: 59, twice.
    assert rules.mrc_sum_drop_from_best(rules.mrc_sum_series(history)) == {
        "best_score": 59,
        "best_date": days_ago(100),
        "to_score": 57,
        "to_date": days_ago(50),
    }


def test_mrc_sum_drop_from_best_threshold_is_a_setting(settings):
    settings.MRC_SUM_DROP_POINTS = 4
    series = sums({100: 0, 1: 3})
    assert rules.mrc_sum_drop_from_best(series) is None
    assert rules.mrc_sum_drop_from_best(series, threshold=3) is not None


def test_mrc_sum_drop_from_best_needs_two_sums():
    assert rules.mrc_sum_drop_from_best(sums({1: 10})) is None
    assert rules.mrc_sum_drop_from_best([]) is None


# Rule 13: improvement ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("before", "after", "improved"),
    [
        ("3-", "4-", True),  # 8 → 11: exactly 3 thirds
        ("3", "4-", False),  # 9 → 11: 2 thirds
        ("4", "5", True),
        ("4+", "5", False),
        ("0", "1", True),
        ("1", "2-", False),
        ("2-", "3-", True),
        ("4", "3", False),  # a decline
        ("4", "4", False),
    ],
)
def test_improvement_is_a_rise_of_at_least_one_whole_grade(before, after, improved):
    history = [visit(days_ago(90), {ANKLE_L: before}), visit(days_ago(1), {ANKLE_L: after})]
    found = rules.improvements(history)
    assert found == (
        [
            {
                "muscle_group": "ankle_dorsiflexion",
                "side": "left",
                "from_grade": before,
                "to_grade": after,
                "from_date": days_ago(90),
                "to_date": days_ago(1),
            }
        ]
        if improved
        else []
    )


def test_improvement_compares_with_the_previous_assessment_that_graded_the_muscle():
    history = [
        visit(days_ago(300), {ANKLE_L: "2"}),
        visit(days_ago(200), {GRIP_L: "4"}),
        visit(days_ago(10), {ANKLE_L: "3", GRIP_L: "4"}),
    ]
    assert [(i["muscle_group"], i["from_date"]) for i in rules.improvements(history)] == [
        ("ankle_dorsiflexion", days_ago(300))
    ]
    assert rules.improvements([visit(days_ago(1), {ANKLE_L: "5"})]) == []


# Rule 14: EDSS worsening ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("previous", "latest", "worse"),
    [
        ("0", "1.5", True),  # from 0: 1.5 or more
        ("0", "1.0", False),
        ("0.5", "1.5", True),  # from 0.5 to 5.5: 1.0 or more
        ("0.5", "1.0", False),
        ("1.0", "2.0", True),
        ("1.0", "1.5", False),
        ("5.5", "6.5", True),
        ("5.5", "6.0", False),
        ("6.0", "6.5", True),  # from 6.0: 0.5 or more
        ("6.0", "6.0", False),
        ("6.5", "7.0", True),
        ("9.5", "10", True),
        ("4.0", "3.0", False),  # better
    ],
)
def test_edss_worsening_by_tier_of_the_previous_score(previous, latest, worse):
    history = [visit(days_ago(200), edss=previous), visit(days_ago(1), edss=latest)]
    assert rules.edss_worsened(history) is worse


def test_edss_worsening_compares_the_last_two_recorded_scores():
    history = [visit(days_ago(300), edss="3.0"), visit(days_ago(200)), visit(days_ago(1), edss="4.0")]
    assert rules.edss_worsened(history) is True
    assert rules.edss_series(history) == [
        {"assessed_on": days_ago(300), "edss": Decimal("3.0")},
        {"assessed_on": days_ago(1), "edss": Decimal("4.0")},
    ]
    assert rules.edss_worsened([visit(days_ago(1), edss="9.0")]) is False
    assert rules.edss_worsened([]) is False


def test_the_timed_walk_series_is_the_recorded_walks_oldest_first():
    history = [visit(days_ago(1), walk="9.50"), visit(days_ago(100)), visit(days_ago(200), walk="8.40")]
    assert rules.timed_walk_series(history) == [
        {"assessed_on": days_ago(200), "seconds": Decimal("8.40")},
        {"assessed_on": days_ago(1), "seconds": Decimal("9.50")},
    ]


# Rule 18: strength review due --------------------------------------------------------------
@pytest.mark.parametrize(
    ("history", "calls_for_review"),
    [
        ([visit(days_ago(30), {ANKLE_L: "4"}), visit(TODAY, {ANKLE_L: "3"})], True),  # rule 1
        ([visit(days_ago(30), {ANKLE_L: "4"}), visit(TODAY, {ANKLE_L: "3+"})], False),  # a third short
        ([visit(days_ago(30), {ANKLE_L: "3"}), visit(TODAY, {ANKLE_L: "4"})], False),  # improvement only
        (
            [
                visit(days_ago(60), {ANKLE_L: "4"}),
                visit(days_ago(30), {ANKLE_L: "4-"}),
                visit(TODAY, {ANKLE_L: "3"}),
            ],
            True,  # rule 11 alone: 12 → 9 from the best, 11 → 9 from the previous
        ),
        ([visit(days_ago(30), walk="10.0"), visit(TODAY, walk="12.0")], True),  # rule 9 at 20%
        ([visit(days_ago(30), walk="10.0"), visit(TODAY, walk="11.99")], False),
        ([visit(days_ago(30), edss="3.0"), visit(TODAY, edss="4.0")], True),  # rule 14
        ([visit(days_ago(30), edss="3.0"), visit(TODAY, edss="3.5")], False),
        ([visit(TODAY, {ANKLE_L: "1"})], False),  # a first assessment compares with nothing
    ],
)
def test_findings_call_for_review_under_rules_1_2_9_11_12_14_but_not_13(history, calls_for_review):
    assert rules.findings(history).call_for_review is calls_for_review


def test_mrc_sum_drops_call_for_review(settings):
    settings.MRC_SUM_DROP_POINTS = 2
    full = {(group, side): "5" for group in MRC_SUM_GROUPS for side in Side}
    dropped = {**full, (MuscleGroup.GRIP, Side.LEFT): "3", ANKLE_L: "4+"}  # grip is not in the sum
    assert not rules.findings([visit(days_ago(30), full), visit(TODAY, dropped)]).call_for_review
    two_down = {**full, ANKLE_L: "4+", ANKLE_R: "4+"}  # whole grades 4 + 4: the sum 60 → 58
    found = rules.findings([visit(days_ago(30), full), visit(TODAY, two_down)])
    assert (found.mrc_sum_drop, found.mrc_sum_drop_from_best, found.decline) == (True, True, False)
    assert found.call_for_review


@pytest.mark.parametrize(
    ("status", "reviewed", "due"),
    [("active", False, True), ("active", True, False), ("discharged", False, False)],
)
def test_a_strength_review_is_due_for_an_active_patient_whose_findings_nobody_reviewed(status, reviewed, due):
    declined = rules.findings([visit(days_ago(30), {ANKLE_L: "4"}), visit(TODAY, {ANKLE_L: "3"})])
    assert rules.strength_review_due(declined, patient_status=status, reviewed=reviewed) is due
    assert not rules.strength_review_due(rules.Findings(), patient_status=status, reviewed=reviewed)


def test_each_assessments_findings_are_as_of_the_day_it_was_the_latest():
    first = visit(days_ago(60), {ANKLE_L: "4"}, edss="3.0")
    second = visit(days_ago(30), {ANKLE_L: "3"}, edss="3.0")
    third = visit(TODAY, {ANKLE_L: "4"}, edss="4.0")
    assert rules.findings_of_each([third, first, second]) == [
        (first, rules.Findings()),
        (second, rules.Findings(decline=True, decline_from_best=True)),
        (third, rules.Findings(improvement=True, edss_worsening=True)),
    ]


# Trend review: findings new since the last review --------------------------------------
GRIP_R = (MuscleGroup.GRIP, Side.RIGHT)
BASE = visit(days_ago(300), {ANKLE_L: "5", GRIP_L: "4"}, walk="8.0", edss="3.5")
ANKLE_DOWN = visit(days_ago(200), {ANKLE_L: "4", GRIP_L: "4"}, walk="8.0", edss="3.5")
RECOVERED = visit(days_ago(150), {ANKLE_L: "5", GRIP_L: "4"}, walk="8.0", edss="3.5")
# Each of these is the latest after ANKLE_DOWN; the left ankle stays a whole grade below its best.
ANKLE_DOWN_AGAIN = visit(days_ago(100), {ANKLE_L: "3", GRIP_L: "4"}, walk="8.0", edss="3.5")
GRIP_DOWN = visit(days_ago(100), {ANKLE_L: "4", GRIP_L: "3"}, walk="8.0", edss="3.5")
GRIP_UP = visit(days_ago(100), {ANKLE_L: "4", GRIP_L: "5"}, walk="8.0", edss="3.5")
WALK_AND_EDSS_WORSE = visit(days_ago(100), {ANKLE_L: "4", GRIP_L: "4"}, walk="10.0", edss="5.0")
GRIPS_APART = visit(days_ago(100), {ANKLE_L: "4", GRIP_L: "4", GRIP_R: "2"}, walk="8.0", edss="3.5")


def mrc_sum_visit(day, lowered):
    """A complete MRC set at 5 with ``lowered`` items at 4+: a point off the sum each, no decline."""
    items = [(g, s) for g in MRC_SUM_GROUPS for s in Side]
    return visit(day, {item: "4+" if i < lowered else "5" for i, item in enumerate(items)})


MRC_60 = mrc_sum_visit(days_ago(300), 0)
MRC_58 = mrc_sum_visit(days_ago(200), 2)
MRC_58_AGAIN = mrc_sum_visit(days_ago(100), 2)

ANKLE_DECLINE = {("decline", ANKLE_L[0], "left"), ("decline_from_best", ANKLE_L[0], "left")}
NOT_AMONG_THEM = -1


@pytest.mark.parametrize(
    ("history", "reviewed", "new"),
    [
        pytest.param([BASE, ANKLE_DOWN], None, ANKLE_DECLINE, id="never reviewed: all new"),
        pytest.param([BASE, ANKLE_DOWN], ANKLE_DOWN, set(), id="the latest reviewed: none new"),
        pytest.param([BASE, ANKLE_DOWN], BASE, ANKLE_DECLINE, id="reviewed before the decline"),
        pytest.param([BASE, ANKLE_DOWN], NOT_AMONG_THEM, ANKLE_DECLINE, id="review of another assessment"),
        pytest.param(
            [BASE, ANKLE_DOWN, ANKLE_DOWN_AGAIN], ANKLE_DOWN, set(), id="same muscle-side declining again"
        ),
        pytest.param(
            [ANKLE_DOWN_AGAIN, BASE, ANKLE_DOWN], ANKLE_DOWN, set(), id="in any order, chronological"
        ),
        pytest.param(
            [BASE, ANKLE_DOWN, GRIP_DOWN],
            ANKLE_DOWN,
            {("decline", "grip", "left"), ("decline_from_best", "grip", "left")},
            id="another muscle-side declining",
        ),
        pytest.param(
            [BASE, ANKLE_DOWN, GRIP_UP], ANKLE_DOWN, {("improvement", "grip", "left")}, id="an improvement"
        ),
        pytest.param(
            [BASE, ANKLE_DOWN, WALK_AND_EDSS_WORSE],
            ANKLE_DOWN,
            {("walking_slowed", None, None), ("edss_worsening", None, None)},
            id="walking slowed and EDSS worsening",
        ),
        pytest.param(
            [BASE, ANKLE_DOWN, GRIPS_APART], ANKLE_DOWN, {("asymmetry", "grip", None)}, id="an asymmetry"
        ),
        pytest.param(
            [BASE, ANKLE_DOWN, RECOVERED, ANKLE_DOWN_AGAIN],
            RECOVERED,
            ANKLE_DECLINE,
            id="gone when reviewed, back since",
        ),
        pytest.param(
            [MRC_60, MRC_58],
            MRC_60,
            {("mrc_sum_drop", None, None), ("mrc_sum_drop_from_best", None, None)},
            id="an MRC sum drop",
        ),
        pytest.param([MRC_60, MRC_58, MRC_58_AGAIN], MRC_58, set(), id="the MRC sum still below its best"),
    ],
)
def test_findings_new_since_the_last_review(history, reviewed, new, settings):
    settings.MRC_SUM_DROP_POINTS = 2
    recorded = reviewed.recorded if isinstance(reviewed, AssessmentData) else reviewed
    assert rules.findings_new_since_review(history, recorded) == new


def test_findings_new_since_review_of_no_assessments():
    assert rules.findings_new_since_review([], None) == set()
