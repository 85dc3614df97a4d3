"""Reads of assessments: scoped by ``visible_to`` or by a patient already found, with their scores."""

from django.db.models import Prefetch

from .models import Assessment, MuscleScore


def assessment_list(user):
    """Assessments of ``user``'s clinics, newest first, each with its MRC sum and scores."""
    return (
        Assessment.objects.visible_to(user)
        .with_mrc_sum()
        .latest_first()
        .select_related("assessor", "entered_in_error_by")
        .prefetch_related("scores")
    )


def assessments_of(patient):
    """The patient's valid assessments, newest first, each with its MRC sum and scores."""
    return (
        Assessment.objects.valid()
        .filter(patient=patient)
        .with_mrc_sum()
        .latest_first()
        .select_related("assessor")
        .prefetch_related(Prefetch("scores", queryset=MuscleScore.objects.order_by()))
    )


def latest_assessment_of(patient):
    """The patient's latest valid assessment with its scores, or ``None``."""
    return (
        Assessment.objects.valid()
        .filter(patient=patient)
        .latest_first()
        .prefetch_related(Prefetch("scores", queryset=MuscleScore.objects.order_by()))
        .first()
    )
