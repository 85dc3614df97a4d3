"""Follow-up reminders: one row per (kind, subject or patient, due date), never two."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from clinical_rules.rules import FollowUpKind
from patients.models import ClinicScopedQuerySet
from patients.records import reminder_subject_types

# A reminder is about one follow-up the rules find due.
ReminderKind = FollowUpKind


class ReminderStatus(models.TextChoices):
    PENDING = "pending"
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"


# Which subject each kind is about, by its record type's slug (the name of the foreign key
# below); a reassessment is about the patient alone.
SUBJECT_FIELD_OF_KIND = {
    ReminderKind.REASSESSMENT_DUE: None,
    ReminderKind.REFERRAL_OVERDUE: "referral",
    ReminderKind.DEVICE_REVIEW_DUE: "device",
    ReminderKind.FALL_RISK: "fall",
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


class ReminderQuerySet(ClinicScopedQuerySet):
    def valid(self):
        """Reminders whose patient and subject are not marked entered-in-error: the ones listed and sent."""
        return self.filter(
            Q(patient__entered_in_error_at__isnull=True),
            *(
                Q(**{f"{subject}__isnull": True}) | Q(**{f"{subject}__entered_in_error_at__isnull": True})
                for subject in reminder_subject_types()
            ),
        )


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
    due_on = models.DateField()
    recipients = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="reminders")
    status = models.CharField(max_length=12, choices=ReminderStatus, default=ReminderStatus.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

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
            models.CheckConstraint(
                condition=Q(status="pending") | Q(sent_at__isnull=False), name="reminder_sent_has_sent_at"
            ),
            models.CheckConstraint(
                condition=~Q(status="acknowledged")
                | Q(acknowledged_at__isnull=False, acknowledged_by__isnull=False),
                name="reminder_acknowledged_has_who_and_when",
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
