"""Webhooks through a real Celery worker on Redis and a receiving server of the test's own, in
the faults SPEC §4 names: every run ends with every event delivered, signed, none lost.

These need PostgreSQL (the worker and the test share the committed test database) and Redis
(CELERY_BROKER_URL); in CI (REQUIRE_SERVICES=1) their absence fails the run. Each test has its
own queue.
"""

import datetime
import threading
import time
import uuid

import pytest

from clinic.celery import app as celery_app
from patients.services import patient_create
from tests.support.workers import Worker, manage, process_env, wait_until
from webhooks.models import Delivery, Event, EventType
from webhooks.services import endpoint_register
from webhooks.tasks import sweep_webhooks

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "the-receivers-shared-secret"
# Fast backoff (1 s doubling to 2 s), a worker's claim lapsing after 3 s and the sweep taking
# a delivery lost for 1 s, so that each fault clears in seconds.
WEBHOOK_ENV = {
    "WEBHOOK_ALLOW_PRIVATE_URLS": "true",
    "WEBHOOK_TIMEOUT_SECONDS": "2",
    "WEBHOOK_RETRY_BASE_SECONDS": "1",
    "WEBHOOK_RETRY_MAX_SECONDS": "2",
    "WEBHOOK_CLAIM_SECONDS": "3",
    "WEBHOOK_SWEEP_GRACE_SECONDS": "1",
}


@pytest.fixture
def run_workers(services, tmp_path):
    """Start workers on a private queue; this test process publishes there too."""
    queue = f"test-webhooks-{uuid.uuid4().hex[:8]}"
    started = []
    saved = celery_app.conf.task_always_eager, celery_app.conf.task_default_queue
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = queue

    def start(broker=services):
        name = f"worker{len(started) + 1}"
        log = tmp_path / f"{name}.log"
        worker = Worker(broker, queue, tmp_path / "mail.jsonl", log, name=name, **WEBHOOK_ENV).start()
        started.append(worker)
        return worker

    start.queue, start.tmp_path = queue, tmp_path
    yield start
    for worker in started:
        worker.stop()
    celery_app.conf.task_always_eager, celery_app.conf.task_default_queue = saved


@pytest.fixture
def endpoint(north, ada, receiver):
    return endpoint_register(clinic=north, by=ada, url=receiver.url, events=EventType.values, secret=SECRET)


def register_patients(clinic, by, count):
    for number in range(count):
        patient_create(
            clinic=clinic,
            created_by=by,
            mrn=f"W{uuid.uuid4().hex[:8]}{number}",
            given_name="Test",
            family_name="Patient",
            date_of_birth=datetime.date(1970, 1, 1),
        )


def all_delivered(count):
    return Delivery.objects.filter(status="delivered").count() == count == Delivery.objects.count()


def assert_every_event_received(receiver):
    """Every event of the outbox reached the receiver, signed, with its own id; nothing else did."""
    received = receiver.events(SECRET)
    assert {event["id"] for event in received} == {
        str(pk) for pk in Event.objects.values_list("pk", flat=True)
    }
    return received


def test_every_event_is_delivered_once_and_signed(run_workers, endpoint, receiver, north, nora):
    run_workers()
    register_patients(north, nora, 5)
    wait_until(lambda: all_delivered(5), what="five deliveries")
    received = assert_every_event_received(receiver)
    assert len(received) == 5
    assert {event["type"] for event in received} == {"patient.created"}
    assert set(Delivery.objects.values_list("attempts", flat=True)) == {1}


def test_a_receiver_outage_is_retried_until_it_is_back(run_workers, endpoint, receiver, north, nora):
    receiver.stop()
    run_workers()
    register_patients(north, nora, 3)
    wait_until(
        lambda: not Delivery.objects.filter(attempts__lt=2).exists(),
        what="every delivery to fail twice",
    )
    assert not Delivery.objects.filter(status="delivered").exists()
    assert "Connection refused" in Delivery.objects.first().last_error
    receiver.start()
    wait_until(lambda: all_delivered(3), what="the deliveries after the receiver came back")
    assert len(assert_every_event_received(receiver)) == 3


def test_a_worker_killed_mid_delivery_loses_nothing(run_workers, endpoint, receiver, north, nora):
    receiver.hold = threading.Event()
    worker = run_workers()
    register_patients(north, nora, 3)
    wait_until(lambda: receiver.received, what="the worker to start a POST")
    worker.kill()
    receiver.hold.set()
    receiver.hold = None
    assert not Delivery.objects.filter(status="delivered").exists()

    run_workers()  # a fresh worker takes the two tasks still queued
    wait_until(lambda: Delivery.objects.filter(status="delivered").count() == 2, what="the queued deliveries")
    # The killed worker's claim lapses; the sweep queues its delivery again.
    time.sleep(3 + 1)
    sweep_webhooks.delay()
    wait_until(lambda: all_delivered(3), what="the killed worker's delivery, after the sweep")
    received = assert_every_event_received(receiver)
    # At least once: the event the killed worker was sending arrived again, with the same id.
    killed = Delivery.objects.get(attempts__gte=2)
    assert [event["id"] for event in received].count(str(killed.event_id)) >= 2
    assert len(received) >= 4


REGISTER_PATIENT = """
import datetime
from django.contrib.auth import get_user_model
from patients.models import Clinic
from patients.services import patient_create
patient_create(
    clinic=Clinic.objects.get(code="north"),
    created_by=get_user_model().objects.get(username="nora"),
    mrn="B1",
    given_name="Test",
    family_name="Patient",
    date_of_birth=datetime.date(1970, 1, 1),
)
"""


def test_with_the_broker_down_at_commit_the_sweep_delivers_later(
    run_workers, private_redis, endpoint, receiver, north, nora
):
    env = process_env(
        private_redis.url, run_workers.queue, run_workers.tmp_path / "mail.jsonl", **WEBHOOK_ENV
    )
    private_redis.stop()
    written = manage(env, "shell", "-c", REGISTER_PATIENT)
    # The patient and the event commit together; queueing the delivery fails, the write does not.
    assert written.returncode == 0, written.stderr
    assert "Broker unavailable; 1 webhook deliveries wait for the sweep" in written.stderr
    assert Delivery.objects.get().status == "pending"

    private_redis.start()
    run_workers(broker=private_redis.url)
    time.sleep(1)
    swept = manage(env, "shell", "-c", "from webhooks.tasks import sweep_webhooks; sweep_webhooks()")
    assert swept.returncode == 0, swept.stderr
    wait_until(lambda: all_delivered(1), what="the delivery after the broker returned")
    assert len(assert_every_event_received(receiver)) == 1
