"""Follow-up reminders: one row per (kind, subject or patient, due date), never two; and each
reminder's deliveries, one per recipient, announced once."""

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q

from clinical_rules.rules import FollowUpKind
from patients.models import ClinicScopedQuerySet, StaffMembership
from patients.records import reminder_subject_types

# A reminder is about one follow-up the rules find due.
ReminderKind = FollowUpKind


class ReminderStatus(models.TextChoices):
    PENDING = "pending"
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    # Its reason has gone (SPEC §2): the sweep or a delivery found its condition no longer holds.
    RESOLVED = "resolved"


# Waiting for someone to act on it: in the inbox, announced by email, open to resolution.
OPEN_STATUSES = (ReminderStatus.PENDING, ReminderStatus.SENT)


# Which subject each kind is about, by its record type's slug (the name of the foreign key
# below); a reassessment is about the patient alone.
SUBJECT_FIELD_OF_KIND = {
    ReminderKind.REASSESSMENT_DUE: None,
    ReminderKind.REFERRAL_OVERDUE: "referral",
    ReminderKind.DEVICE_REVIEW_DUE: "device",
    ReminderKind.FALL_RISK: "fall",
    ReminderKind.STRENGTH_REVIEW: "assessment",
}


def _subject_matches_kind():
    subject_fields = [field for field in SUBJECT_FIELD_OF_KIND.values() if field]
    cases = []
    for kind, field in SUBJECT_FIELD_OF_KIND.items():
        present = {f"{name}__isnull": name != field for name in subject_fields}
        cases.append(Q(kind=kind, **present))
    condition = cases[0]
    for case in cases[1:]:
        condition |= case
    return condition


def _about_valid_records():
    """A reminder whose patient, and subject if it has one, are not marked entered in error."""
    condition = Q(patient__entered_in_error_at__isnull=True)
    for subject in reminder_subject_types():
        condition &= Q(**{f"{subject}__isnull": True}) | Q(
            **{f"{subject}__entered_in_error_at__isnull": True}
        )
    return condition


class ReminderQuerySet(ClinicScopedQuerySet):
    def valid(self):
        """Reminders whose patient and subject are not marked entered in error: the ones sent."""
        return self.filter(_about_valid_records())

    def readable(self):
        """What lists and pages show: reminders about valid records, and the acknowledged and
        resolved ones about any record (SPEC §2: resolved reminders stay readable). Marking a
        patient or a subject entered in error resolves the open reminders about it in the same
        transaction (``reminders.services.reminders_resolve_on_entered_in_error``), so none is
        left hidden."""
        return self.filter(_about_valid_records() | ~Q(status__in=OPEN_STATUSES))

    def open(self):
        """Pending or sent: not acknowledged, not resolved."""
        return self.filter(status__in=OPEN_STATUSES)


class Reminder(models.Model):
    Kind = ReminderKind
    Status = ReminderStatus

    kind = models.CharField(max_length=20, choices=ReminderKind)
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="reminders")
    referral = models.ForeignKey(
        "care.Referral", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    device = models.ForeignKey(
        "care.DevicePrescription", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    fall = models.ForeignKey(
        "care.FallEvent", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assessment = models.ForeignKey(
        "assessments.Assessment", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    due_on = models.DateField()
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="ReminderRecipient", related_name="reminders"
    )
    status = models.CharField(max_length=12, choices=ReminderStatus, default=ReminderStatus.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    clinic_lookup = "patient__clinic"
    objects = ReminderQuerySet.as_manager()

    class Meta:
        ordering = ["-due_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ReminderKind.values), name="reminder_kind_valid"),
            models.CheckConstraint(
                condition=Q(status__in=ReminderStatus.values), name="reminder_status_valid"
            ),
            models.CheckConstraint(condition=_subject_matches_kind(), name="reminder_subject_matches_kind"),
            # A reminder may resolve itself before it was ever sent.
            models.CheckConstraint(
                condition=Q(status__in=["pending", "resolved"]) | Q(sent_at__isnull=False),
                name="reminder_sent_has_sent_at",
            ),
            models.CheckConstraint(
                condition=~Q(status="acknowledged")
                | Q(acknowledged_at__isnull=False, acknowledged_by__isnull=False),
                name="reminder_acknowledged_has_who_and_when",
            ),
            models.CheckConstraint(
                condition=Q(status="resolved", resolved_at__isnull=False)
                | (~Q(status="resolved") & Q(resolved_at__isnull=True)),
                name="reminder_resolved_has_resolved_at",
            ),
            # The same reminder is never created twice: (kind, subject or patient, due_on).
            models.UniqueConstraint(
                fields=["patient", "due_on"],
                condition=Q(kind=ReminderKind.REASSESSMENT_DUE),
                name="unique_reassessment_reminder",
            ),
            models.UniqueConstraint(
                fields=["referral", "due_on"],
                condition=Q(kind=ReminderKind.REFERRAL_OVERDUE),
                name="unique_referral_reminder",
            ),
            models.UniqueConstraint(
                fields=["device", "due_on"],
                condition=Q(kind=ReminderKind.DEVICE_REVIEW_DUE),
                name="unique_device_reminder",
            ),
            models.UniqueConstraint(
                fields=["fall", "due_on"],
                condition=Q(kind=ReminderKind.FALL_RISK),
                name="unique_fall_risk_reminder",
            ),
            models.UniqueConstraint(
                fields=["assessment", "due_on"],
                condition=Q(kind=ReminderKind.STRENGTH_REVIEW),
                name="unique_strength_review_reminder",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_on"], name="reminder_status_due")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.due_on} — {self.patient}"

    @property
    def patient_record_id(self):
        """The patient it is about, as a clinical record names its patient (the access log reads it)."""
        return self.patient_id

    @property
    def subject(self):
        field = SUBJECT_FIELD_OF_KIND[ReminderKind(self.kind)]
        return getattr(self, field) if field else None


class ReminderRecipientQuerySet(models.QuerySet):
    def unannounced(self):
        """Deliveries still to announce: an open reminder not yet told to a recipient who can read
        it in their inbox (active, with an email address, of its patient's clinic). One about a
        record entered in error is among them until the sweep or the digest resolves it."""
        member = StaffMembership.objects.filter(
            user=OuterRef("user"), clinic=OuterRef("reminder__patient__clinic")
        )
        return self.filter(
            Q(user__is_superuser=True) | Exists(member),
            reminder__status__in=OPEN_STATUSES,
            notified_at__isnull=True,
            user__is_active=True,
        ).exclude(user__email="")


class ReminderRecipient(models.Model):
    """One recipient of one reminder, and when their digest email announced it (SPEC §2: once)."""

    reminder = models.ForeignKey(Reminder, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    notified_at = models.DateTimeField(null=True, blank=True)

    objects = ReminderRecipientQuerySet.as_manager()

    class Meta:
        # The table Django made for ``Reminder.recipients`` before deliveries had a row of their own.
        db_table = "reminders_reminder_recipients"
        constraints = [
            models.UniqueConstraint(fields=["reminder", "user"], name="unique_reminder_recipient"),
        ]
        indexes = [
            models.Index(
                fields=["user"], condition=Q(notified_at__isnull=True), name="reminder_recipient_unannounced"
            )
        ]

    def __str__(self):
        return f"{self.reminder_id} → {self.user_id}"
