"""Reminders through a real Celery worker process and a real Redis broker.

These need PostgreSQL (the worker and the test share the committed test database) and the
Redis of CELERY_BROKER_URL; in CI (REQUIRE_SERVICES=1) their absence fails the run. Each
test gets its own queue, so workers and stale messages of other runs never interfere.
"""

import json
import time
import uuid
from datetime import timedelta

import pytest

from clinic.celery import app as celery_app
from patients.clock import clinic_today
from patients.models import Patient
from reminders.models import Reminder, ReminderRecipient
from reminders.sweep import reminder_sweep
from reminders.tasks import send_reminder_digest
from tests.factories import AssessmentFactory, PatientFactory, ReminderFactory
from tests.support.workers import Worker, manage, process_env, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def run_workers(services, tmp_path):
    """Start workers on a private queue; this test process publishes there too."""
    queue = f"test-reminders-{uuid.uuid4().hex[:8]}"
    started = []
    saved = celery_app.conf.task_always_eager, celery_app.conf.task_default_queue
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = queue
    mail_file = tmp_path / "mail.jsonl"

    def start(email_delay=0, broker=services):
        name = f"worker{len(started) + 1}"
        worker = Worker(broker, queue, mail_file, tmp_path / f"{name}.log", email_delay, name).start()
        started.append(worker)
        return worker

    start.mail_file = mail_file
    start.queue = queue
    yield start
    for worker in started:
        worker.stop()
    celery_app.conf.task_always_eager, celery_app.conf.task_default_queue = saved


def sent_mail(mail_file):
    if not mail_file.exists():
        return []
    return [json.loads(line) for line in mail_file.read_text().splitlines()]


def due_patients(nora, phil, count):
    for user in (nora, phil):
        user.email = f"{user.username}@clinic.example"
        user.save()
    today = clinic_today()
    for _ in range(count):
        patient = PatientFactory(clinic=nora.clinic_memberships.get().clinic)
        AssessmentFactory(patient=patient, assessed_on=today - timedelta(weeks=13))
    return today


def all_sent():
    return not Reminder.objects.exclude(status="sent").exists()


def subjects_by_recipient(mail_file):
    return sorted((m["to"][0], m["subject"]) for m in sent_mail(mail_file))


def test_one_digest_per_recipient_announces_every_reminder_exactly_once(run_workers, nora, phil):
    today = due_patients(nora, phil, 3)
    run_workers()
    run_workers()
    reminder_sweep(today=today)
    wait_until(all_sent, what="the workers to announce every reminder")
    wait_until(lambda: len(sent_mail(run_workers.mail_file)) == 2, what="two digests")

    # The sweep again, and every digest queued twice more by hand: nothing is announced twice.
    reminder_sweep(today=today)
    for user in (nora, phil):
        send_reminder_digest.delay(user.pk)
        send_reminder_digest.delay(user.pk)
    time.sleep(3)
    # No patient named: each digest counts the three new reminders by kind.
    subject = "[MS Strength Clinic] 3 new reminders: 3 reassessment due"
    assert subjects_by_recipient(run_workers.mail_file) == [
        ("nora@clinic.example", subject),
        ("phil@clinic.example", subject),
    ]


def test_two_workers_sending_one_recipients_digest_at_once_send_it_once(run_workers, nora, phil):
    due_patients(nora, phil, 0)
    for _ in range(2):
        ReminderFactory(patient=PatientFactory(clinic=phil.clinic_memberships.get().clinic)).recipients.add(
            phil
        )
    run_workers(email_delay=3)
    run_workers(email_delay=3)
    # Both workers take Phil's digest: the second waits on the first's lock, then finds it all announced.
    send_reminder_digest.delay(phil.pk)
    send_reminder_digest.delay(phil.pk)
    wait_until(lambda: sent_mail(run_workers.mail_file), what="the first digest")
    time.sleep(5)
    assert subjects_by_recipient(run_workers.mail_file) == [
        ("phil@clinic.example", "[MS Strength Clinic] 2 new reminders: 2 reassessment due")
    ]
    assert ReminderRecipient.objects.filter(user=phil, notified_at__isnull=False).count() == 2
    assert all_sent()


