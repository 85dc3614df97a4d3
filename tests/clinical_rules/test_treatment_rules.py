"""Rules 15, 16, 17, 19 and 20 and the current medications, each at its threshold and one step
either side."""

from datetime import date, timedelta

import pytest

from assessments.grades import MRC_SUM_ITEMS, MASGrade, MRCGrade, WeaknessType
from clinical_rules import rules
from clinical_rules.rules import AssessmentData, MedicationData, PlanData, Score

TODAY = date(2026, 11, 22)
PREVIOUS = date(2026, 6, 1)
LATEST = date(2026, 9, 1)


def mas(label):
    return MASGrade.from_label(label)


def spastic(day, recorded, items, scores=None):
    return AssessmentData(
        assessed_on=day,
        recorded=recorded,
        scores=scores or {},
        spasticity={k: mas(v) for k, v in items.items()},
    )


def graded(day, recorded, grades, weakness=WeaknessType.UNKNOWN):
    return AssessmentData(
        assessed_on=day,
        recorded=recorded,
        scores={item: Score(MRCGrade.from_label(label), weakness) for item, label in grades.items()},
    )


KNEE_L = ("knee_flexion", "left")


# Rule 15 ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("before", "after", "increase"),
    [
        ("1", "1", False),  # no change
        ("1", "1+", True),  # one step: the threshold
        ("1+", "1", False),  # one step down
        ("1", "2", True),  # two steps
        ("0", "1", True),
        ("3", "4", True),
        ("4", "3", False),
    ],
)
def test_spasticity_increase_is_one_step_or_more(before, after, increase):
    assessments = [spastic(PREVIOUS, 1, {KNEE_L: before}), spastic(LATEST, 2, {KNEE_L: after})]
    found = rules.spasticity_increases(assessments)
    assert bool(found) is increase
    if increase:
        assert found == [
            {
                "muscle_group": "knee_flexion",
                "side": "left",
                "from_mas": before,
                "to_mas": after,
                "from_date": PREVIOUS,
                "to_date": LATEST,
            }
        ]
    assert rules.findings(assessments).spasticity_increase is increase


def test_spasticity_compares_the_assessments_that_recorded_it_for_that_muscle_side():
    other = ("elbow_flexion", "right")
    assessments = [
        spastic(date(2026, 1, 1), 1, {KNEE_L: "1"}),
        spastic(PREVIOUS, 2, {other: "0"}),  # did not record the knee
        spastic(LATEST, 3, {KNEE_L: "2", other: "0"}),
        graded(TODAY, 4, {KNEE_L: "4"}),  # the latest assessment recorded no spasticity at all
    ]
    assert rules.spasticity_increases(assessments) == [
        {
            "muscle_group": "knee_flexion",
            "side": "left",
            "from_mas": "1",
            "to_mas": "2",
            "from_date": date(2026, 1, 1),
            "to_date": LATEST,
        }
    ]


def test_a_first_spasticity_score_is_no_increase():
    assert rules.spasticity_increases([spastic(LATEST, 1, {KNEE_L: "4"})]) == []
    assert rules.spasticity_increases([]) == []


def test_the_spasticity_series_gives_label_and_step():
    series = rules.spasticity_series(
        [spastic(LATEST, 2, {KNEE_L: "1+"}), spastic(PREVIOUS, 1, {KNEE_L: "0"})]
    )
    assert series == [
        {
            "muscle_group": "knee_flexion",
            "side": "left",
            "points": [
                {"assessed_on": PREVIOUS, "mas": "0", "step": 0},
                {"assessed_on": LATEST, "mas": "1+", "step": 2},
            ],
        }
    ]


# Rule 16 ------------------------------------------------------------------------------------
DECLINED = [graded(PREVIOUS, 1, {KNEE_L: "4"}), graded(LATEST, 2, {KNEE_L: "3"})]
STEADY = [graded(PREVIOUS, 1, {KNEE_L: "4"}), graded(LATEST, 2, {KNEE_L: "4-"})]


def event(day, drug="baclofen", kind="increase", recorded=10):
    return MedicationData(drug=drug, event=kind, occurred_on=day, recorded=recorded, dose="20 mg tds")


