"""Throwaway PostgreSQL and Redis servers of the load test's own, on free loopback ports.

The fault run stops and starts them under load; they are never the machine's shared servers.
PostgreSQL runs as the ``postgres`` user (``runuser``: it refuses root) from a fresh ``initdb`` in a
temporary directory; Redis keeps nothing on disk, so a restart loses whatever its queues held — the
hardest case for the broker, which the app must survive (the database, not the broker, is the truth).
"""

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_postgres(*command, **kwargs):
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run([*prefix, *command], check=True, capture_output=True, text=True, **kwargs)


def _wait_for_port(port, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing answered on port {port} within {timeout} s")


class ThrowawayPostgres:
    def __init__(self):
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="load-pg-"))
        self.data = self.directory / "data"
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/clinic_load"

    def __enter__(self):
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        _as_postgres(
            str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8"
        )
        self.start()
        return self

    def start(self):
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c max_connections=200"
        _as_postgres(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.directory / "log"),
            "-w",
            "start",
        )

    def stop(self):
        """An immediate stop: every connection is cut mid-query, as a crash would, and the next start
        recovers from the write-ahead log."""
        _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def __exit__(self, *exc):
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


class ThrowawayRedis:
    def __init__(self):
        self.port = free_port()
        self.process = None

    def url(self, db):
        return f"redis://127.0.0.1:{self.port}/{db}"

    def __enter__(self):
        self.start()
        return self

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        _wait_for_port(self.port)

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.stop()
