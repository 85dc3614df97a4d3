"""The MRC (Kendall) muscle grade scale with +/- modifiers, the MRC sum score, and the Modified
Ashworth Scale of spasticity.

A grade's value is counted in thirds of a whole grade — whole grade × 3, minus 1 for ``-``,
plus 1 for ``+`` — so grades order and subtract as integers and never as floats.
"""

from django.db import models

from patients.anatomy import MuscleGroup, Side

__all__ = [
    "GRADE_JUMP_TO_CONFIRM",
    "MRC_SUM_GROUPS",
    "MRC_SUM_ITEMS",
    "MASGrade",
    "MRCGrade",
    "MuscleGroup",
    "Side",
    "WeaknessType",
    "grade_jump_to_confirm",
    "mrc_sum_score",
]


class MRCGrade(models.IntegerChoices):
    """Ordered: ``0 < 1 < 2- < 2 < 2+ < 3- < 3 < 3+ < 4- < 4 < 4+ < 5``; the value is in thirds."""

    G0 = 0, "0"
    G1 = 3, "1"
    G2_MINUS = 5, "2-"
    G2 = 6, "2"
    G2_PLUS = 7, "2+"
    G3_MINUS = 8, "3-"
    G3 = 9, "3"
    G3_PLUS = 10, "3+"
    G4_MINUS = 11, "4-"
    G4 = 12, "4"
    G4_PLUS = 13, "4+"
    G5 = 15, "5"

    @classmethod
    def from_label(cls, label):
        """The grade written as ``label`` (``"4-"``); ``ValueError`` for anything else."""
        for grade in cls:
            if grade.label == label:
                return grade
        raise ValueError(f"{label!r} is not an MRC grade; allowed: {', '.join(cls.labels)}")

    @property
    def thirds(self):
        return int(self.value)

    @property
    def whole(self):
        """The whole grade with the modifier dropped (``4-`` → 4), as the MRC sum uses it."""
        return (self.value + 1) // 3


class MASGrade(models.IntegerChoices):
    """The Modified Ashworth Scale of spasticity, ordered ``0 < 1 < 1+ < 2 < 3 < 4``; the value
    is its step (its position in that order, 0–5), so a rise of one step is a difference of 1."""

    MAS0 = 0, "0"
    MAS1 = 1, "1"
    MAS1_PLUS = 2, "1+"
    MAS2 = 3, "2"
    MAS3 = 4, "3"
    MAS4 = 5, "4"

    @classmethod
    def from_label(cls, label):
        """The score written as ``label`` (``"1+"``); ``ValueError`` for anything else."""
        for score in cls:
            if score.label == label:
                return score
        raise ValueError(f"{label!r} is not a Modified Ashworth score; allowed: {', '.join(cls.labels)}")

    @property
    def step(self):
        return int(self.value)


# A change of two whole grades or more from one grading of a muscle-side to the next is rare
# enough that the pages ask the assessor to confirm it (a slip of the finger: "1" for "4").
GRADE_JUMP_TO_CONFIRM = 6


def grade_jump_to_confirm(before, after):
    """Whether going from grade ``before`` to ``after`` (in thirds) is a jump to confirm, up or down."""
    return abs(after - before) >= GRADE_JUMP_TO_CONFIRM


class WeaknessType(models.TextChoices):
    PRIMARY = "primary", "Primary (demyelination)"
    SECONDARY = "secondary", "Secondary (disuse)"
    MIXED = "mixed", "Mixed"
    UNKNOWN = "unknown", "Unknown"


# The six muscle groups of the MRC sum score, each graded on both sides (12 items).
MRC_SUM_GROUPS = (
    MuscleGroup.SHOULDER_ABDUCTION,
    MuscleGroup.ELBOW_FLEXION,
    MuscleGroup.WRIST_EXTENSION,
    MuscleGroup.HIP_FLEXION,
    MuscleGroup.KNEE_EXTENSION,
    MuscleGroup.ANKLE_DORSIFLEXION,
)
MRC_SUM_ITEMS = frozenset((group, side) for group in MRC_SUM_GROUPS for side in Side)


def mrc_sum_score(grades):
    """The MRC sum (0–60) of ``{(muscle_group, side): MRCGrade}``; ``None`` unless all 12 items are present."""
    if not grades.keys() >= MRC_SUM_ITEMS:
        return None
    return sum(MRCGrade(grades[item]).whole for item in MRC_SUM_ITEMS)
