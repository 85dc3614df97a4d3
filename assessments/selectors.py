"""Reads of assessments: scoped by ``visible_to`` or by a patient already found, with their scores."""

from django.db.models import Exists, Prefetch

from .models import Assessment, MuscleScore, SpasticityScore, TrendReview


def assessment_list(user):
    """Assessments of ``user``'s clinics, newest first, each with its MRC sum and scores."""
    return (
        Assessment.objects.visible_to(user)
        .with_mrc_sum()
        .latest_first()
        .select_related("assessor", "entered_in_error_by")
        .prefetch_related(
            # Each assessment's scores in their own order, without ``Meta.ordering``'s "assessment",
            # which joins every assessment of the table to sort by its date: 28 ms of a page's 29
            # at scale 0.1 (benchmarks/README.md).
            Prefetch("scores", queryset=MuscleScore.objects.order_by("muscle_group", "side")),
            Prefetch("spasticity", queryset=SpasticityScore.objects.order_by()),
        )
    )


def assessments_of(patient):
    """The patient's valid assessments, newest first, each with its MRC sum and scores."""
    return (
        Assessment.objects.valid()
        .filter(patient=patient)
        .with_mrc_sum()
        .latest_first()
        .select_related("assessor")
        .prefetch_related(
            Prefetch("scores", queryset=MuscleScore.objects.order_by()),
            Prefetch("spasticity", queryset=SpasticityScore.objects.order_by()),
        )
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


def last_gradings_of(patient, up_to, *, excluding=None):
    """``{(muscle_group, side): MuscleScore}``: each muscle-side's latest valid grading on or
    before ``up_to``, with ``assessment`` loaded (for its date); ``excluding`` an assessment
    being corrected, so that its grades are compared with the others, not with themselves."""
    scores = (
        MuscleScore.objects.filter(
            assessment__patient=patient,
            assessment__entered_in_error_at__isnull=True,
            assessment__assessed_on__lte=up_to,
        )
        .select_related("assessment")
        .order_by("-assessment__assessed_on", "-assessment_id")
    )
    if excluding is not None:
        scores = scores.exclude(assessment=excluding)
    latest = {}
    for score in scores:
        latest.setdefault((score.muscle_group, score.side), score)
    return latest


def trend_review_list(user):
    """Trend reviews of ``user``'s clinics' patients, newest first."""
    return (
        TrendReview.objects.visible_to(user)
        .select_related("reviewed_by", "entered_in_error_by")
        .order_by("-reviewed_at", "-id")
    )


def last_review_of(patient, *, latest_assessment_id=None):
    """The patient's most recent valid trend review (of any of their valid assessments), or ``None``.

    With ``latest_assessment_id`` (the trends), the review also carries ``latest_reviewed``:
    whether a valid review has that assessment, asked in the same query. When there is no
    review at all, none has it.
    """
    reviews = TrendReview.objects.valid().filter(
        patient=patient, assessment__entered_in_error_at__isnull=True
    )
    if latest_assessment_id is not None:
        reviews = reviews.annotate(
            latest_reviewed=Exists(TrendReview.objects.valid().filter(assessment_id=latest_assessment_id))
        )
    return reviews.select_related("reviewed_by").order_by("-reviewed_at", "-id").first()
