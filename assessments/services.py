"""Recording and correcting MMT assessments with their scores, in one transaction each."""

from django.core.exceptions import ValidationError
from django.db import transaction
from simple_history.utils import bulk_create_with_history

from patients.concurrency import record_lock
from patients.services import (
    clinical_date_errors,
    record_apply_changes,
    record_check_editable,
    record_validate,
)
from webhooks.events import outbox_record
from webhooks.models import EventType

from .grades import MASGrade, MRCGrade, WeaknessType
from .models import Assessment, MuscleScore, SpasticityScore, TrendReview
from .selectors import latest_assessment_of
from .signals import assessments_changed

ASSESSMENT_EDITABLE = ("assessed_on", "notes", "edss", "timed_25ft_walk_seconds")
EDSS_STEP_MESSAGE = "EDSS is scored in steps of 0.5 from 0 to 10, such as 4.0 or 4.5."


def _assessment_validate(assessment, scores, spasticity=None):
    errors = clinical_date_errors("assessed_on", assessment.assessed_on, assessment.patient)
    # EDSS moves in half steps from 0 to 10 (the model's validators hold the range).
    if assessment.edss is not None and 0 <= assessment.edss <= 10 and (assessment.edss * 2) % 1:
        errors["edss"] = [EDSS_STEP_MESSAGE]
    if scores is not None and (duplicates := _duplicate_items(scores)):
        errors["scores"] = [
            f"{group} {side} is scored more than once; give at most one score per muscle group and side."
            for group, side in duplicates
        ]
    if spasticity is not None and (duplicates := _duplicate_items(spasticity)):
        errors["spasticity"] = [
            f"{group} {side} has more than one spasticity score; give at most one per muscle group and side."
            for group, side in duplicates
        ]
    record_validate(assessment, errors)


def _duplicate_items(scores):
    seen, duplicates = set(), []
    for score in scores:
        item = (score["muscle_group"], score["side"])
        if item in seen and item not in duplicates:
            duplicates.append(item)
        seen.add(item)
    return duplicates


def _score(assessment, score):
    return MuscleScore(
        assessment=assessment,
        muscle_group=score["muscle_group"],
        side=score["side"],
        grade=MRCGrade(score["grade"]),
        weakness_type=score.get("weakness_type", WeaknessType.UNKNOWN),
    )


def _spasticity_score(assessment, score):
    return SpasticityScore(
        assessment=assessment,
        muscle_group=score["muscle_group"],
        side=score["side"],
        mas=MASGrade(score["mas"]),
    )


@transaction.atomic
def assessment_record(
    *,
    patient,
    assessor,
    assessed_on,
    scores,
    notes="",
    edss=None,
    timed_25ft_walk_seconds=None,
    spasticity=(),
):
    """Record an assessment and its scores: ``[{muscle_group, side, grade, weakness_type?}]``,
    with optional ``spasticity``: ``[{muscle_group, side, mas}]``.

    ``grade`` is an ``MRCGrade`` (or its value in thirds), ``mas`` a ``MASGrade`` (or its step).
    Raises ``ValidationError`` by field.
    """
    assessment = Assessment(
        patient=patient,
        assessor=assessor,
        assessed_on=assessed_on,
        notes=notes,
        edss=edss,
        timed_25ft_walk_seconds=timed_25ft_walk_seconds,
    )
    _assessment_validate(assessment, scores, spasticity)
    assessment._history_user = assessor
    assessment.save()
    bulk_create_with_history([_score(assessment, s) for s in scores], MuscleScore, default_user=assessor)
    bulk_create_with_history(
        [_spasticity_score(assessment, s) for s in spasticity], SpasticityScore, default_user=assessor
    )
    assessments_changed.send(sender=Assessment, patient=patient)
    outbox_record(
        clinic_id=patient.clinic_id,
        event_type=EventType.ASSESSMENT_RECORDED,
        data={
            "assessment": assessment.pk,
            "patient": patient.pk,
            "assessed_on": assessment.assessed_on.isoformat(),
        },
    )
    return assessment


@transaction.atomic
def assessment_update(*, assessment, by, scores=None, spasticity=None, expected_version=None, **changes):
    """Correct an assessment; ``scores`` and ``spasticity``, if given, replace its scores and its
    spasticity scores as a whole.

    Scores are updated in place where the muscle group and side stay, so each keeps its history.
    The assessment's ``updated_at`` is saved every time, so a change of scores alone gives it a
    new version too (``EditedMeanwhile`` if it is no longer at ``expected_version``).
    """
    assessment = record_lock(assessment, expected_version=expected_version)
    fields = record_apply_changes(assessment, changes, editable=ASSESSMENT_EDITABLE)
    _assessment_validate(assessment, scores, spasticity)
    assessment._history_user = by
    assessment.save(update_fields=[*fields, "updated_at"])
    if scores is not None:
        _scores_replace(assessment, scores, by=by)
    if spasticity is not None:
        _spasticity_replace(assessment, spasticity, by=by)
    assessments_changed.send(sender=Assessment, patient=assessment.patient)
    return assessment


def _scores_replace(assessment, scores, *, by):
    current = {(s.muscle_group, s.side): s for s in assessment.scores.all()}
    for item in scores:
        wanted = _score(assessment, item)
        score = current.pop((wanted.muscle_group, wanted.side), None) or wanted
        if score.pk and (score.grade, score.weakness_type) == (wanted.grade, wanted.weakness_type):
            continue
        score.grade, score.weakness_type = wanted.grade, wanted.weakness_type
        score._history_user = by
        score.save()
    for dropped in current.values():
        dropped._history_user = by
        dropped.delete()


def _spasticity_replace(assessment, spasticity, *, by):
    current = {(s.muscle_group, s.side): s for s in assessment.spasticity.all()}
    for item in spasticity:
        wanted = _spasticity_score(assessment, item)
        score = current.pop((wanted.muscle_group, wanted.side), None) or wanted
        if score.pk and score.mas == wanted.mas:
            continue
        score.mas = wanted.mas
        score._history_user = by
        score.save()
    for dropped in current.values():
        dropped._history_user = by
        dropped.delete()


NOTHING_TO_REVIEW = "This patient has no assessment yet: there are no findings to review."


@transaction.atomic
def trend_review_record(*, patient, by, note):
    """Record that ``by`` has reviewed the patient's findings, as of their latest assessment."""
    latest = latest_assessment_of(patient)
    review = TrendReview(patient=patient, assessment=latest, reviewed_by=by, note=note.strip())
    record_check_editable(review)
    if latest is None:
        raise ValidationError({"assessment": [NOTHING_TO_REVIEW]})
    record_validate(review, {"note": ["Say what you reviewed and decided."]} if not review.note else {})
    review._history_user = by
    review.save()
    return review
