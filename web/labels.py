"""How codes read on the pages."""

from assessments.grades import MuscleGroup
from care.models import ReferralService


def muscle_label(value):
    """``ankle_dorsiflexion`` → ``Ankle dorsiflexion``."""
    return MuscleGroup(value).label.capitalize()


def service_in_sentence(value):
    """``occupational_therapy`` → ``occupational therapy``; an initialism stays: ``GP``, ``MS nurse``."""
    label = ReferralService(value).label
    return label if label[:2].isupper() else label[0].lower() + label[1:]
