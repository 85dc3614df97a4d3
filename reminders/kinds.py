"""Each kind of reminder in one entry: who hears about it, and while what its reason holds.

The sweep gives a new reminder the recipients of its kind, and the sweep and every delivery
resolve an open reminder once its kind's condition no longer holds (SPEC §2 Reminder). A new
kind is its entry here, with its subject's foreign key and unique constraint on ``Reminder``
and the rows ``reminders.sweep`` creates for it; a test holds every kind to having an entry.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef

from assessments.models import Assessment
from care.models import DevicePrescription, ExercisePlan, Referral
from clinical_rules.querysets import (
    at_high_fall_risk,
    device_reviews_still_due,
    plan_reviews_still_due,
    reassessment_still_due,
    referrals_still_open,
    strength_reviews_still_due,
    with_follow_up,
)
from patients.models import Patient, Role

from .models import ReminderKind


@dataclass(frozen=True)
class KindRules:
    """``holds(today)``: the condition, on a reminder, that its reason has not gone (the sweep
    adds for every kind that its patient and subject are not entered in error). Recipients: the
    staff of the patient's clinic in ``roles``, or the user ``author`` names (a lookup from the
    reminder)."""

    holds: Callable
    roles: tuple = ()
    author: str | None = None


def _reassessment_holds(today):
    """The patient is active and has not been reassessed since (their next assessment is not later)."""
    patients = reassessment_still_due(Patient.objects.all(), OuterRef("due_on"), today)
    return Exists(patients.filter(pk=OuterRef("patient")))


def _referral_holds(today):
    """The referral is still open and its due date not moved past the reminder's."""
    return Exists(
        referrals_still_open(Referral.objects.all(), OuterRef("due_on")).filter(pk=OuterRef("referral"))
    )


def _device_review_holds(today):
    """The device is still in use and its review not moved past the reminder's due date."""
    devices = device_reviews_still_due(DevicePrescription.objects.all(), OuterRef("due_on"))
    return Exists(devices.filter(pk=OuterRef("device")))


def _plan_review_holds(today):
    """The plan is still active and its review not moved past the reminder's due date."""
    plans = plan_reviews_still_due(ExercisePlan.objects.all(), OuterRef("due_on"))
    return Exists(plans.filter(pk=OuterRef("exercise_plan")))


def _fall_risk_holds(today):
    """The patient is still at high fall risk today."""
    patients = at_high_fall_risk(with_follow_up(Patient.objects.all(), today))
    return Exists(patients.filter(pk=OuterRef("patient")))


def _strength_review_holds(today):
    """The assessment is still the patient's latest and nobody has reviewed it."""
    assessments = strength_reviews_still_due(Assessment.objects.all())
    return Exists(assessments.filter(pk=OuterRef("assessment")))


KIND_RULES = {
    ReminderKind.REASSESSMENT_DUE: KindRules(holds=_reassessment_holds, roles=(Role.NURSE, Role.PHYSIO)),
    ReminderKind.REFERRAL_OVERDUE: KindRules(holds=_referral_holds, author="referral__created_by_id"),
    ReminderKind.DEVICE_REVIEW_DUE: KindRules(holds=_device_review_holds, author="device__prescribed_by_id"),
    ReminderKind.FALL_RISK: KindRules(holds=_fall_risk_holds, roles=(Role.PHYSIO,)),
    ReminderKind.STRENGTH_REVIEW: KindRules(holds=_strength_review_holds, roles=(Role.PHYSIO,)),
    ReminderKind.PLAN_REVIEW_DUE: KindRules(
        holds=_plan_review_holds, author="exercise_plan__prescribed_by_id"
    ),
}