def test_the_reminder_life_cycle_through_a_worker(run_workers, nora, phil):
    """Created by the sweep, announced once, resolved when its reason goes; one whose reason goes
    before its digest runs is resolved by the worker and never emailed."""
    today = due_patients(nora, phil, 2)
    kept, lapsed = Patient.objects.order_by("pk")
    reminder_sweep(today=today)  # the digests wait in Redis: no worker yet
    Patient.objects.filter(pk=lapsed.pk).update(status="discharged")
    run_workers()
    wait_until(lambda: len(sent_mail(run_workers.mail_file)) == 2, what="two digests")
    reminder = Reminder.objects.get(patient=kept)
    resolved_before_send = Reminder.objects.get(patient=lapsed)
    assert reminder.status == "sent"
    assert (resolved_before_send.status, resolved_before_send.sent_at) == ("resolved", None)
    subject = "[MS Strength Clinic] 1 new reminder: 1 reassessment due"
    assert subjects_by_recipient(run_workers.mail_file) == [
        ("nora@clinic.example", subject),
        ("phil@clinic.example", subject),
    ]

    # Reassessed: the next sweep resolves the sent reminder, and nothing more is emailed.
    AssessmentFactory(patient=kept, assessed_on=today)
    reminder_sweep(today=today)
    reminder.refresh_from_db()
    assert reminder.status == "resolved" and reminder.resolved_at is not None
    time.sleep(2)
    assert len(sent_mail(run_workers.mail_file)) == 2


def test_a_worker_killed_mid_delivery_loses_nothing_and_duplicates_nothing(run_workers, nora, phil):
    today = due_patients(nora, phil, 1)
    worker = run_workers(email_delay=30)
    reminder_sweep(today=today)
    marker = run_workers.mail_file.with_suffix(".sending")
    wait_until(marker.exists, what="the worker to start sending")
    worker.kill()
    # The claim was rolled back with the dead worker's transaction.
    wait_until(
        lambda: not ReminderRecipient.objects.filter(notified_at__isnull=False).exists(),
        what="the claim to roll back",
    )
    assert Reminder.objects.get().status == "pending"
    assert sent_mail(run_workers.mail_file) == []

    run_workers()  # a fresh worker, sending at once
    reminder_sweep(today=today)  # the database is the source of truth: pending is queued again
    wait_until(all_sent, what="redelivery")
    # Past the visibility timeout the killed worker's unacked message comes back too: a no-op.
    time.sleep(8)
    mail = sent_mail(run_workers.mail_file)
    assert sorted(m["to"][0] for m in mail) == ["nora@clinic.example", "phil@clinic.example"]


RECORD_FALL = """
from datetime import timedelta
from django.utils import timezone
from care.services import fall_record
from patients.models import Patient
from django.contrib.auth import get_user_model
fall_record(
    patient=Patient.objects.get(pk={patient}),
    recorded_by=get_user_model().objects.get(username="nora"),
    occurred_at=timezone.now() - timedelta(hours={hours_ago}),
)
"""


def test_with_the_broker_down_a_fall_is_recorded_and_its_reminder_goes_out_later(
    run_workers, private_redis, nora, phil
):
    for user in (nora, phil):
        user.email = f"{user.username}@clinic.example"
        user.save()
    patient = PatientFactory(clinic=nora.clinic_memberships.get().clinic)
    AssessmentFactory(patient=patient)
    env = process_env(private_redis.url, run_workers.queue, run_workers.mail_file)
    first = manage(env, "shell", "-c", RECORD_FALL.format(patient=patient.pk, hours_ago=24 * 30))
    assert first.returncode == 0, first.stderr
    private_redis.stop()

    # The second fall makes the patient high-risk: queueing its digest fails, the write does not.
    second = manage(env, "shell", "-c", RECORD_FALL.format(patient=patient.pk, hours_ago=2))
    assert second.returncode == 0, second.stderr
    assert "Broker unavailable" in second.stderr
    assert patient.falls.count() == 2
    assert Reminder.objects.get(kind="fall_risk").status == "pending"

    private_redis.start()
    run_workers(broker=private_redis.url)
    sweep = manage(env, "send_reminders")
    assert sweep.returncode == 0, sweep.stderr
    wait_until(all_sent, what="the fall-risk reminder after the broker returned")
    assert [m["to"] for m in sent_mail(run_workers.mail_file)] == [["phil@clinic.example"]]
