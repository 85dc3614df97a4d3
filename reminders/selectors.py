"""Reads of reminders: only about valid patients and records, scoped by ``visible_to``."""

from .models import Reminder, ReminderStatus


def reminder_list(user):
    """Reminders of ``user``'s clinics (the API's list)."""
    return (
        Reminder.objects.valid()
        .visible_to(user)
        .select_related("acknowledged_by")
        .prefetch_related("recipients")
    )


def reminders_addressed_to(user):
    """Reminders addressed to ``user`` about valid patients and records of their clinics."""
    return Reminder.objects.valid().visible_to(user).filter(recipients=user)


def open_reminders_of(user):
    """What waits in ``user``'s inbox: addressed to them and not acknowledged yet."""
    return reminders_addressed_to(user).exclude(status=ReminderStatus.ACKNOWLEDGED)
