"""What staff do with their reminders, and how a reminder whose reason has gone resolves itself."""

from django.db.models import Exists, OuterRef
from django.db.models.functions import Coalesce
from django.utils import timezone

from patients.clock import clinic_today

from .kinds import KIND_RULES
from .models import OPEN_STATUSES, Reminder, ReminderStatus


def reminder_acknowledge(*, reminder, by):
    """Acknowledge an open reminder (idempotent: the first acknowledgement stands; a resolved
    reminder stays resolved).

    A conditional UPDATE, so that of two concurrent acknowledgements only one is recorded.
    Acknowledging a reminder the sweep has not sent yet counts as its delivery.
    """
    now = timezone.now()
    Reminder.objects.filter(pk=reminder.pk, status__in=OPEN_STATUSES).update(
        status=ReminderStatus.ACKNOWLEDGED,
        acknowledged_by=by,
        acknowledged_at=now,
        sent_at=Coalesce("sent_at", now),
    )
    reminder.refresh_from_db()
    return reminder


def reminders_resolve(*, today, reminders=None):
    """Resolve every open reminder of ``reminders`` (default: all) whose reason has gone.

    Gone: its kind's condition (``reminders.kinds``) no longer holds, or its patient or subject
    is entered in error. One conditional UPDATE per kind, its conditions EXISTS subqueries on
    the updated row itself, so an UPDATE that waited on a row lock re-checks the row it then
    finds (an acknowledged reminder stays acknowledged). Returns how many resolved, by kind.
    """
    reminders = Reminder.objects.all() if reminders is None else reminders
    still_valid = Exists(Reminder.objects.valid().filter(pk=OuterRef("pk")))
    now = timezone.now()
    return {
        kind: reminders.filter(kind=kind, status__in=OPEN_STATUSES)
        .exclude(still_valid & rules.holds(today))
        .update(status=ReminderStatus.RESOLVED, resolved_at=now)
        for kind, rules in KIND_RULES.items()
    }


def reminders_resolve_on_entered_in_error(sender, *, record, **kwargs):
    """``patients.signals.record_entered_in_error``: resolve at once the open reminders about the
    record (its subject, or the patient), so that none is left hidden from the inbox. What the
    record changed for other reminders of the patient, the next sweep or delivery sees."""
    if record.patient_record is record:
        about = {"patient": record}
    elif record.record_type.reminder_subject:
        about = {record.record_type.slug: record}
    else:
        return
    reminders_resolve(today=clinic_today(), reminders=Reminder.objects.filter(**about))