@pytest.mark.parametrize(
    ("day", "listed"),
    [
        (PREVIOUS - timedelta(days=1), False),
        (PREVIOUS, False),  # on the day of the previous assessment: before it
        (PREVIOUS + timedelta(days=1), True),
        (LATEST - timedelta(days=1), True),
        (LATEST, True),  # on the day of the latest assessment: counts
        (LATEST + timedelta(days=1), False),
    ],
)
def test_medication_review_window_is_after_the_previous_to_the_latest(day, listed):
    found = rules.medication_review(DECLINED, [event(day)])
    assert found == (
        [{"drug": "baclofen", "event": "increase", "occurred_on": day, "dose": "20 mg tds"}] if listed else []
    )
    assert rules.findings(DECLINED, [event(day)]).medication_review is listed


@pytest.mark.parametrize(
    ("drug", "kind", "listed"),
    [
        ("baclofen", "start", True),
        ("tizanidine", "increase", True),
        ("nabiximols", "start", True),
        ("baclofen", "decrease", False),
        ("baclofen", "stop", False),
        ("fampridine", "start", False),  # a walking drug, not antispasticity
        ("fampridine", "increase", False),
    ],
)
def test_medication_review_lists_only_antispasticity_starts_and_increases(drug, kind, listed):
    assert bool(rules.medication_review(DECLINED, [event(LATEST, drug, kind)])) is listed


def test_other_drugs_are_never_listed():
    other = MedicationData(
        drug="other", drug_name="Pregabalin", event="start", occurred_on=LATEST, recorded=1
    )
    assert rules.medication_review(DECLINED, [other]) == []


def test_medication_review_needs_a_loss_of_strength_and_a_previous_assessment():
    assert rules.medication_review(STEADY, [event(LATEST)]) == []  # 2 thirds down: no decline
    assert rules.medication_review(DECLINED[-1:], [event(LATEST)]) == []  # no previous assessment


def test_an_mrc_sum_drop_alone_calls_for_medication_review():
    before = {item: "5" for item in MRC_SUM_ITEMS}
    after = before | {("hip_flexion", "right"): "4+", ("knee_extension", "left"): "4+"}
    assessments = [graded(PREVIOUS, 1, before), graded(LATEST, 2, after)]
    assert rules.declines(assessments) == [] and rules.mrc_sum_dropped(assessments, threshold=2)
    assert rules.medication_review(assessments, [event(LATEST)]) != []


# Current medications ------------------------------------------------------------------------
def test_current_medications_are_the_drugs_whose_latest_event_is_not_a_stop():
    events = [
        MedicationData("baclofen", "start", date(2026, 1, 1), 1, dose="5 mg"),
        MedicationData("baclofen", "increase", date(2026, 3, 1), 2, dose="10 mg"),
        MedicationData("tizanidine", "start", date(2026, 2, 1), 3, dose="2 mg"),
        MedicationData("tizanidine", "stop", date(2026, 4, 1), 4),
        # Same day: the one recorded last is the latest (a stop recorded first, then a start).
        MedicationData("diazepam", "stop", date(2026, 5, 1), 5),
        MedicationData("diazepam", "start", date(2026, 5, 1), 6, dose="2 mg"),
        MedicationData("other", "start", date(2026, 6, 1), 7, drug_name="Pregabalin", dose="75 mg"),
        MedicationData("other", "start", date(2026, 6, 2), 8, drug_name="Duloxetine", dose="30 mg"),
        MedicationData("other", "stop", date(2026, 7, 1), 9, drug_name="Duloxetine"),
    ]
    assert rules.current_medications(events) == [
        {"drug": "baclofen", "drug_name": "", "dose": "10 mg", "since": date(2026, 1, 1)},
        {"drug": "diazepam", "drug_name": "", "dose": "2 mg", "since": date(2026, 5, 1)},
        {"drug": "other", "drug_name": "Pregabalin", "dose": "75 mg", "since": date(2026, 6, 1)},
    ]


def test_a_restarted_drug_is_current_since_its_latest_start():
    events = [
        MedicationData("baclofen", "start", date(2026, 1, 1), 1),
        MedicationData("baclofen", "stop", date(2026, 2, 1), 2),
        MedicationData("baclofen", "start", date(2026, 3, 1), 3, dose="5 mg"),
    ]
    assert rules.current_medications(events) == [
        {"drug": "baclofen", "drug_name": "", "dose": "5 mg", "since": date(2026, 3, 1)}
    ]


# Rule 17 ------------------------------------------------------------------------------------
def plan(side="left", kind="progressive_resistance", status="active", muscle_group="knee_flexion", id=1):
    return PlanData(id=id, muscle_group=muscle_group, side=side, kind=kind, review_on=TODAY, status=status)


