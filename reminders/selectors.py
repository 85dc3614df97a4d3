"""Reads of reminders: only about valid patients and records, scoped by ``visible_to``."""

from patients.records import reminder_subject_types

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


def with_row_details(reminders):
    """``reminders`` with what a row of the inbox shows loaded: the patient, the subject of
    whichever record type it is about, and who acknowledged it."""
    return reminders.select_related("patient", *reminder_subject_types(), "acknowledged_by")


def inbox_of(user, *, acknowledged=False):
    """``user``'s inbox: the open reminders, due first; or the acknowledged ones, latest first."""
    if acknowledged:
        reminders = reminders_addressed_to(user).filter(status=ReminderStatus.ACKNOWLEDGED)
        return with_row_details(reminders).order_by("-acknowledged_at", "-id")
    return with_row_details(open_reminders_of(user)).order_by("due_on", "id")
