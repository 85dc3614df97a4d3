"""How codes read on the pages."""

from assessments.grades import MuscleGroup


def muscle_label(value):
    """``ankle_dorsiflexion`` → ``Ankle dorsiflexion``."""
    return MuscleGroup(value).label.capitalize()
