"""Digest emails: one per recipient, announcing each reminder to each of its recipients once.

A digest claims what it announces in one transaction with the sending: it locks the
recipient's deliveries not yet announced, resolves those reminders whose reason has gone (so
nothing is emailed about a resolved reminder), marks the rest announced and sends one email.
A second digest for the same recipient waits on the lock and then finds nothing left; a worker
killed mid-send rolls everything back, leaving the deliveries for the redelivered task or the
next sweep. The email names no patient: it counts the new reminders by kind and links to the
inbox.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Count
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .models import Reminder, ReminderKind, ReminderRecipient, ReminderStatus
from .selectors import open_reminders_of
from .services import reminders_resolve


def _digest(recipient, announced):
    """The email announcing the ``announced`` reminders (a queryset) to ``recipient``.

    It names no patient (SPEC §2): no name, MRN or date of birth travels by email; the
    details are one sign-in away.
    """
    counts = dict(announced.order_by().values_list("kind").annotate(count=Count("id")))
    context = {
        "recipient": recipient,
        "new": [(kind.label, counts[kind]) for kind in ReminderKind if counts.get(kind)],
        "total": sum(counts.values()),
        "open": open_reminders_of(recipient).count(),
        "inbox_url": settings.SITE_URL + reverse("web:reminder_inbox"),
    }
    return EmailMessage(
        render_to_string("reminders/reminder_email_subject.txt", context).strip(),
        render_to_string("reminders/reminder_email.txt", context),
        settings.DEFAULT_FROM_EMAIL,
        [recipient.email],
    )


def reminder_digest_send(*, user_id, today):
    """Announce to one recipient, in one email, every reminder not yet announced to them that
    is still open once checked against ``today``; returns how many it announced (0: no email)."""
    with transaction.atomic():
        # Lock the recipient's deliveries: a second digest for them waits here, and PostgreSQL
        # re-checks "not yet announced" on the rows it then gets, so it finds them announced.
        deliveries = dict(
            ReminderRecipient.objects.unannounced()
            .filter(user_id=user_id)
            .select_for_update(of=("self",))
            .values_list("reminder_id", "pk")
        )
        if not deliveries:
            return 0
        # Then their reminders, in one order, so that two recipients' digests never deadlock.
        reminders = Reminder.objects.filter(pk__in=list(deliveries))
        list(reminders.select_for_update().order_by("pk").values_list("pk"))
        reminders_resolve(today=today, reminders=reminders)
        announced = reminders.open()
        announced_ids = list(announced.values_list("pk", flat=True))
        if not announced_ids:
            return 0
        now = timezone.now()
        ReminderRecipient.objects.filter(pk__in=[deliveries[pk] for pk in announced_ids]).update(
            notified_at=now
        )
        announced.filter(status=ReminderStatus.PENDING).update(status=ReminderStatus.SENT, sent_at=now)
        recipient = get_user_model().objects.get(pk=user_id)
        message = _digest(recipient, Reminder.objects.filter(pk__in=announced_ids))
        # An error here rolls the claim back; the task retries and the sweep re-queues it.
        get_connection(fail_silently=False).send_messages([message])
    return len(announced_ids)
