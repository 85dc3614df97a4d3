"""The muscle groups and sides of the body that assessments grade and exercise plans train.

On the ground floor because both assessments and care name them (SPEC §2); assessments.grades
re-exports them beside the grade scale.
"""

from django.db import models


class MuscleGroup(models.TextChoices):
    SHOULDER_ABDUCTION = "shoulder_abduction"
    ELBOW_FLEXION = "elbow_flexion"
    ELBOW_EXTENSION = "elbow_extension"
    WRIST_EXTENSION = "wrist_extension"
    GRIP = "grip"
    HIP_FLEXION = "hip_flexion"
    HIP_EXTENSION = "hip_extension"
    HIP_ABDUCTION = "hip_abduction"
    KNEE_EXTENSION = "knee_extension"
    KNEE_FLEXION = "knee_flexion"
    ANKLE_DORSIFLEXION = "ankle_dorsiflexion"
    ANKLE_PLANTARFLEXION = "ankle_plantarflexion"


class Side(models.TextChoices):
    LEFT = "left"
    RIGHT = "right"
