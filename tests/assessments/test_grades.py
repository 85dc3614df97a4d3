import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.grades import MRC_SUM_GROUPS, MRCGrade, MuscleGroup, Side, mrc_sum_score
from assessments.models import Assessment
from tests.factories import PatientFactory, assessment_with_grades, full_grades

# The scale of SPEC §2, written out by hand: label, value in thirds, whole grade.
SCALE = [
    ("0", 0, 0),
    ("1", 3, 1),
    ("2-", 5, 2),
    ("2", 6, 2),
    ("2+", 7, 2),
    ("3-", 8, 3),
    ("3", 9, 3),
    ("3+", 10, 3),
    ("4-", 11, 4),
    ("4", 12, 4),
    ("4+", 13, 4),
    ("5", 15, 5),
]


@pytest.mark.parametrize(("label", "thirds", "whole"), SCALE)
def test_each_grade_has_its_value_in_thirds_and_whole_grade(label, thirds, whole):
    grade = MRCGrade.from_label(label)
    assert grade.label == label
    assert grade.thirds == thirds
    assert grade.whole == whole


def test_grades_order_as_the_scale_does():
    labels_in_order = [label for label, _, _ in SCALE]
    assert [g.label for g in sorted(MRCGrade)] == labels_in_order
    for lower, higher in zip(labels_in_order, labels_in_order[1:], strict=False):
        assert MRCGrade.from_label(lower) < MRCGrade.from_label(higher)


@pytest.mark.parametrize("bad", ["6", "-1", "1+", "1-", "0+", "5+", "5-", "4.5", "", " 4", "four", "4 -"])
def test_anything_off_the_scale_is_rejected_naming_the_allowed_grades(bad):
    with pytest.raises(ValueError, match=r"allowed: 0, 1, 2-, 2, 2\+, 3-, 3, 3\+, 4-, 4, 4\+, 5"):
        MRCGrade.from_label(bad)


MRC_ITEMS = [(group, side) for group in MRC_SUM_GROUPS for side in Side]


def test_mrc_sum_uses_the_whole_grade_of_the_twelve_items_only():
    grades = {item: MRCGrade.from_label("4-") for item in MRC_ITEMS}  # whole grade 4
    grades[(MuscleGroup.GRIP, Side.LEFT)] = MRCGrade.from_label("0")  # not an MRC item
    grades[(MuscleGroup.HIP_FLEXION, Side.RIGHT)] = MRCGrade.from_label("2+")  # whole grade 2
    assert mrc_sum_score(grades) == 11 * 4 + 2


def test_mrc_sum_bounds():
    assert mrc_sum_score({item: MRCGrade.G5 for item in MRC_ITEMS}) == 60
    assert mrc_sum_score({item: MRCGrade.G0 for item in MRC_ITEMS}) == 0


@pytest.mark.parametrize("missing", MRC_ITEMS)
def test_mrc_sum_is_none_when_any_item_is_missing(missing):
    grades = {item: MRCGrade.G5 for item in MRC_ITEMS if item != missing}
    # A full set of non-MRC groups does not make up for a missing MRC item.
    grades.update({(MuscleGroup.GRIP, side): MRCGrade.G5 for side in Side})
    assert mrc_sum_score(grades) is None


@pytest.mark.django_db
def test_database_mrc_sum_matches_python_for_complete_and_incomplete_sets():
    patient = PatientFactory()
    complete = full_grades("4+")
    incomplete = {k: v for k, v in full_grades("3-").items() if k != (MuscleGroup.ELBOW_FLEXION, Side.LEFT)}
    a = assessment_with_grades(patient, "2026-01-05", complete)
    b = assessment_with_grades(patient, "2026-02-05", incomplete)
    annotated = {x.id: x.mrc_sum_score for x in Assessment.objects.with_mrc_sum()}
    assert annotated == {a.id: 48, b.id: None}
    as_grades = {item: MRCGrade.from_label(label) for item, label in complete.items()}
    assert mrc_sum_score(as_grades) == 48
    assert mrc_sum_score({item: as_grades[item] for item in incomplete}) is None


grade_sets = st.dictionaries(
    st.tuples(st.sampled_from(list(MuscleGroup)), st.sampled_from(list(Side))),
    st.sampled_from([g.label for g in MRCGrade]),
    min_size=10,
    max_size=24,
)


@pytest.mark.django_db
# Each example writes to the database: no per-example deadline (a busy CI machine trips 200 ms).
@settings(deadline=None)
@given(grades=grade_sets)
def test_database_mrc_sum_agrees_with_python_on_generated_sets(grades):
    assessment = assessment_with_grades(PatientFactory(), "2026-03-01", grades)
    expected = mrc_sum_score({item: MRCGrade.from_label(label) for item, label in grades.items()})
    assert Assessment.objects.with_mrc_sum().get(pk=assessment.pk).mrc_sum_score == expected
