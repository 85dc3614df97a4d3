"""Digest emails: one per recipient per sweep, counting the new reminders by kind, naming no
patient, announcing each reminder to each recipient once (in process; the worker tests run
them through Celery and Redis)."""

from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.utils import timezone

from reminders.delivery import reminder_digest_send
from reminders.models import Reminder, ReminderRecipient
from reminders.services import reminder_acknowledge
from reminders.sweep import fall_risk_check, queue_digests_of_unannounced, reminder_sweep
from tests.factories import DeviceFactory, PatientFactory, ReminderFactory

from .conftest import TODAY
from .records import assessed_patient, fall_on

pytestmark = pytest.mark.django_db


def mail_to(username):
    return [message for message in mail.outbox if message.to == [f"{username}@clinic.example"]]


def identifiers_of(patient):
    return [patient.given_name, patient.family_name, patient.mrn, "1975", "17/05", "05/17"]


@pytest.fixture
def at_the_clinic_today():
    """The clock at noon on TODAY, for the digests a sweep queues (they read the clinic's today)."""
    with time_machine.travel(timezone.make_aware(datetime.combine(TODAY, time(12))), tick=False):
        yield


def test_a_sweep_sends_one_digest_per_recipient_counting_its_new_reminders_by_kind(
    north, staff, settings, at_the_clinic_today, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://clinic.example.org"
    due = [assessed_patient(north, last_assessed_on=TODAY - timedelta(weeks=13)) for _ in range(2)]
    falling = assessed_patient(north, last_assessed_on=TODAY)
    for days_ago in (9, 2):
        fall_on(falling, TODAY - timedelta(days=days_ago))

    with django_capture_on_commit_callbacks(execute=True):
        reminder_sweep(today=TODAY)

    (to_nora,), (to_phil,) = mail_to("nora"), mail_to("phil")
    assert len(mail.outbox) == 2
    assert to_nora.subject == "[MS Strength Clinic] 2 new reminders: 2 reassessment due"
    assert to_phil.subject == "[MS Strength Clinic] 3 new reminders: 2 reassessment due, 1 high fall risk"
    assert "3 new reminders are waiting for you" in to_phil.body
    assert "  2 × Reassessment due\n  1 × High fall risk\n" in to_phil.body
    assert (
        "You have 3 open reminders in all. See them in your reminders: https://clinic.example.org/reminders/"
        in to_phil.body
    )
    for patient in [*due, falling]:
        for identifier in identifiers_of(patient):
            for message in mail.outbox:
                assert identifier not in message.subject + message.body
    assert set(Reminder.objects.values_list("status", flat=True)) == {"sent"}

    # The next sweep finds nothing new to announce: no email.
    with django_capture_on_commit_callbacks(execute=True):
        reminder_sweep(today=TODAY)
    assert len(mail.outbox) == 2


def test_each_reminder_is_announced_to_each_recipient_once(north, staff):
    patient = assessed_patient(north, last_assessed_on=TODAY - timedelta(weeks=13))
    (reminder_id,) = reminder_sweep(today=TODAY)["reassessment_due"]
    assert reminder_digest_send(user_id=staff["phil"].pk, today=TODAY) == 1
    assert reminder_digest_send(user_id=staff["phil"].pk, today=TODAY) == 0
    assert reminder_digest_send(user_id=staff["nora"].pk, today=TODAY) == 1
    assert sorted(m.to[0] for m in mail.outbox) == ["nora@clinic.example", "phil@clinic.example"]
    reminder = Reminder.objects.get(pk=reminder_id)
    assert reminder.status == "sent" and reminder.sent_at is not None
    assert ReminderRecipient.objects.filter(reminder=reminder, notified_at__isnull=False).count() == 2

    # A new reminder later: the next digest announces it alone, and says what waits in all.
    device = DeviceFactory(
        patient=patient,
        prescribed_by=staff["phil"],
        prescribed_on=TODAY - timedelta(days=90),
        review_due_on=TODAY,
    )
    reminder_sweep(today=TODAY)
    assert reminder_digest_send(user_id=staff["phil"].pk, today=TODAY) == 1
    latest = mail.outbox[-1]
    assert latest.subject == "[MS Strength Clinic] 1 new reminder: 1 device review due"
    assert "You have 2 open reminders in all." in latest.body
    assert Reminder.objects.get(device=device).status == "sent"


def test_only_recipients_who_can_read_it_in_their_inbox_are_told(north, staff, nora, phil, sam, ada):
    assessed_patient(north, last_assessed_on=TODAY - timedelta(weeks=13))
    (reminder_id,) = reminder_sweep(today=TODAY)["reassessment_due"]
    reminder = Reminder.objects.get(pk=reminder_id)
    # Sam works at clinic south: north's reminders never show in his inbox; Ada has left, and
    # Phil has no email address.
    ada.is_active = False
    ada.save()
    reminder.recipients.add(sam, ada)
    phil.email = ""
    phil.save()
    with transaction.atomic():
        queued = queue_digests_of_unannounced()
        transaction.set_rollback(True)
    assert queued == [nora.pk]
    for user in (sam, ada, phil):
        assert reminder_digest_send(user_id=user.pk, today=TODAY) == 0
    assert reminder_digest_send(user_id=nora.pk, today=TODAY) == 1
    assert [m.to for m in mail.outbox] == [["nora@clinic.example"]]


def test_a_failed_send_leaves_the_reminder_unannounced(north, staff, settings):
    settings.EMAIL_BACKEND = "tests.support.email.FailingBackend"
    assessed_patient(north, last_assessed_on=TODAY - timedelta(weeks=13))
    (reminder_id,) = reminder_sweep(today=TODAY)["reassessment_due"]
    with pytest.raises(OSError):
        reminder_digest_send(user_id=staff["phil"].pk, today=TODAY)
    reminder = Reminder.objects.get(pk=reminder_id)
    assert (reminder.status, reminder.sent_at) == ("pending", None)
    assert not ReminderRecipient.objects.filter(notified_at__isnull=False).exists()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert reminder_digest_send(user_id=staff["phil"].pk, today=TODAY) == 1


def test_an_acknowledged_reminder_is_not_announced(north, staff):
    assessed_patient(north, last_assessed_on=TODAY - timedelta(weeks=13))
    (reminder_id,) = reminder_sweep(today=TODAY)["reassessment_due"]
    reminder_acknowledge(reminder=Reminder.objects.get(pk=reminder_id), by=staff["nora"])
    assert reminder_digest_send(user_id=staff["phil"].pk, today=TODAY) == 0
    assert mail.outbox == []


def test_a_reminder_sent_before_deliveries_were_kept_per_recipient_is_not_announced_again(north, staff):
    reminder = ReminderFactory(patient=PatientFactory(clinic=north), status="sent", sent_at=timezone.now())
    reminder.recipients.add(staff["phil"], through_defaults={"notified_at": reminder.sent_at})
    assert reminder_digest_send(user_id=staff["phil"].pk, today=TODAY) == 0


def test_fall_risk_is_announced_on_commit_and_a_rolled_back_fall_sends_nothing(
    north, staff, at_the_clinic_today, django_capture_on_commit_callbacks
):
    patient = assessed_patient(north, last_assessed_on=TODAY)
    fall_on(patient, TODAY - timedelta(days=20))
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        fall_on(patient, TODAY - timedelta(days=2))
        fall_risk_check(patient=patient, today=TODAY)
        transaction.set_rollback(True)
    assert mail.outbox == []
    assert not Reminder.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        fall_on(patient, TODAY - timedelta(days=2))
        fall_risk_check(patient=patient, today=TODAY)
    assert [m.to for m in mail.outbox] == [["phil@clinic.example"]]
    assert mail.outbox[0].subject == "[MS Strength Clinic] 1 new reminder: 1 high fall risk"
    assert Reminder.objects.get().status == "sent"
