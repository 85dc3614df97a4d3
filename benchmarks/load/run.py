"""``make loadtest``: a mixed clinic day under locust against gunicorn, a Celery worker and beat,
PostgreSQL and Redis on this machine's loopback; then the checks (``benchmarks.load.check``).

    python -m benchmarks.load.run [--scale 1] [--users 20] [--seconds 180] [--faults]

The benchmark network (``benchmarks.generate``) is generated in ``DATABASE_URL`` (default a local
``clinic_bench_load``) or reused, as ``make bench`` does. Redis is always a throwaway server of the
run's own. With ``--faults`` PostgreSQL is one too, generated afresh, and the run itself stops
PostgreSQL and then Redis under load, each for ``--outage`` seconds: while one is down every answer
must be a 503 with Retry-After, the app must come back by itself, no acknowledged write may be lost
and no reminder emailed twice or never. Exits 1 if a check fails.
"""

import argparse
import csv
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from contextlib import ExitStack
from pathlib import Path

from clinic.queues import queue_names

from ..run import _ensure_database, _generate, _setup_django
from .services import ThrowawayPostgres, ThrowawayRedis, free_port

BIN = Path(sys.executable).parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/clinic_bench_load"
LOCUSTFILE = Path(__file__).with_name("locustfile.py")
# Once a service is back, the app must answer again within this, with no process restarted.
RECOVERY_SECONDS = 30


