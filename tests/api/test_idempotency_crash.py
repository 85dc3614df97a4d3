"""An Idempotency-Key survives the server dying between commit and response: the retry answers
the stored response and nothing is recorded twice.

A real gunicorn serves the test's committed PostgreSQL database; its worker is killed
(SIGKILL, by ``tests.support.crash``) right after the transaction of a POST commits. The client
gets no answer, retries with the same key against a server started afresh, and gets the 201 it
missed. Without PostgreSQL the test skips (in CI, REQUIRE_SERVICES=1, it fails).
"""

import http.client
import json
import socket
import subprocess
import sys
import uuid

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from knox.models import AuthToken

from assessments.models import Assessment
from tests.conftest import skip_or_fail
from tests.support.workers import process_env, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def port_answers(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


class Gunicorn:
    """``gunicorn clinic.wsgi`` with one sync worker, on a free port, sharing the test's database."""

    def __init__(self, tmp_path, settings_module="clinic.settings"):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.log_file = tmp_path / f"gunicorn-{self.port}.log"
        self.env = process_env(
            "memory://",
            "unused",
            tmp_path / "mail.jsonl",
            DJANGO_SETTINGS_MODULE=settings_module,
            SECURE_SSL_REDIRECT="false",
            CELERY_TASK_ALWAYS_EAGER="true",
        )

    def __enter__(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "clinic.wsgi:application", "--workers", "1"]
            + ["--bind", f"127.0.0.1:{self.port}", "--log-level", "info"],
            cwd=settings.BASE_DIR,
            env=self.env,
            stdout=self.log_file.open("w"),
            stderr=subprocess.STDOUT,
        )
        wait_until(lambda: port_answers(self.port), what="gunicorn to listen")
        return self

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=15)

    def post(self, path, body, *, token, key=None):
        headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
        if key is not None:
            headers["Idempotency-Key"] = key
        client = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            client.request("POST", path, body=body, headers=headers)
            response = client.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            client.close()


def test_a_post_answered_by_a_dead_server_is_recorded_once_when_retried(nora, north_patient, tmp_path):
    if connection.vendor != "postgresql":
        skip_or_fail("the crash test needs PostgreSQL (set DATABASE_URL)")
    _, token = AuthToken.objects.create(user=nora)
    body = json.dumps(
        {
            "patient": north_patient.pk,
            "assessed_on": timezone.localdate().isoformat(),
            "scores": [{"muscle_group": "grip", "side": "left", "grade": "4"}],
        }
    ).encode()
    key = str(uuid.uuid4())

    with Gunicorn(tmp_path, "tests.support.crash_settings") as server:
        with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
            server.post("/api/v1/assessments/", body, token=token, key=key)
        wait_until(lambda: "was sent SIGKILL" in server.log_file.read_text(), what="the worker's death")
    # The assessment and its stored response were committed before the process died unanswered.
    assert Assessment.objects.filter(patient=north_patient).count() == 1

    with Gunicorn(tmp_path) as server:
        status, headers, content = server.post("/api/v1/assessments/", body, token=token, key=key)
        assert (status, headers["Idempotent-Replayed"]) == (201, "true")
        assert json.loads(content)["id"] == Assessment.objects.get(patient=north_patient).pk
        assert Assessment.objects.filter(patient=north_patient).count() == 1

        # What the key prevented: the same retry without one records the visit a second time.
        status, _, _ = server.post("/api/v1/assessments/", body, token=token)
        assert status == 201
        assert Assessment.objects.filter(patient=north_patient).count() == 2
