"""Issue 17: each kind of background work on a Celery queue of its own (clinic/queues.py), so
that a long FHIR export never delays a fall-risk email."""

import datetime
import json
import os
import subprocess
import time
import uuid

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from care.services import fall_record
from clinic.celery import app as celery_app
from clinic.queues import EMAIL, EXPORTS, KIND_OF_TASK, REMINDERS, WEBHOOKS, queue_names
from fhir_r4.models import ExportJob, ExportStatus
from fhir_r4.tasks import expire_exports, run_export
from reminders.tasks import send_reminder_digest, sweep_reminders
from tests.factories import AssessmentFactory, FallFactory, PatientFactory
from tests.support.clients import api_client_of
from tests.support.workers import Worker, services, wait_until  # noqa: F401
from webhooks.tasks import deliver_webhook, sweep_webhooks

ROUTED_TASKS = (sweep_reminders, send_reminder_digest, deliver_webhook, sweep_webhooks, run_export)


def queue_of(task):
    return celery_app.amqp.router.route({}, task.name, (), {}, task)["queue"].name


@pytest.fixture
def default_queue():
    """This process's default queue moved for the test, as the worker tests move it."""
    saved = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue = f"test-queues-{uuid.uuid4().hex[:8]}"
    yield queue
    celery_app.conf.task_default_queue = saved


def test_each_kind_of_work_goes_to_a_queue_named_after_the_default_one(default_queue):
    assert {task: queue_of(task) for task in ROUTED_TASKS} == {
        sweep_reminders: f"{default_queue}.reminders",
        send_reminder_digest: f"{default_queue}.email",
        deliver_webhook: f"{default_queue}.webhooks",
        sweep_webhooks: f"{default_queue}.webhooks",
        run_export: f"{default_queue}.exports",
    }
    assert queue_of(expire_exports) == default_queue


def test_every_routed_task_exists():
    assert set(KIND_OF_TASK) == {task.name for task in ROUTED_TASKS}


@pytest.mark.parametrize("default_queue", ["celery", "clinic-two"])
def test_make_run_starts_a_worker_on_every_queue(default_queue):
    printed = subprocess.run(
        ["make", "-s", "--eval=print-worker-queues: ; @echo $(WORKER_QUEUES)", "print-worker-queues"],
        cwd=django_settings.BASE_DIR,
        env=os.environ | {"CELERY_TASK_DEFAULT_QUEUE": default_queue},
        capture_output=True,
        text=True,
        check=True,
    )
    assert sorted(printed.stdout.strip().split(",")) == sorted(queue_names(default_queue).split(","))


def sent_mail(mail_file):
    if not mail_file.exists():
        return []
    return [json.loads(line) for line in mail_file.read_text().splitlines()]


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_fall_risk_email_goes_out_while_a_long_export_holds_the_export_worker(
    services,  # noqa: F811
    default_queue,
    tmp_path,
    settings,
    nora,
    phil,
):
    """An export worker and a worker for everything else, as docker-compose.yml runs them. The
    export holds still mid-run (tests.support.held_export) while a fall makes a patient
    high-risk: the physio's email is sent before the export may go on."""
    settings.FHIR_EXPORT_DIR = tmp_path / "fhir-exports"
    saved_eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    phil.email = "phil@clinic.example"
    phil.save()
    patient = PatientFactory(clinic=nora.clinic_memberships.get().clinic)
    AssessmentFactory(patient=patient)
    FallFactory(patient=patient, occurred_at=timezone.now() - datetime.timedelta(days=30))
    mail_file, hold = tmp_path / "mail.jsonl", tmp_path / "export.hold"
    hold.touch()
    # Both hold an export still, so one routed to the other worker would hold up the email there.
    common = {
        "app": "tests.support.held_export",
        "FHIR_EXPORT_DIR": str(settings.FHIR_EXPORT_DIR),
        "TEST_EXPORT_HOLD": str(hold),
    }
    workers = [
        Worker(
            services,
            default_queue,
            mail_file,
            tmp_path / "exports.log",
            name="exports",
            kinds=(EXPORTS,),
            **common,
        ),
        Worker(
            services,
            default_queue,
            mail_file,
            tmp_path / "others.log",
            name="others",
            kinds=(None, REMINDERS, EMAIL, WEBHOOKS),
            **common,
        ),
    ]
    try:
        for worker in workers:
            worker.launch()
        for worker in workers:
            worker.wait_ready()
        kick_off = api_client_of(nora).get("/fhir/R4/Patient/$export", HTTP_PREFER="respond-async")
        assert kick_off.status_code == 202
        wait_until(hold.with_suffix(".running").exists, what="the export to be running")

        fall_record(
            patient=patient, recorded_by=nora, occurred_at=timezone.now() - datetime.timedelta(hours=2)
        )
        recorded = time.monotonic()
        wait_until(lambda: sent_mail(mail_file), timeout=20, what="the fall-risk email")
        email_seconds = time.monotonic() - recorded

        assert ExportJob.objects.get().status == ExportStatus.RUNNING
        assert hold.exists(), "the export was let go before the email went"
        assert sent_mail(mail_file) == [
            {
                "to": ["phil@clinic.example"],
                "subject": "[MS Strength Clinic] 1 new reminder: 1 high fall risk",
            }
        ]
        assert email_seconds < 10

        hold.unlink()
        wait_until(
            lambda: ExportJob.objects.get().status == ExportStatus.COMPLETED, what="the export to finish"
        )
    finally:
        hold.unlink(missing_ok=True)
        for worker in workers:
            worker.stop()
        celery_app.conf.task_always_eager = saved_eager
