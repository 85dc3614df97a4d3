"""Delivering one reminder by email, exactly once.

The claim (pending → sent) is a conditional UPDATE in the same transaction as the sending:
a second task for the same reminder waits on the row lock and then finds nothing to claim,
and a worker killed mid-send rolls the claim back, leaving the reminder pending for the
redelivered task or the next sweep. A reminder whose patient or subject is marked entered
in error is never claimed. The email names no patient: it counts what waits in each
recipient's inbox, by kind, and links there.
"""

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Count, Exists, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .models import Reminder, ReminderKind, ReminderStatus
from .selectors import open_reminders_of


def _waiting_by_kind(user):
    """The user's open reminders counted by kind, as their inbox counts them, in the kinds' order.

    Open: valid, of the user's clinics, addressed to them and not acknowledged yet.
    """
    counts = dict(open_reminders_of(user).order_by().values_list("kind").annotate(count=Count("id")))
    return [(kind.label, counts[kind]) for kind in ReminderKind if counts.get(kind)]


def _message(recipient):
    """The email telling ``recipient`` what waits in their inbox, or ``None`` if nothing does.

    It names no patient (SPEC §2): no name, MRN or date of birth travels by email; the
    details are one sign-in away.
    """
    waiting = _waiting_by_kind(recipient)
    if not waiting:
        return None
    context = {
        "recipient": recipient,
        "waiting": waiting,
        "total": sum(count for _, count in waiting),
        "inbox_url": settings.SITE_URL + reverse("web:reminder_inbox"),
    }
    return EmailMessage(
        render_to_string("reminders/reminder_email_subject.txt", context).strip(),
        render_to_string("reminders/reminder_email.txt", context),
        settings.DEFAULT_FROM_EMAIL,
        [recipient.email],
    )


def reminder_deliver(*, reminder_id):
    """Tell a pending reminder's recipients what waits in their inbox and mark it sent; ``False``
    if there was nothing to send.

    A reminder whose patient or subject is marked entered in error is not sent (and stays pending).
    """
    with transaction.atomic():
        # One conditional UPDATE. The status test is on the updated row itself, so a second
        # claim that waited on the row lock re-reads it and finds it sent; validity is a
        # subquery, because an UPDATE filtered through joins becomes "id IN (SELECT ...)", whose
        # status test PostgreSQL would not re-check after the wait.
        valid = Reminder.objects.valid().filter(pk=OuterRef("pk"))
        claimed = Reminder.objects.filter(
            Exists(valid), pk=reminder_id, status=ReminderStatus.PENDING
        ).update(status=ReminderStatus.SENT, sent_at=timezone.now())
        if not claimed:
            return False
        reminder = Reminder.objects.get(pk=reminder_id)
        messages = [_message(user) for user in reminder.recipients.exclude(email="")]
        messages = [message for message in messages if message is not None]
        # An error here rolls the claim back; the task retries and the sweep re-queues it.
        get_connection(fail_silently=False).send_messages(messages)
    return True
