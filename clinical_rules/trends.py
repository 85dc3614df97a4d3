"""A patient's strength trends (SPEC §4 ``GET patients/{id}/trends/``), from the rules module.

Loads the patient's valid records in a fixed number of queries and hands plain data to
``clinical_rules.rules``; nothing here decides anything clinical.
"""

from dataclasses import dataclass

from assessments.grades import MASGrade, MRCGrade
from assessments.models import Assessment, SpasticityScore
from assessments.selectors import assessment_reviewed, last_review_of
from care.models import (
    SIDED_DEVICE_TYPES,
    DevicePrescription,
    DeviceStatus,
    ExercisePlan,
    FallEvent,
    MedicationEvent,
    PlanStatus,
)
from patients.clock import clinic_date

from . import rules


def assessment_data(patient):
    """The patient's valid assessments as ``rules.AssessmentData``, oldest first.

    One query for the assessments and their scores together (a LEFT JOIN, so an assessment
    without scores still counts), read as tuples: no model instances for a chart's worth of grades.
    """
    rows = (
        Assessment.objects.valid()
        .filter(patient=patient)
        .order_by("assessed_on", "id")
        .values_list(
            "id",
            "assessed_on",
            "timed_25ft_walk_seconds",
            "edss",
            "scores__muscle_group",
            "scores__side",
            "scores__grade",
            "scores__weakness_type",
        )
    )
    assessments = {}
    for assessment_id, assessed_on, walk, edss, group, side, grade, weakness_type in rows:
        scores = assessments.setdefault(assessment_id, (assessed_on, walk, edss, {}))[3]
        if group is not None:
            scores[(group, side)] = rules.Score(MRCGrade(grade), weakness_type)
    spasticity = {}
    # A second query rather than a second join: two joins would multiply the rows.
    for assessment_id, group, side, mas in SpasticityScore.objects.filter(
        assessment__in=list(assessments)
    ).values_list("assessment_id", "muscle_group", "side", "mas"):
        spasticity.setdefault(assessment_id, {})[(group, side)] = MASGrade(mas)
    return rules.chronological(
        rules.AssessmentData(
            assessed_on=assessed_on,
            recorded=assessment_id,
            scores=scores,
            timed_25ft_walk_seconds=walk,
            edss=edss,
            spasticity=spasticity.get(assessment_id, {}),
        )
        for assessment_id, (assessed_on, walk, edss, scores) in assessments.items()
    )


def medication_data(patient):
    """The patient's valid medication events as ``rules.MedicationData``."""
    events = (
        MedicationEvent.objects.valid()
        .filter(patient=patient)
        .values_list("drug", "event", "occurred_on", "id", "drug_name", "dose")
    )
    return [rules.MedicationData(*event) for event in events]


def plan_data(patient):
    """The patient's valid exercise plans as ``rules.PlanData``."""
    plans = (
        ExercisePlan.objects.valid()
        .filter(patient=patient)
        .values_list("id", "muscle_group", "side", "kind", "review_on", "status")
    )
    return [rules.PlanData(*plan) for plan in plans]


def supported_sides(patient):
    """The sides of the patient's valid active AFO and FES prescriptions (rule 19)."""
    return set(
        DevicePrescription.objects.valid()
        .filter(patient=patient, status=DeviceStatus.ACTIVE, device_type__in=SIDED_DEVICE_TYPES)
        .values_list("side", flat=True)
    )


def fall_data(patient):
    falls = (
        FallEvent.objects.valid().filter(patient=patient).values_list("occurred_at", "near_fall", "injury")
    )
    return [
        rules.FallData(clinic_date(occurred_at), near_fall, injury)
        for occurred_at, near_fall, injury in falls
    ]


def review_data(review):
    """``last_review`` of the trends: who reviewed which assessment when, and their note."""
    if review is None:
        return None
    return {
        "reviewed_by": review.reviewed_by.username,
        "reviewed_at": review.reviewed_at,
        "note": review.note,
        "assessment": review.assessment_id,
    }


@dataclass(frozen=True)
class PatientRecords:
    """What the rules read of one patient, read once: the dashboard hands it to the trends and
    to its findings alike (each read again was six queries more per page)."""

    assessments: list
    medications: list
    plans: list
    falls: list
    supported_sides: set
    last_review: object


def patient_records(patient):
    return PatientRecords(
        assessments=assessment_data(patient),
        medications=medication_data(patient),
        plans=plan_data(patient),
        falls=fall_data(patient),
        supported_sides=supported_sides(patient),
        last_review=last_review_of(patient),
    )


def patient_trends(patient, *, today, records=None):
    """The trends of ``patient`` from ``records`` (``patient_records``; read here if ``None``)."""
    records = patient_records(patient) if records is None else records
    assessments, medications, plans = records.assessments, records.medications, records.plans
    last_review, falls = records.last_review, records.falls
    series = {}
    for a in assessments:
        for (group, side), score in a.scores.items():
            series.setdefault((group, side), []).append(
                {"assessed_on": a.assessed_on, "grade": score.grade.label, "thirds": score.grade.thirds}
            )
    fall_count = len(rules.falls_in_window(falls, today))
    last_assessed_on = assessments[-1].assessed_on if assessments else None
    mrc_sum = rules.mrc_sum_series(assessments)
    return {
        "patient": patient.pk,
        "series": [
            {"muscle_group": group, "side": side, "points": points}
            for (group, side), points in sorted(series.items())
        ],
        "mrc_sum": mrc_sum,
        "declines": rules.declines(assessments),
        "mrc_sum_drop": rules.mrc_sum_dropped(assessments),
        "asymmetries": rules.asymmetries(assessments),
        "walking_slowed": rules.walking_slowed(assessments),
        "falls_in_window": fall_count,
        "near_falls_in_window": len(rules.near_falls_in_window(falls, today)),
        "fall_rate_per_month": rules.fall_rate_per_month(fall_count),
        "high_fall_risk": rules.high_fall_risk(falls, today),
        "next_assessment_due": rules.next_assessment_due(
            last_assessed_on=last_assessed_on,
            registered_on=clinic_date(patient.created_at),
            interval_weeks=patient.reassessment_interval_weeks,
        ),
        "guidance": rules.guidance(assessments),
        "declines_from_best": rules.declines_from_best(assessments),
        "mrc_sum_drop_from_best": rules.mrc_sum_drop_from_best(mrc_sum) is not None,
        "improvements": rules.improvements(assessments),
        "edss": rules.edss_series(assessments),
        "edss_worsening": rules.edss_worsened(assessments),
        "timed_25ft_walk": rules.timed_walk_series(assessments),
        "spasticity_series": rules.spasticity_series(assessments),
        "spasticity_increases": rules.spasticity_increases(assessments),
        "current_medications": rules.current_medications(medications),
        "medication_review": rules.medication_review(assessments, medications),
        "active_plans": [
            {
                "id": plan.id,
                "muscle_group": plan.muscle_group,
                "side": plan.side,
                "kind": plan.kind,
                "review_on": plan.review_on,
            }
            for plan in sorted(plans, key=lambda p: (p.review_on, p.id))
            if plan.status == PlanStatus.ACTIVE
        ],
        "plan_conflicts": rules.plan_conflicts(plans, assessments),
        "foot_drop": rules.foot_drop(assessments, records.supported_sides),
        "reviewed": bool(assessments) and assessment_reviewed(assessments[-1].recorded),
        "last_review": review_data(last_review),
    }
