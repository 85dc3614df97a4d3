"""Reads of falls, devices, referrals, medication events and exercise plans: scoped by ``visible_to``, or by a patient already found."""

from django.db.models import F, Prefetch

from .models import (
    DevicePrescription,
    DeviceReview,
    ExercisePlan,
    FallEvent,
    MedicationEvent,
    Referral,
    ReferralStatusChange,
)


def fall_list(user):
    return FallEvent.objects.visible_to(user).select_related("recorded_by", "entered_in_error_by")


def device_list(user):
    """Devices of ``user``'s clinics, each with all its reviews (those entered in error too, marked)."""
    return (
        DevicePrescription.objects.visible_to(user)
        .select_related("prescribed_by", "entered_in_error_by")
        .prefetch_related(
            Prefetch(
                "reviews", queryset=DeviceReview.objects.select_related("reviewed_by", "entered_in_error_by")
            )
        )
    )


def referral_list(user):
    """Referrals of ``user``'s clinics, each with its status history."""
    return (
        Referral.objects.visible_to(user)
        .select_related("created_by", "entered_in_error_by")
        .prefetch_related(
            # Only the mover's username is shown: no user row built for each move.
            Prefetch(
                "status_changes",
                queryset=ReferralStatusChange.objects.annotate(changed_by_username=F("changed_by__username")),
            )
        )
    )


def referral_worklist(user, *, to_service, statuses):
    """The referrals of ``user``'s clinics to ``to_service`` in ``statuses``, oldest first (the
    receiving service's worklist), each with its patient; none of an entered-in-error patient."""
    return (
        Referral.objects.visible_to(user)
        .listable()
        .filter(to_service=to_service, status__in=statuses)
        .select_related("patient__clinic")
        .order_by("referred_on", "id")
    )


def falls_of(patient):
    """The patient's valid falls and near-falls, newest first, with who recorded each."""
    return FallEvent.objects.valid().filter(patient=patient).select_related("recorded_by")


def devices_of(patient):
    """The patient's valid devices, each with its valid reviews and who made them."""
    return (
        DevicePrescription.objects.valid()
        .filter(patient=patient)
        .select_related("prescribed_by")
        .prefetch_related(
            Prefetch("reviews", queryset=DeviceReview.objects.valid().select_related("reviewed_by"))
        )
    )


def referrals_of(patient):
    """The patient's valid referrals with their status history and who made each move."""
    return (
        Referral.objects.valid()
        .filter(patient=patient)
        .select_related("created_by")
        .prefetch_related(
            Prefetch("status_changes", queryset=ReferralStatusChange.objects.select_related("changed_by"))
        )
    )


def medication_list(user):
    return MedicationEvent.objects.visible_to(user).select_related("recorded_by", "entered_in_error_by")


def plan_list(user):
    return ExercisePlan.objects.visible_to(user).select_related("prescribed_by", "entered_in_error_by")


def medications_of(patient):
    """The patient's valid medication events, newest first (same day: recorded last first)."""
    return MedicationEvent.objects.valid().filter(patient=patient).select_related("recorded_by")


def plans_of(patient):
    """The patient's valid exercise plans, newest first, with who prescribed each."""
    return ExercisePlan.objects.valid().filter(patient=patient).select_related("prescribed_by")
