"""The printable exercise sheet: an active exercise plan in words a patient reads at home.

Only the patient's given name and the clinic appear on it (no MRN, no date of birth): the sheet
leaves the clinic on paper.
"""

import datetime
from dataclasses import dataclass

from assessments.grades import MuscleGroup
from care.models import ExercisePlan, PlanKind, PlanSide

from .labels import muscle_label

MOVEMENT_IN_PLAIN_WORDS = {
    MuscleGroup.SHOULDER_ABDUCTION: "lifting the arm out to the side",
    MuscleGroup.ELBOW_FLEXION: "bending the elbow",
    MuscleGroup.ELBOW_EXTENSION: "straightening the elbow",
    MuscleGroup.WRIST_EXTENSION: "lifting the hand back at the wrist",
    MuscleGroup.GRIP: "gripping with the hand",
    MuscleGroup.HIP_FLEXION: "lifting the knee towards the chest",
    MuscleGroup.HIP_EXTENSION: "moving the leg back from the hip",
    MuscleGroup.HIP_ABDUCTION: "moving the leg out to the side",
    MuscleGroup.KNEE_EXTENSION: "straightening the knee",
    MuscleGroup.KNEE_FLEXION: "bending the knee",
    MuscleGroup.ANKLE_DORSIFLEXION: "lifting the foot up at the ankle",
    MuscleGroup.ANKLE_PLANTARFLEXION: "pointing the foot down (the calf)",
}
SIDE_IN_WORDS = {PlanSide.LEFT: "left side", PlanSide.RIGHT: "right side", PlanSide.BOTH: "both sides"}
# (what the kind is called on the sheet, what it means for the patient)
KIND_IN_WORDS = {
    PlanKind.PROGRESSIVE_RESISTANCE: (
        "Strengthening (progressive resistance)",
        "Exercises against a weight or a band, made a little harder as you get stronger.",
    ),
    PlanKind.MAINTENANCE: (
        "Keeping the muscle working (maintenance)",
        "Regular, gentle use of the muscle to keep it working, without tiring it out.",
    ),
    PlanKind.STRETCHING: ("Stretching", "Slow, held stretches to ease stiffness and keep the joint moving."),
    PlanKind.BALANCE: ("Balance", "Exercises to make you steadier on your feet."),
    PlanKind.AEROBIC: (
        "Fitness (aerobic)",
        "Exercise that makes you a little out of breath, at a pace you can keep up.",
    ),
}
# Plain-language safety notes: the kind's own first, then those for everybody with MS. Heat and
# fatigue make MS symptoms worse for a while (they settle with rest and cooling down); a new
# weakness that does not settle may be a relapse, which the clinic should hear about.
SAFETY_BY_KIND = {
    PlanKind.PROGRESSIVE_RESISTANCE: "Stop each set while you could still do two more: do not work the muscle until it gives out.",
    PlanKind.MAINTENANCE: "Stop well before the muscle tires. Working this muscle until it is exhausted can make it weaker.",
    PlanKind.STRETCHING: "Stretch slowly until you feel a gentle pull, never pain, and do not bounce.",
    PlanKind.BALANCE: "Stand next to a kitchen counter or a sturdy chair you can hold, with someone nearby if you feel unsteady.",
    PlanKind.AEROBIC: "Go at a pace at which you can still talk.",
}
SAFETY_FOR_EVERYONE = [
    "Exercise somewhere cool and drink water. If you get hot or tired your symptoms may get worse "
    "for a while; stop, cool down and rest until they settle.",
    "Stop and rest if you feel pain, dizziness or chest tightness, or are very short of breath.",
    "Keep a chair or something firm to hold within reach.",
    "If you fall, or a weakness, numbness or unsteadiness gets worse over a day or two and does "
    "not settle, stop these exercises and call the clinic.",
]


@dataclass(frozen=True)
class ExerciseSheet:
    given_name: str
    clinic_name: str
    muscle: str
    movement: str
    side: str
    kind: str
    kind_explained: str
    prescription: str
    started_on: datetime.date
    review_on: datetime.date
    safety_notes: list[str]


def exercise_sheet(plan: ExercisePlan) -> ExerciseSheet:
    """The sheet of ``plan``, with its patient and clinic loaded."""
    kind, kind_explained = KIND_IN_WORDS[plan.kind]
    return ExerciseSheet(
        given_name=plan.patient.given_name,
        clinic_name=plan.patient.clinic.name,
        muscle=muscle_label(plan.muscle_group),
        movement=MOVEMENT_IN_PLAIN_WORDS[plan.muscle_group],
        side=SIDE_IN_WORDS[plan.side],
        kind=kind,
        kind_explained=kind_explained,
        prescription=plan.prescription,
        started_on=plan.started_on,
        review_on=plan.review_on,
        safety_notes=[SAFETY_BY_KIND[plan.kind], *SAFETY_FOR_EVERYONE],
    )
