"""The Bulk Data export through a real Celery worker process on Redis (SPEC §6): kick-off in
this process, the run in the worker, every NDJSON line read back through both validators and
compared with what the database holds. Needs PostgreSQL and Redis (a failure in CI without)."""

import datetime
import json
import time
import uuid

import pytest

from assessments.selectors import assessment_list
from clinic.celery import app as celery_app
from fhir_r4 import mapping
from fhir_r4.models import ExportJob
from fhir_r4.registry import SERVED
from tests import factories
from tests.support.clients import api_client_of
from tests.support.workers import Worker, manage, process_env, wait_until

from .reverse import assert_same_records, records_in_database, records_of
from .validate import assert_valid

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def worker(services, tmp_path, export_directory):
    """A worker on a queue of this test's own, writing exports where this process reads them."""
    queue = f"test-export-{uuid.uuid4().hex[:8]}"
    saved = celery_app.conf.task_always_eager, celery_app.conf.task_default_queue
    celery_app.conf.task_always_eager, celery_app.conf.task_default_queue = False, queue
    started = Worker(
        services,
        queue,
        tmp_path / "mail.jsonl",
        tmp_path / "worker.log",
        FHIR_EXPORT_DIR=str(export_directory),
    ).start()
    yield started
    started.stop()
    celery_app.conf.task_always_eager, celery_app.conf.task_default_queue = saved


@pytest.fixture
def cohort(north, south, nora, iris):
    """Iris and a dozen more north patients, each assessed twice, with a fall; one south patient."""
    for number in range(12):
        patient = factories.PatientFactory(clinic=north)
        for months in (3, 9):
            factories.assessment_with_grades(
                patient,
                datetime.date(2026, 11, 1) - datetime.timedelta(days=30 * months),
                factories.full_grades(["3", "4-", "4", "4+", "5"][number % 5]),
            )
        factories.FallFactory(patient=patient)
    factories.assessment_with_grades(
        factories.PatientFactory(clinic=south), datetime.date(2026, 5, 5), factories.full_grades("4")
    )


def expected_ids(user):
    """Each type's resource ids as the registry builds them from the database for ``user``."""
    return {
        name: {
            resource["id"]
            for record in resource_type.export.with_attached(resource_type.export.records(user))
            for resource in resource_type.export.resources(record)
        }
        for name, resource_type in SERVED.items()
        if resource_type.export
    }


def test_an_export_runs_in_the_worker_and_every_line_is_valid_fhir_of_the_users_clinics(worker, cohort, nora):
    client = api_client_of(nora)
    kick_off = client.get("/fhir/R4/Patient/$export", HTTP_PREFER="respond-async")
    assert kick_off.status_code == 202
    status_url = kick_off["Content-Location"]

    answers = []

    def finished():
        response = client.get(status_url)
        answers.append((response.status_code, response.headers.get("X-Progress")))
        return response.status_code == 200

    wait_until(finished, timeout=120, what="the worker to finish the export")
    assert all(progress for status, progress in answers if status == 202)
    manifest = client.get(status_url).json()

    read_back, resources = {}, []
    for output in manifest["output"]:
        response = client.get(output["url"])
        assert response["Content-Type"] == "application/fhir+ndjson"
        lines = b"".join(response.streaming_content).decode().splitlines()
        assert len(lines) == output["count"]
        for line in lines:
            resource = json.loads(line)
            assert_valid(resource)
            assert resource["resourceType"] == output["type"]
            read_back.setdefault(output["type"], set()).add(resource["id"])
            resources.append(resource)
    wanted = {name: ids for name, ids in expected_ids(nora).items() if ids}
    assert read_back == wanted
    assessments = assessment_list(nora).listable().select_related("patient")
    assert read_back["Observation"] == {
        observation["id"]
        for assessment in assessments
        for observation in mapping.assessment_observations(assessment)
    }
    assert len(read_back["Patient"]) == 13
    # And what the lines say is what the database holds, value by value.
    assert_same_records(records_of(resources), records_in_database([nora.clinic_memberships.get().clinic_id]))


def test_a_delete_while_the_worker_runs_leaves_no_export_and_no_file(worker, cohort, nora, export_directory):
    client = api_client_of(nora)
    status_url = client.get("/fhir/R4/Patient/$export", HTTP_PREFER="respond-async")["Content-Location"]
    assert client.delete(status_url).status_code == 202
    time.sleep(3)
    assert client.get(status_url).status_code == 404
    assert not ExportJob.objects.exists()
    assert not export_directory.exists() or not any(export_directory.iterdir())


# Kick-off in a process of its own (as the web server would run it), its broker a port nobody
# listens on: the test process's own Celery app and its connection pools stay untouched.
KICK_OFF = """
from django.contrib.auth import get_user_model
from knox.models import AuthToken
from rest_framework.test import APIClient
client = APIClient(HTTP_HOST="localhost")
client.credentials(HTTP_AUTHORIZATION="Token " + AuthToken.objects.create(user=get_user_model().objects.get(username="nora"))[1])
response = client.get("/fhir/R4/Patient/$export", HTTP_PREFER="respond-async")
print(response.status_code, response["Retry-After"], response.json()["issue"][0]["diagnostics"])
"""


def test_the_broker_down_at_kick_off_answers_503_and_leaves_no_export_waiting(services, nora, iris, tmp_path):
    env = process_env("redis://127.0.0.1:1/0", "unused", tmp_path / "mail.jsonl", SECURE_SSL_REDIRECT="false")
    answer = manage(env, "shell", "-c", KICK_OFF)
    assert answer.returncode == 0, answer.stderr
    assert (
        answer.stdout.strip().splitlines()[-1] == "503 30 The export could not be started; try again shortly."
    )
    assert "Broker unavailable" in answer.stderr
    assert not ExportJob.objects.exists()
