"""Delivering one reminder by email, exactly once.

The claim (pending → sent) is a conditional UPDATE in the same transaction as the sending:
a second task for the same reminder waits on the row lock and then finds nothing to claim,
and a worker killed mid-send rolls the claim back, leaving the reminder pending for the
redelivered task or the next sweep. A reminder whose patient or subject is marked entered
in error is never claimed.
"""

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from .models import Reminder, ReminderKind, ReminderStatus

SUBJECTS = {
    ReminderKind.REASSESSMENT_DUE: "Reassessment due {due_on}: {patient}",
    ReminderKind.REFERRAL_OVERDUE: "Referral overdue since {due_on}: {patient}",
    ReminderKind.DEVICE_REVIEW_DUE: "Device review due {due_on}: {patient}",
    ReminderKind.FALL_RISK: "High fall risk: {patient}",
}


def _message(reminder, recipient):
    subject = SUBJECTS[ReminderKind(reminder.kind)].format(due_on=reminder.due_on, patient=reminder.patient)
    body = "\n".join(
        [
            f"Dear {recipient.get_full_name() or recipient.username},",
            "",
            f"{subject}.",
            f"Clinic: {reminder.patient.clinic}",
            f"About: {reminder.subject or reminder.patient}",
            "",
            "Acknowledge it in the reminders list of the MS Strength Clinic.",
        ]
    )
    return EmailMessage(
        f"[MS Strength Clinic] {subject}", body, settings.DEFAULT_FROM_EMAIL, [recipient.email]
    )


def reminder_deliver(*, reminder_id):
    """Send a pending reminder to its recipients and mark it sent; ``False`` if there was nothing to send.

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
        reminder = Reminder.objects.select_related("patient__clinic", "referral", "device", "fall").get(
            pk=reminder_id
        )
        messages = [_message(reminder, user) for user in reminder.recipients.exclude(email="")]
        # An error here rolls the claim back; the task retries and the sweep re-queues it.
        get_connection(fail_silently=False).send_messages(messages)
    return True
