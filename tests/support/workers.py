"""Real Celery workers for tests: a `celery worker` process on Redis queues of the test's own
(its default queue and the queues derived from it, clinic.queues), sharing the test's committed
PostgreSQL database. Without PostgreSQL or Redis a test skips (in
CI, REQUIRE_SERVICES=1, it fails)."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest
import redis
from django.conf import settings
from django.db import connection

from clinic.queues import queue_names
from tests.conftest import skip_or_fail


def wait_until(condition, timeout=30, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def redis_answers(url):
    try:
        return redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


@pytest.fixture
def services():
    if connection.vendor != "postgresql":
        skip_or_fail("worker tests need PostgreSQL (set DATABASE_URL)")
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if not broker.startswith("redis://") or not redis_answers(broker):
        skip_or_fail("worker tests need Redis (set CELERY_BROKER_URL=redis://...)")
    return broker


def process_env(broker, queue, mail_file, email_delay=0, **extra):
    """The environment of a worker or a `manage.py` process sharing this test's database
    (``extra``: more variables)."""
    db = connection.settings_dict
    return os.environ | {
        "DJANGO_SETTINGS_MODULE": "clinic.settings",
        "SECRET_KEY": "worker-test-secret",
        "DEBUG": "false",
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_BROKER_URL": broker,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "CELERY_VISIBILITY_TIMEOUT": "5",
        "EMAIL_BACKEND": "tests.support.email.JsonLinesBackend",
        "TEST_EMAIL_FILE": str(mail_file),
        "TEST_EMAIL_DELAY": str(email_delay),
        **extra,
    }


class Worker:
    """A `celery worker` process (solo pool: the task runs in the process a test kills) on
    ``queue`` and every queue derived from it, or on those of ``kinds`` only (``None``: ``queue``
    itself; e.g. ``(EXPORTS,)`` for an export worker). ``app``: the Celery app's module (a test's
    own wrapping of ``clinic``, say)."""

    def __init__(
        self,
        broker,
        queue,
        mail_file,
        log_file,
        email_delay=0,
        name="worker",
        kinds=None,
        app="clinic",
        **extra,
    ):
        self.env = process_env(broker, queue, mail_file, email_delay, **extra)
        self.queue, self.log_file, self.process, self.name, self.app = queue, log_file, None, name, app
        self.queues = queue_names(queue) if kinds is None else queue_names(queue, kinds)

    def start(self):
        return self.launch().wait_ready()

    def launch(self):
        """Start the process without waiting for it (several workers start faster side by side)."""
        log = self.log_file.open("a")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", self.app, "worker", "--pool=solo", "-Q", self.queues]
            + [
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
                f"--hostname={self.queue}-{self.name}@%h",
            ],
            cwd=settings.BASE_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        return self

    def wait_ready(self):
        wait_until(lambda: "ready." in self.log_file.read_text(), what="the worker to start")
        return self

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def private_redis(services, tmp_path):
    """A Redis server of this test's own, so stopping it disturbs nobody else."""
    binary = shutil.which("redis-server")
    if binary is None:
        skip_or_fail("redis-server is not installed")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"redis://127.0.0.1:{port}/0"
    command = [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"]
    command += ["--dir", str(tmp_path)]

    class Server:
        url = None
        process = None

        def start(self):
            self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
            wait_until(lambda: redis_answers(url), what="the private Redis")

        def stop(self):
            self.process.terminate()
            self.process.wait(timeout=10)

    server = Server()
    server.url = url
    server.start()
    yield server
    if server.process.poll() is None:
        server.stop()


def manage(env, *args):
    """Run a management command in its own process, as the web server or the scheduler would."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