PRIMARY_LEFT = [
    graded(PREVIOUS, 1, {KNEE_L: "4", ("knee_flexion", "right"): "4"}, WeaknessType.PRIMARY),
    graded(LATEST, 2, {("knee_flexion", "right"): "4"}, WeaknessType.SECONDARY),
]


@pytest.mark.parametrize(
    ("the_plan", "rows"),
    [
        (plan(), [{"plan": 1, "muscle_group": "knee_flexion", "side": "left"}]),
        # The right knee's most recent grading is secondary: no conflict on that side.
        (plan(side="right"), []),
        (plan(side="both"), [{"plan": 1, "muscle_group": "knee_flexion", "side": "left"}]),
        (plan(kind="maintenance"), []),
        (plan(status="ended"), []),
        (plan(muscle_group="hip_flexion"), []),  # never graded
    ],
)
def test_plan_conflict_is_resistance_on_primary_weakness(the_plan, rows):
    assert rules.plan_conflicts([the_plan], PRIMARY_LEFT) == rows
    assert rules.findings(PRIMARY_LEFT, plans=[the_plan]).plan_conflict is bool(rows)


def test_a_plan_for_both_sides_gives_a_row_for_each_side_in_conflict():
    both_primary = [graded(LATEST, 1, {KNEE_L: "3", ("knee_flexion", "right"): "4"}, WeaknessType.PRIMARY)]
    assert rules.plan_conflicts([plan(side="both")], both_primary) == [
        {"plan": 1, "muscle_group": "knee_flexion", "side": "left"},
        {"plan": 1, "muscle_group": "knee_flexion", "side": "right"},
    ]


@pytest.mark.parametrize(("weakness", "conflict"), [(t, t == WeaknessType.PRIMARY) for t in WeaknessType])
def test_only_primary_weakness_conflicts(weakness, conflict):
    assert bool(rules.plan_conflicts([plan()], [graded(LATEST, 1, {KNEE_L: "4"}, weakness)])) is conflict


# Rule 19 ------------------------------------------------------------------------------------
ANKLE_L, ANKLE_R = ("ankle_dorsiflexion", "left"), ("ankle_dorsiflexion", "right")


@pytest.mark.parametrize(
    ("grade", "drop"), [("3+", False), ("3", True), ("3-", True), ("0", True), ("4", False)]
)
def test_foot_drop_is_ankle_dorsiflexion_of_3_or_below(grade, drop):
    found = rules.foot_drop([graded(LATEST, 1, {ANKLE_L: grade})], set())
    assert found == ([{"side": "left", "grade": grade, "supported": False}] if drop else [])


def test_foot_drop_reads_each_sides_most_recent_grading():
    assessments = [graded(PREVIOUS, 1, {ANKLE_L: "2", ANKLE_R: "5"}), graded(LATEST, 2, {ANKLE_R: "3"})]
    assert rules.foot_drop(assessments, set()) == [
        {"side": "left", "grade": "2", "supported": False},
        {"side": "right", "grade": "3", "supported": False},
    ]


@pytest.mark.parametrize(
    ("sides", "supported"),
    [
        (set(), (False, False)),
        ({"left"}, (True, False)),
        ({"right"}, (False, True)),
        ({"bilateral"}, (True, True)),
    ],
)
def test_foot_drop_is_supported_by_an_afo_or_fes_for_its_side_or_both(sides, supported):
    found = rules.foot_drop([graded(LATEST, 1, {ANKLE_L: "2", ANKLE_R: "2"})], sides)
    assert tuple(row["supported"] for row in found) == supported


# Rule 20 ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("status", "offset", "due"),
    [
        ("active", 6, True),
        ("active", 7, True),
        ("active", 8, False),
        ("active", -30, True),
        ("ended", 0, False),
    ],
)
def test_plan_review_due_a_week_ahead_for_active_plans(status, offset, due):
    review_on = TODAY + timedelta(days=offset)
    assert rules.plan_review_due(status=status, review_on=review_on, today=TODAY) is due


def test_rule_18_calls_for_review_on_the_new_findings():
    for name in ("spasticity_increase", "medication_review", "plan_conflict"):
        assert name in rules.Findings.CALL_FOR_REVIEW
        assert rules.Findings(**{name: True}).call_for_review
