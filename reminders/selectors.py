"""Reads of reminders, scoped by ``visible_to``: those about valid patients and records, and
the acknowledged and resolved ones about any (``ReminderQuerySet.readable``)."""

from django.db.models import Count, Q

from patients.records import reminder_subject_types

from .models import OPEN_STATUSES, Reminder, ReminderStatus


def reminder_list(user):
    """Reminders of ``user``'s clinics (the API's list)."""
    return (
        Reminder.objects.readable()
        .visible_to(user)
        .select_related("acknowledged_by")
        .prefetch_related("recipients")
    )


def reminders_addressed_to(user):
    """The readable reminders of ``user``'s clinics addressed to them."""
    return Reminder.objects.readable().visible_to(user).filter(recipients=user)


def open_reminders_of(user):
    """What waits in ``user``'s inbox: addressed to them, pending or sent."""
    return reminders_addressed_to(user).open()


def with_row_details(reminders):
    """``reminders`` with what a row of the inbox shows loaded: the patient, the subject of
    whichever record type it is about, and who acknowledged it."""
    return reminders.select_related("patient", *reminder_subject_types(), "acknowledged_by")


# The inbox's tabs: the statuses each shows, in its order (open: soonest due first).
INBOX_TABS = {
    "open": (OPEN_STATUSES, ("due_on", "id")),
    "acknowledged": ((ReminderStatus.ACKNOWLEDGED,), ("-acknowledged_at", "-id")),
    "resolved": ((ReminderStatus.RESOLVED,), ("-resolved_at", "-id")),
}


def inbox_of(user, *, show="open"):
    """``user``'s inbox: the open reminders, due first; or the acknowledged or resolved ones, latest first."""
    statuses, order = INBOX_TABS[show]
    return with_row_details(reminders_addressed_to(user).filter(status__in=statuses)).order_by(*order)


def inbox_counts(user):
    """How many of the reminders addressed to ``user`` are open, acknowledged and resolved (one query)."""
    return reminders_addressed_to(user).aggregate(
        open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        acknowledged=Count("pk", filter=Q(status=ReminderStatus.ACKNOWLEDGED)),
        resolved=Count("pk", filter=Q(status=ReminderStatus.RESOLVED)),
    )
