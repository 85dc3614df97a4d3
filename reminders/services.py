"""What staff do with their reminders."""

from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import Reminder, ReminderStatus


def reminder_acknowledge(*, reminder, by):
    """Acknowledge a reminder (idempotent: the first acknowledgement stands).

    A conditional UPDATE, so that of two concurrent acknowledgements only one is recorded.
    Acknowledging a reminder the sweep has not sent yet counts as its delivery.
    """
    now = timezone.now()
    Reminder.objects.filter(pk=reminder.pk).exclude(status=ReminderStatus.ACKNOWLEDGED).update(
        status=ReminderStatus.ACKNOWLEDGED,
        acknowledged_by=by,
        acknowledged_at=now,
        sent_at=Coalesce("sent_at", now),
    )
    reminder.refresh_from_db()
    return reminder