def _get(url, token=None):
    """The status of a GET (0 if nothing answered)."""
    request = urllib.request.Request(url, headers={"Authorization": f"Token {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def _token(base, username, password):
    body = json.dumps({"username": username, "password": password}).encode()
    request = urllib.request.Request(
        f"{base}/api/v1/auth/token/", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["token"]


def _wait_until(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"{what} did not happen within {timeout} s")
        time.sleep(0.5)


class Outages(threading.Thread):
    """Stops PostgreSQL, then Redis, under load; records what the app answered meanwhile and how long
    it took to answer 200 again once each was back (polling an API list every half second)."""

    def __init__(self, *, postgres, redis, probe, start_after, outage, gap):
        super().__init__(daemon=True)
        self.postgres, self.redis, self.probe = postgres, redis, probe
        self.start_after, self.outage, self.gap = start_after, outage, gap
        self.timeline = []
        self.statuses_while_down = {}
        self.problems = []

    def _down(self, name, service):
        started = time.monotonic()
        service.stop()
        self.timeline.append(f"{name} stopped")
        seen = set()
        while time.monotonic() - started < self.outage:
            seen.add(self.probe())
            time.sleep(0.5)
        self.statuses_while_down[name] = sorted(seen)
        if seen != {503}:
            self.problems.append(f"while {name} was down the app answered {sorted(seen)}, not only 503")
        service.start()
        back = time.monotonic()
        self.timeline.append(f"{name} started again after {back - started:.1f} s")
        while self.probe() != 200:
            if time.monotonic() - back > RECOVERY_SECONDS:
                self.problems.append(
                    f"the app did not answer 200 within {RECOVERY_SECONDS} s of {name} being back"
                )
                return
            time.sleep(0.2)
        self.timeline.append(
            f"{name}: the app answered 200 again {time.monotonic() - back:.1f} s after it was back"
        )

    def run(self):
        time.sleep(self.start_after)
        self._down("PostgreSQL", self.postgres)
        time.sleep(self.gap)
        self._down("Redis", self.redis)


class Restarted(threading.Thread):
    """A process started again whenever it exits, as docker-compose's ``restart: unless-stopped`` does
    for the worker. Each restart is counted and reported: the Celery worker of celery/kombu 5.7 can
    exit when Redis goes down while it holds unacknowledged messages (an AttributeError in kombu's
    Redis transport as it restores them), which no setting avoids (benchmarks/README.md)."""

    def __init__(self, command, *, env, log_path):
        super().__init__(daemon=True)
        self.command, self.env, self.log_path = command, env, log_path
        self.restarts = []
        self.stopping = threading.Event()
        self.process = self._start()

    def _start(self):
        with open(self.log_path, "a") as output:
            return subprocess.Popen(self.command, env=self.env, stdout=output, stderr=subprocess.STDOUT)

    def run(self):
        while not self.stopping.wait(0.5):
            if self.process.poll() is not None:
                self.restarts.append(f"exited with {self.process.returncode}, started again")
                self.process = self._start()

    def stop(self):
        self.stopping.set()
        self.join()
        self.process.terminate()
        self.process.wait(timeout=60)


def _stats_table(stats_csv):
    with open(stats_csv) as stats:
        rows = list(csv.DictReader(stats))
    lines = [
        f"{'request':<44} {'count':>7} {'fail':>5} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}",
    ]
    for row in rows:
        name = row["Name"] if row["Type"] in ("", "None") else f"{row['Type']} {row['Name']}"
        lines.append(
            f"{name[:44]:<44} {row['Request Count']:>7} {row['Failure Count']:>5} "
            f"{float(row['Requests/s']):>7.2f} {row['50%']:>7} {row['95%']:>7} {row['99%']:>7}"
        )
    return rows, "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--users", type=int, default=20, help="concurrent users, all the run")
    parser.add_argument("--seconds", type=int, default=180, help="how long the users work")
    parser.add_argument("--web-workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--faults", action="store_true", help="stop PostgreSQL and then Redis under load")
    parser.add_argument("--outage", type=float, default=8, help="seconds each service is down")
    parser.add_argument("--out", default="var/load", help="where the stats, logs and emails go")
    args = parser.parse_args(argv)
    # A timeout's SIGTERM unwinds like an error: the servers the run started are stopped, its cluster removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(f"{parser.prog}: stopped by SIGTERM"))
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    for old in [*out.glob("*.csv"), *out.glob("*.log"), *out.glob("*.jsonl"), *out.glob("mail/*")]:
        old.unlink()
    (out / "mail").mkdir(exist_ok=True)
    run_id = uuid.uuid4().hex[:8]
    started = time.monotonic()

    def log(message):
        print(f"[{time.monotonic() - started:6.1f} s] {message}", flush=True)

    with ExitStack() as stack:
        redis = stack.enter_context(ThrowawayRedis())
        postgres = stack.enter_context(ThrowawayPostgres()) if args.faults else None
        url = postgres.url if postgres else os.environ.get("DATABASE_URL") or DEFAULT_URL
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "benchmarks.load.settings",
            "DATABASE_URL": url,
            "DATABASE_CONN_MAX_AGE": "60",
            "CELERY_BROKER_URL": redis.url(0),
            "CACHE_URL": redis.url(1),
            # The run's Redis is its own: the default queue names, whatever the calling shell says.
            "CELERY_TASK_DEFAULT_QUEUE": "celery",
            "EMAIL_URL": f"filemail:///{out / 'mail'}",
            "SITE_URL": base,
            "DEBUG": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            # Clinic admins run the reports page too: the load test signs in with passwords alone.
            "MFA_REQUIRED_ROLES": "",
            # Throughput is measured here, not the per-token limit (600 a minute by default).
            "API_RATE_PER_MINUTE": "1000000",
            "REMINDER_SWEEP_SECONDS": "20",
        }
        # This process (the checks, the last sweep) runs on the same settings as the servers.
        names = (
            "DJANGO_SETTINGS_MODULE",
            "CELERY_BROKER_URL",
            "CELERY_TASK_DEFAULT_QUEUE",
            "CACHE_URL",
            "EMAIL_URL",
        )
        os.environ.update({key: env[key] for key in (*names, "SITE_URL")})
        reused = _ensure_database(url, scale=args.scale, regenerate=False, log=log)
        _setup_django(url)
        from django.contrib.auth import get_user_model
        from django.core.management import call_command
        from django.db import close_old_connections
        from django.db.models import F, Value
        from django.db.models.functions import Concat
        from django.utils import timezone

        from ..generate import PASSWORD
        from .check import check_reminders, check_writes

        if reused:
            call_command("migrate", verbosity=0)
            log("migrated")
        else:
            _generate(args.scale, log)
        # The digests go to the staff's addresses; the generated staff have none.
        get_user_model().objects.filter(email="").update(email=Concat(F("username"), Value("@bench.invalid")))
        since = timezone.now()

        def serve(name, *command):
            output = stack.enter_context(open(out / f"{name}.log", "w"))
            process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
            stack.callback(lambda: (process.terminate(), process.wait(timeout=60)))
            return process

        web = serve(
            "gunicorn",
            str(BIN / "gunicorn"),
            "clinic.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.web_workers),
            "--timeout",
            "60",
            # The default control socket is one path for every gunicorn of the user on the machine.
            "--no-control-socket",
        )
        worker = Restarted(
            [str(BIN / "celery"), "-A", "clinic", "worker", "-B", "-s", str(out / "beat-schedule")]
            # One worker for every queue (production runs one per kind: docker-compose.yml).
            + ["-Q", queue_names("celery"), "--concurrency", "1", "-l", "INFO"],
            env=env,
            log_path=out / "worker.log",
        )
        worker.start()
        stack.callback(worker.stop)
        _wait_until(lambda: _get(f"{base}/login/") == 200, 60, "gunicorn answering")
        log(f"gunicorn ({args.web_workers} workers), a Celery worker with beat, {url}, Redis on {redis.port}")

        outages = None
        if args.faults:
            token = _token(base, "nurse_c01", PASSWORD)
            outages = Outages(
                postgres=postgres,
                redis=redis,
                probe=lambda: _get(f"{base}/api/v1/patients/?page_size=1", token),
                start_after=args.seconds * 0.2,
                outage=args.outage,
                gap=args.seconds * 0.2,
            )
            outages.start()
        log(f"locust: {args.users} users for {args.seconds} s{' with outages' if args.faults else ''}")
        subprocess.run(
            [
                str(BIN / "locust"),
                "-f",
                str(LOCUSTFILE),
                "--headless",
                "--users",
                str(args.users),
                "--spawn-rate",
                str(max(1, args.users / 10)),
                "--run-time",
                f"{args.seconds}s",
                "--stop-timeout",
                "60",
                "--host",
                base,
                "--csv",
                str(out / "locust"),
                "--only-summary",
                "--exit-code-on-error",
                "0",
                "--loglevel",
                "WARNING",
            ],
            env={
                **env,
                "LOAD_RUN_ID": run_id,
                "LOAD_WRITES_LOG": str(out / "writes.jsonl"),
                "LOAD_FAULTS": "1" if args.faults else "0",
                "LOAD_PASSWORD": PASSWORD,
            },
            check=True,
            stdout=stack.enter_context(open(out / "locust.log", "w")),
            stderr=subprocess.STDOUT,
        )
        if outages:
            outages.join()
        # Nothing in the run stops it: an exit here is a crash, or a signal from outside the run.
        web_stopped = web.poll() is not None
        log("locust done; a last sweep, then waiting for every digest to be sent")
        close_old_connections()
        call_command("send_reminders", stdout=io.StringIO())
        from reminders.models import ReminderRecipient

        _wait_until(lambda: not ReminderRecipient.objects.unannounced().exists(), 180, "every digest sent")
        time.sleep(2)
        rows, table = _stats_table(out / "locust_stats.csv")
        writes, write_problems = check_writes(out / "writes.jsonl", run_id)
        reminders, reminder_problems = check_reminders(out / "mail", since)

    failures = sum(int(row["Failure Count"]) for row in rows if row["Name"] == "Aggregated")
    problems = [*write_problems, *reminder_problems, *(outages.problems if outages else [])]
    if web_stopped:
        problems.append("gunicorn exited during the run")
    if failures:
        problems.append(f"{failures} requests failed (see {out}/locust_failures.csv)")
    print(f"\nLoad test: {args.users} users for {args.seconds} s at scale {args.scale}, run {run_id}\n")
    print(table)
    print("\nWrites:", json.dumps(writes, indent=1))
    print("Reminders:", json.dumps(reminders, indent=1))
    outage_report = outages and {
        "timeline": outages.timeline,
        "answers while down": outages.statuses_while_down,
        "Celery worker restarts": worker.restarts,
    }
    if outages:
        print("Outages:", json.dumps(outage_report, indent=1))
    summary = {
        "users": args.users,
        "seconds": args.seconds,
        "scale": args.scale,
        "faults": args.faults,
        "writes": writes,
        "reminders": reminders,
        "outages": outage_report,
        "problems": problems,
        "took seconds": round(time.monotonic() - started),
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    if problems:
        print("\nFAILED:\n  " + "\n  ".join(problems))
        return 1
    print(
        "\nEvery acknowledged write is in the database once; every reminder was emailed once; "
        f"no request failed. ({summary['took seconds']} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
