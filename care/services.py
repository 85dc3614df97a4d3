"""Recording falls, prescribing devices, referrals with their status moves, medication events and
exercise plans."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from patients.clock import clinic_date, clinic_today
from patients.concurrency import record_lock
from patients.services import (
    clinical_date_errors,
    follow_up_date_errors,
    record_apply_changes,
    record_check_editable,
    record_validate,
)
from webhooks.events import outbox_record
from webhooks.models import EventType

from .models import (
    NO_DEVICE,
    SIDED_DEVICE_TYPES,
    ContributingFactor,
    DevicePrescription,
    DeviceReview,
    DeviceSide,
    DeviceStatus,
    Drug,
    ExercisePlan,
    FallEvent,
    FallLocation,
    FallSource,
    Injury,
    MedicationEvent,
    PlanStatus,
    Referral,
    ReferralStatusChange,
    Urgency,
)
from .signals import care_changed, fall_saved

# Falls --------------------------------------------------------------------------------------

FALL_EDITABLE = (
    "occurred_at",
    "near_fall",
    "injury",
    "location",
    "activity",
    "device_in_use",
    "contributing_factors",
    "medical_attention",
    "notes",
)


def _fall_validate(fall):
    errors = {}
    if fall.occurred_at > timezone.now():
        errors["occurred_at"] = ["Must not be in the future."]
    else:
        errors |= clinical_date_errors("occurred_at", clinic_date(fall.occurred_at), fall.patient)
    factors = fall.contributing_factors
    if not isinstance(factors, list | tuple | set) or not set(factors) <= set(ContributingFactor.values):
        errors["contributing_factors"] = [f"Must be a list of: {', '.join(ContributingFactor.values)}."]
    else:
        # A subset: each factor once, in the canonical order.
        fall.contributing_factors = [f for f in ContributingFactor.values if f in factors]
    record_validate(fall, errors)


@transaction.atomic
def fall_record(
    *,
    patient,
    recorded_by,
    occurred_at,
    source=FallSource.CLINIC,
    near_fall=False,
    injury=Injury.NONE,
    location=FallLocation.HOME,
    activity="",
    device_in_use=NO_DEVICE,
    contributing_factors=(),
    medical_attention=False,
    notes="",
):
    """Record a fall or near-fall; one from the patient's diary has ``source`` diary and no
    ``recorded_by``. Either way the fall-risk check runs (SPEC §7: diary falls count in every rule)."""
    fall = FallEvent(
        patient=patient,
        recorded_by=recorded_by,
        source=source,
        occurred_at=occurred_at,
        near_fall=near_fall,
        injury=injury,
        location=location,
        activity=activity,
        device_in_use=device_in_use,
        contributing_factors=list(contributing_factors),
        medical_attention=medical_attention,
        notes=notes,
    )
    _fall_validate(fall)
    fall._history_user = recorded_by
    fall.save()
    # A fall that makes the patient high-risk reminds the physios once this commits.
    fall_saved.send(sender=FallEvent, patient=patient)
    outbox_record(
        clinic_id=patient.clinic_id,
        event_type=EventType.FALL_RECORDED,
        data={
            "fall": fall.pk,
            "patient": patient.pk,
            "occurred_at": fall.occurred_at.isoformat(),
            "near_fall": fall.near_fall,
        },
    )
    return fall


@transaction.atomic
def fall_update(*, fall, by, expected_version=None, **changes):
    fall = record_lock(fall, expected_version=expected_version)
    fields = record_apply_changes(fall, changes, editable=FALL_EDITABLE)
    _fall_validate(fall)
    fall._history_user = by
    fall.save(update_fields=[*fields, "updated_at"])
    fall_saved.send(sender=FallEvent, patient=fall.patient)
    return fall


# Assistive devices --------------------------------------------------------------------------

DEVICE_EDITABLE = (
    "device_type",
    "side",
    "prescribed_on",
    "reason",
    "review_due_on",
    "status",
    "discontinued_on",
)


def _device_validate(device):
    errors = clinical_date_errors("prescribed_on", device.prescribed_on, device.patient)
    errors |= follow_up_date_errors(
        "review_due_on", device.review_due_on, start=device.prescribed_on, start_name="prescription date"
    )
    if device.device_type in SIDED_DEVICE_TYPES and device.side == DeviceSide.NA:
        errors["side"] = ["An AFO or FES device is for a side: choose left, right or bilateral."]
    if device.status == DeviceStatus.DISCONTINUED:
        if device.discontinued_on is None:
            errors["discontinued_on"] = ["Required when the device is discontinued."]
        elif device.discontinued_on < device.prescribed_on:
            errors["discontinued_on"] = ["Must not be before the prescription date."]
        elif device.discontinued_on > clinic_today():
            errors["discontinued_on"] = ["Must not be in the future."]
    elif device.discontinued_on is not None:
        errors["discontinued_on"] = ["Only a discontinued device has a discontinuation date."]
    record_validate(device, errors)


@transaction.atomic
def device_prescribe(
    *,
    patient,
    prescribed_by,
    device_type,
    prescribed_on,
    review_due_on=None,
    side=DeviceSide.NA,
    reason="",
    status=DeviceStatus.ACTIVE,
    discontinued_on=None,
):
    """Prescribe a device; ``review_due_on`` defaults to 90 days after ``prescribed_on``."""
    device = DevicePrescription(
        patient=patient,
        prescribed_by=prescribed_by,
        device_type=device_type,
        side=side,
        prescribed_on=prescribed_on,
        review_due_on=review_due_on or DevicePrescription.default_review_due_on(prescribed_on),
        reason=reason,
        status=status,
        discontinued_on=discontinued_on,
    )
    _device_validate(device)
    device._history_user = prescribed_by
    device.save()
    outbox_record(
        clinic_id=patient.clinic_id,
        event_type=EventType.DEVICE_PRESCRIBED,
        data={
            "device": device.pk,
            "patient": patient.pk,
            "device_type": device.device_type,
            "prescribed_on": device.prescribed_on.isoformat(),
        },
    )
    return device


@transaction.atomic
def device_update(*, device, by, expected_version=None, **changes):
    """Change a prescription; putting a device back in use clears its discontinuation date."""
    device = record_lock(device, expected_version=expected_version)
    if changes.get("status") == DeviceStatus.ACTIVE:
        changes.setdefault("discontinued_on", None)
    fields = record_apply_changes(device, changes, editable=DEVICE_EDITABLE)
    _device_validate(device)
    device._history_user = by
    device.save(update_fields=[*fields, "updated_at"])
    return device


@transaction.atomic
def device_review(*, device, by, reviewed_on, next_review_due_on, note=""):
    """Record a review of an active device and set its ``review_due_on`` to ``next_review_due_on``.

    The next review is due from the day of the review to five years after the prescription.
    Raises ``ValidationError`` by field, and for a device discontinued or entered in error.
    """
    device = record_lock(device)
    record_check_editable(device)
    if device.status == DeviceStatus.DISCONTINUED:
        raise ValidationError("This device is discontinued: only a device in use is reviewed.")
    review = DeviceReview(
        device=device,
        reviewed_by=by,
        reviewed_on=reviewed_on,
        next_review_due_on=next_review_due_on,
        note=note,
        previous_review_due_on=device.review_due_on,
    )
    errors = clinical_date_errors("reviewed_on", reviewed_on, device.patient)
    if not errors and reviewed_on < device.prescribed_on:
        errors["reviewed_on"] = ["Must not be before the prescription date."]
    if next_review_due_on < reviewed_on:
        errors["next_review_due_on"] = ["Must not be before the review date."]
    else:
        errors |= follow_up_date_errors(
            "next_review_due_on",
            next_review_due_on,
            start=device.prescribed_on,
            start_name="prescription date",
        )
    record_validate(review, errors)
    review._history_user = by
    review.save()
    device.review_due_on = next_review_due_on
    device._history_user = by
    device.save(update_fields=["review_due_on", "updated_at"])
    return review


# Referrals ----------------------------------------------------------------------------------

REFERRAL_EDITABLE = ("to_service", "reason", "urgency", "referred_on", "due_by")


class TransitionNotAllowed(Exception):
    """A referral status move that SPEC §2 does not allow."""

    def __init__(self, referral, to_status):
        allowed = sorted(Referral.ALLOWED_TRANSITIONS[Referral.Status(referral.status)])
        onward = f"it may move to {', '.join(allowed)}" if allowed else "it is final"
        super().__init__(
            f"A referral cannot move from {referral.status} to {to_status}; from {referral.status} {onward}."
        )


def _referral_status_changed(referral, change):
    """Write the status change to the webhooks' outbox (a new referral's first status too)."""
    outbox_record(
        clinic_id=referral.patient.clinic_id,
        event_type=EventType.REFERRAL_STATUS_CHANGED,
        data={
            "referral": referral.pk,
            "patient": referral.patient_id,
            "from_status": change.from_status or None,
            "to_status": change.to_status,
        },
    )


def _referral_validate(referral):
    errors = clinical_date_errors("referred_on", referral.referred_on, referral.patient)
    # No due date yet: saving gives it the default, 14 or 42 days after the referral date.
    if referral.due_by is not None:
        errors |= follow_up_date_errors(
            "due_by", referral.due_by, start=referral.referred_on, start_name="referral date"
        )
    record_validate(referral, errors)


@transaction.atomic
def referral_create(
    *,
    patient,
    created_by,
    to_service,
    reason,
    urgency=Urgency.ROUTINE,
    referred_on=None,
    due_by=None,
    send=False,
):
    """Create a draft referral; ``referred_on`` defaults to today and ``due_by`` by urgency.

    With ``send`` it is moved on to sent by the same user in the same transaction: both moves
    are in its history, and if the move fails nothing is created.
    """
    referred_on = referred_on or clinic_today()
    referral = Referral(
        patient=patient,
        created_by=created_by,
        to_service=to_service,
        reason=reason,
        urgency=urgency,
        referred_on=referred_on,
        due_by=due_by,
    )
    _referral_validate(referral)
    referral._history_user = created_by
    referral.save()
    change = ReferralStatusChange.objects.create(
        referral=referral, to_status=referral.status, changed_by=created_by
    )
    _referral_status_changed(referral, change)
    if send:
        referral = referral_transition(referral=referral, to_status=Referral.Status.SENT, by=created_by)
    return referral


@transaction.atomic
def referral_update(*, referral, by, expected_version=None, **changes):
    """Change a referral's details; its status moves only by ``referral_transition``.

    A due date left at its default follows a change of urgency or referral date; one chosen
    by hand stays as it is.
    """
    referral = record_lock(referral, expected_version=expected_version)
    due_by_was_default = referral.due_by == Referral.default_due_by(referral.referred_on, referral.urgency)
    fields = record_apply_changes(referral, changes, editable=REFERRAL_EDITABLE)
    if due_by_was_default and "due_by" not in changes and {"urgency", "referred_on"} & set(changes):
        referral.due_by = None  # saving sets the default for the new urgency and date
        fields.append("due_by")
    _referral_validate(referral)
    referral._history_user = by
    referral.save(update_fields=[*fields, "updated_at"])
    return referral


@transaction.atomic
def referral_transition(*, referral, to_status, by, expected_version=None):
    """Move a referral to ``to_status`` and record who moved it, when, from and to.

    Raises ``TransitionNotAllowed`` for a move SPEC §2 does not allow.
    """
    # Locked: two concurrent moves from the same status must not both succeed.
    referral = record_lock(referral, expected_version=expected_version)
    record_check_editable(referral)
    if not referral.can_move_to(to_status):
        raise TransitionNotAllowed(referral, to_status)
    change = ReferralStatusChange(
        referral=referral, from_status=referral.status, to_status=to_status, changed_by=by
    )
    referral.status = to_status
    referral._history_user = by
    referral.save(update_fields=["status", "updated_at"])
    change.save()
    _referral_status_changed(referral, change)
    return referral


# Medication events ---------------------------------------------------------------------------

MEDICATION_EDITABLE = ("drug", "drug_name", "event", "occurred_on", "dose", "notes")


def _shows_anything(text):
    """Whether ``text`` has a character a reader would see (not only spaces, zero-width or control ones)."""
    return any(character.isprintable() and not character.isspace() for character in text)


def _medication_validate(medication):
    errors = clinical_date_errors("occurred_on", medication.occurred_on, medication.patient)
    # A name nobody can read (a zero-width space, say) names no medicine: it is no name at all.
    name = medication.drug_name.strip()
    medication.drug_name = name if _shows_anything(name) else ""
    if medication.drug == Drug.OTHER and not medication.drug_name:
        errors["drug_name"] = ["Required when the drug is other: name the medicine."]
    elif medication.drug != Drug.OTHER and medication.drug_name:
        errors["drug_name"] = [
            "Only a drug of other has a name of its own; leave it empty for a catalogue drug."
        ]
    record_validate(medication, errors)


@transaction.atomic
def medication_record(*, patient, recorded_by, drug, event, occurred_on, drug_name="", dose="", notes=""):
    """Record a start, change or stop of a medicine; the patient's findings are recorded again
    (rule 16 reads these events)."""
    medication = MedicationEvent(
        patient=patient,
        recorded_by=recorded_by,
        drug=drug,
        drug_name=drug_name,
        event=event,
        occurred_on=occurred_on,
        dose=dose,
        notes=notes,
    )
    _medication_validate(medication)
    medication._history_user = recorded_by
    medication.save()
    care_changed.send(sender=MedicationEvent, patient=patient)
    return medication


@transaction.atomic
def medication_update(*, medication, by, expected_version=None, **changes):
    medication = record_lock(medication, expected_version=expected_version)
    fields = record_apply_changes(medication, changes, editable=MEDICATION_EDITABLE)
    _medication_validate(medication)
    medication._history_user = by
    medication.save(update_fields=[*fields, "drug_name", "updated_at"])
    care_changed.send(sender=MedicationEvent, patient=medication.patient)
    return medication


# Exercise plans -----------------------------------------------------------------------------

PLAN_EDITABLE = (
    "muscle_group",
    "side",
    "kind",
    "prescription",
    "started_on",
    "review_on",
    "status",
    "ended_on",
)


def _plan_validate(plan):
    errors = clinical_date_errors("started_on", plan.started_on, plan.patient)
    errors |= follow_up_date_errors(
        "review_on", plan.review_on, start=plan.started_on, start_name="start date"
    )
    if plan.status == PlanStatus.ENDED:
        if plan.ended_on is None:
            errors["ended_on"] = ["Required when the plan has ended."]
        elif plan.ended_on < plan.started_on:
            errors["ended_on"] = ["Must not be before the start date."]
        elif plan.ended_on > clinic_today():
            errors["ended_on"] = ["Must not be in the future."]
    elif plan.ended_on is not None:
        errors["ended_on"] = ["Only an ended plan has an end date."]
    record_validate(plan, errors)


@transaction.atomic
def plan_prescribe(
    *,
    patient,
    prescribed_by,
    muscle_group,
    side,
    kind,
    started_on,
    review_on=None,
    prescription="",
    status=PlanStatus.ACTIVE,
    ended_on=None,
):
    """Prescribe an exercise plan; ``review_on`` defaults to 42 days after ``started_on``. The
    patient's findings are recorded again (rule 17 reads the active plans)."""
    plan = ExercisePlan(
        patient=patient,
        prescribed_by=prescribed_by,
        muscle_group=muscle_group,
        side=side,
        kind=kind,
        prescription=prescription,
        started_on=started_on,
        review_on=review_on or ExercisePlan.default_review_on(started_on),
        status=status,
        ended_on=ended_on,
    )
    _plan_validate(plan)
    plan._history_user = prescribed_by
    plan.save()
    care_changed.send(sender=ExercisePlan, patient=patient)
    return plan


@transaction.atomic
def plan_update(*, plan, by, expected_version=None, **changes):
    """Change a plan; putting an ended plan back in use clears its end date."""
    plan = record_lock(plan, expected_version=expected_version)
    if changes.get("status") == PlanStatus.ACTIVE:
        changes.setdefault("ended_on", None)
    fields = record_apply_changes(plan, changes, editable=PLAN_EDITABLE)
    _plan_validate(plan)
    plan._history_user = by
    plan.save(update_fields=[*fields, "updated_at"])
    care_changed.send(sender=ExercisePlan, patient=plan.patient)
    return plan
