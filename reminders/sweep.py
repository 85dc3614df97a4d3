"""The reminder sweep: find every follow-up that is due and create its reminder once.

Finding is set-based (one query per kind); creating relies on the database's unique
constraints (kind, subject or patient, due_on) with ``ignore_conflicts``, so a sweep run
twice, or two sweeps at once, create nothing twice. Delivery is queued on commit for every
reminder still pending, so whatever a broker outage left behind goes out on the next sweep.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery

from assessments.rules import clinic_date, fall_window
from care.models import DevicePrescription, FallEvent, Referral
from patients.models import Patient, Role, StaffMembership

from .models import Reminder, ReminderKind, ReminderStatus

logger = logging.getLogger(__name__)

# Who hears about each kind: roles of the patient's clinic, or the record's author.
CLINIC_ROLES_OF_KIND = {
    ReminderKind.REASSESSMENT_DUE: (Role.NURSE, Role.PHYSIO),
    ReminderKind.FALL_RISK: (Role.PHYSIO,),
}


@dataclass(frozen=True)
class _Due:
    kind: str
    patient_id: int
    due_on: object
    clinic_id: int
    subject_id: int | None = None
    author_id: int | None = None

    def reminder(self):
        subject_field = {
            ReminderKind.REFERRAL_OVERDUE: "referral_id",
            ReminderKind.DEVICE_REVIEW_DUE: "device_id",
            ReminderKind.FALL_RISK: "fall_id",
        }.get(self.kind)
        subject = {subject_field: self.subject_id} if subject_field else {}
        return Reminder(kind=self.kind, patient_id=self.patient_id, due_on=self.due_on, **subject)

    def key(self):
        return (self.kind, self.subject_id or self.patient_id, self.due_on)


def reassessments_due(today):
    """SPEC §3 rule 6, in the database."""
    patients = Patient.objects.valid().with_follow_up(today).due_for_reassessment(today)
    return [
        _Due(ReminderKind.REASSESSMENT_DUE, p["id"], p["next_assessment_due"], p["clinic_id"])
        for p in patients.values("id", "clinic_id", "next_assessment_due")
    ]


def referrals_overdue(today):
    """SPEC §3 rule 7, in the database."""
    referrals = Referral.objects.valid().overdue(today).filter(patient__entered_in_error_at__isnull=True)
    return [
        _Due(
            ReminderKind.REFERRAL_OVERDUE,
            r["patient_id"],
            r["due_by"],
            r["patient__clinic_id"],
            r["id"],
            r["created_by_id"],
        )
        for r in referrals.values("id", "patient_id", "patient__clinic_id", "due_by", "created_by_id")
    ]


def device_reviews_due(today):
    """SPEC §3 rule 8, in the database."""
    devices = (
        DevicePrescription.objects.valid().review_due(today).filter(patient__entered_in_error_at__isnull=True)
    )
    return [
        _Due(
            ReminderKind.DEVICE_REVIEW_DUE,
            d["patient_id"],
            d["review_due_on"],
            d["patient__clinic_id"],
            d["id"],
            d["prescribed_by_id"],
        )
        for d in devices.values("id", "patient_id", "patient__clinic_id", "review_due_on", "prescribed_by_id")
    ]


def fall_risks(today, patient_ids=None):
    """SPEC §3 rule 5: patients at high fall risk with no fall-risk reminder for a fall in the window.

    The reminder is about the latest fall in the window — the one that made (or keeps) the
    patient high-risk — so a patient is reminded about once per episode, not once a sweep.
    """
    start, _ = fall_window(today)
    window_falls = FallEvent.objects.in_window(today).filter(patient=OuterRef("pk"))
    already_reminded = Reminder.objects.filter(
        kind=ReminderKind.FALL_RISK, patient=OuterRef("pk"), due_on__gte=start
    )
    patients = (
        Patient.objects.valid().with_follow_up(today).at_high_fall_risk().filter(~Exists(already_reminded))
    )
    if patient_ids is not None:
        patients = patients.filter(pk__in=patient_ids)
    patients = patients.annotate(
        latest_fall=Subquery(window_falls.order_by("-occurred_at", "-id").values("id")[:1]),
        latest_fall_at=Subquery(window_falls.order_by("-occurred_at", "-id").values("occurred_at")[:1]),
    )
    return [
        _Due(
            ReminderKind.FALL_RISK,
            p["id"],
            clinic_date(p["latest_fall_at"]),
            p["clinic_id"],
            p["latest_fall"],
        )
        for p in patients.values("id", "clinic_id", "latest_fall", "latest_fall_at")
    ]


def _create(dues):
    """Insert the reminders that do not exist yet and give each new one its recipients."""
    if not dues:
        return []
    Reminder.objects.bulk_create([due.reminder() for due in dues], ignore_conflicts=True, batch_size=1000)
    by_key = {due.key(): due for due in dues}
    # Reminders of these keys that have no recipients yet are the ones this sweep created.
    fresh = Reminder.objects.filter(
        kind__in={due.kind for due in dues},
        patient_id__in={due.patient_id for due in dues},
        due_on__in={due.due_on for due in dues},
        recipients__isnull=True,
    ).values_list("id", "kind", "patient_id", "referral_id", "device_id", "fall_id", "due_on")
    created = []
    for reminder_id, kind, patient_id, referral_id, device_id, fall_id, due_on in fresh:
        key = (kind, referral_id or device_id or fall_id or patient_id, due_on)
        if key in by_key:
            created.append((reminder_id, by_key[key]))
    staff = _clinic_staff({due.clinic_id for _, due in created})
    Through = Reminder.recipients.through
    Through.objects.bulk_create(
        [
            Through(reminder_id=reminder_id, user_id=user_id)
            for reminder_id, due in created
            for user_id in _recipients(due, staff)
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )
    return [reminder_id for reminder_id, _ in created]


def _clinic_staff(clinic_ids):
    """``{(clinic_id, role): {user ids}}`` for active staff of these clinics."""
    staff = defaultdict(set)
    memberships = StaffMembership.objects.filter(clinic_id__in=clinic_ids, user__is_active=True).values_list(
        "clinic_id", "user_id", "user__groups__name"
    )
    for clinic_id, user_id, role in memberships:
        staff[(clinic_id, role)].add(user_id)
    return staff


def _recipients(due, staff):
    roles = CLINIC_ROLES_OF_KIND.get(due.kind)
    if roles is None:
        return {due.author_id}
    return set().union(*(staff[(due.clinic_id, role)] for role in roles))


def queue_pending_deliveries():
    """Queue a delivery task, on commit, for every reminder still pending."""
    from .tasks import queue_delivery

    pending = list(Reminder.objects.filter(status=ReminderStatus.PENDING).values_list("id", flat=True))
    transaction.on_commit(lambda: queue_delivery(pending))
    return pending


@transaction.atomic
def reminder_sweep(*, today):
    """Create every due reminder once, and queue delivery of all pending ones. Returns the new ids by kind."""
    created = {
        ReminderKind.REASSESSMENT_DUE: _create(reassessments_due(today)),
        ReminderKind.REFERRAL_OVERDUE: _create(referrals_overdue(today)),
        ReminderKind.DEVICE_REVIEW_DUE: _create(device_reviews_due(today)),
        ReminderKind.FALL_RISK: _create(fall_risks(today)),
    }
    queue_pending_deliveries()
    return created


@transaction.atomic
def fall_risk_check(*, patient, today):
    """After a fall is recorded: if it made the patient high-risk, remind the clinic's physios (on commit)."""
    from .tasks import queue_delivery

    created = _create(fall_risks(today, patient_ids=[patient.pk]))
    if created:
        transaction.on_commit(lambda: queue_delivery(created))
    return created
