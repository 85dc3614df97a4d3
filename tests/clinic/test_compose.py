"""The production shape: docker-compose.yml and the Dockerfile wire the app as SPEC §5 says.

There is no Docker engine in CI, so these read the files and check their structure; .ci/run
also has docker-compose validate the file when it is installed.
"""

import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import environ
import pytest
import yaml
from django.conf import settings

from clinic.queues import EMAIL, EXPORTS, WEBHOOKS, queue_name, queue_names

ROOT = Path(settings.BASE_DIR)
WORKERS = ("worker", "webhook-worker", "export-worker")
APP_SERVICES = ("web", *WORKERS, "beat")


def _interpolate(value):
    """Compose's ``${NAME:-default}`` / ``${NAME:?error}`` with nothing set: defaults, or a marker."""
    return re.sub(
        r"\$\{(\w+)(?::?([-?])([^}]*))?\}",
        lambda m: m.group(3) if m.group(2) == "-" else f"<{m.group(1)}>",
        value,
    )


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose):
    return compose["services"]


def _command(service):
    command = service["command"]
    return command if isinstance(command, list) else shlex.split(command)


def _env(service):
    return {key: _interpolate(str(value)) for key, value in service["environment"].items()}


def test_the_nine_services_exist(services):
    assert set(services) == {*APP_SERVICES, "postgres", "postgres-replica", "pgbouncer", "redis"}


def test_web_worker_and_beat_run_the_same_image_built_from_the_dockerfile(services):
    builds = {repr(services[name]["build"]) for name in APP_SERVICES}
    images = {services[name]["image"] for name in APP_SERVICES}
    assert len(builds) == 1 and len(images) == 1
    build = services["web"]["build"]
    context = build if isinstance(build, str) else build.get("context", ".")
    dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
    assert (ROOT / context / dockerfile).is_file()


def test_web_migrates_then_serves_with_gunicorn(services):
    command = _command(services["web"])
    assert command[:2] == ["sh", "-c"]
    script = command[2]
    migrate = script.index("python manage.py migrate --noinput")
    gunicorn = script.index("gunicorn clinic.wsgi:application")
    assert migrate < gunicorn
    assert "&&" in script[migrate:gunicorn], "the server must not start if migrations fail"
    assert "0.0.0.0:8000" in script[gunicorn:]
    assert any(port.endswith(":8000") for port in services["web"]["ports"])


def test_workers_and_beat_run_celery_for_the_clinic_app(services):
    for name in WORKERS:
        assert _command(services[name])[:4] == ["celery", "-A", "clinic", "worker"]
    beat = _command(services["beat"])
    assert beat[:4] == ["celery", "-A", "clinic", "beat"]
    # The image's user cannot write to /app, so the schedule file must live elsewhere.
    assert beat[beat.index("--schedule") + 1].startswith("/tmp/")


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_talk_to_pgbouncer_the_replica_and_redis(services, name):
    env = _env(services[name])
    postgres = _env(services["postgres"])
    credentials = (postgres["POSTGRES_USER"], postgres["POSTGRES_PASSWORD"], postgres["POSTGRES_DB"])
    primary = environ.Env.db_url_config(env["DATABASE_URL"])
    pgbouncer = _env(services["pgbouncer"])
    assert primary["ENGINE"] == "django.db.backends.postgresql"
    assert (primary["HOST"], str(primary["PORT"])) == ("pgbouncer", pgbouncer["LISTEN_PORT"])
    assert (primary["USER"], primary["PASSWORD"], primary["NAME"]) == credentials
    assert env["DATABASE_TRANSACTION_POOLING"] == "true"
    replica = environ.Env.db_url_config(env["DATABASE_REPLICA_URL"])
    assert (replica["HOST"], replica["USER"], replica["PASSWORD"], replica["NAME"]) == (
        "postgres-replica",
        *credentials,
    )
    broker = urlsplit(env["CELERY_BROKER_URL"])
    assert (broker.scheme, broker.hostname) == ("redis", "redis")


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_run_in_production_mode_and_require_a_secret_key(services, name):
    raw = services[name]["environment"]
    assert re.fullmatch(r"\$\{SECRET_KEY:\?[^}]+\}", raw["SECRET_KEY"])
    assert str(raw["DEBUG"]).lower() == "false"
    assert {"ALLOWED_HOSTS", "EMAIL_URL"} <= set(raw)


def test_every_variable_passed_to_the_app_is_read_by_the_settings(services):
    source = (ROOT / "clinic" / "settings.py").read_text()
    for key in services["web"]["environment"]:
        assert f'"{key}"' in source, (
            f"{key} is set in docker-compose.yml but clinic/settings.py never reads it"
        )


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_wait_for_healthy_postgres_and_redis(services, name):
    depends_on = services[name]["depends_on"]
    assert {dep: depends_on[dep]["condition"] for dep in ("postgres", "redis")} == {
        "postgres": "service_healthy",
        "redis": "service_healthy",
    }


def test_postgres_keeps_its_data_in_a_named_volume_and_has_a_healthcheck(compose, services):
    postgres = services["postgres"]
    assert postgres["image"].startswith("postgres:16")
    volume = next(v.split(":")[0] for v in postgres["volumes"] if ":/var/lib/postgresql/data" in v)
    assert volume in compose["volumes"]
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])


def test_pgbouncer_pools_transactions_in_front_of_the_primary(services):
    pgbouncer = _env(services["pgbouncer"])
    postgres = _env(services["postgres"])
    assert pgbouncer["POOL_MODE"] == "transaction"
    assert (pgbouncer["DB_HOST"], pgbouncer["DB_USER"], pgbouncer["DB_PASSWORD"], pgbouncer["DB_NAME"]) == (
        "postgres",
        postgres["POSTGRES_USER"],
        postgres["POSTGRES_PASSWORD"],
        postgres["POSTGRES_DB"],
    )
    assert services["pgbouncer"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_the_replica_streams_from_a_base_backup_of_the_primary(compose, services):
    replica = services["postgres-replica"]
    assert replica["image"] == services["postgres"]["image"]
    script = _command(replica)[2]
    assert 'pg_basebackup -R -D "$$PGDATA" -h postgres -U clinic' in script
    assert script.index("pg_basebackup") < script.index("exec postgres")
    assert replica["depends_on"]["postgres"]["condition"] == "service_healthy"
    volume = next(v.split(":")[0] for v in replica["volumes"] if ":/var/lib/postgresql/data" in v)
    assert volume in compose["volumes"] and volume != "postgres-data"
    # The primary lets the replica's user connect for replication (pg_hba.conf), on its first start.
    init = next(v for v in services["postgres"]["volumes"] if "/docker-entrypoint-initdb.d/" in v)
    script = (ROOT / init.split(":")[0]).read_text()
    assert "host replication ${POSTGRES_USER} all scram-sha-256" in script


def test_redis_has_a_healthcheck(services):
    assert services["redis"]["image"].startswith("redis:7")
    assert "ping" in services["redis"]["healthcheck"]["test"]


def test_dockerfile_builds_a_non_root_gunicorn_image_with_static_files():
    lines = [
        line.strip()
        for line in (ROOT / "Dockerfile").read_text().replace("\\\n", " ").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    # The image is the last stage; an earlier one may build the npm assets it copies in.
    stages = [i for i, line in enumerate(lines) if line.startswith("FROM ")]
    lines = lines[stages[-1] :]
    assert lines[0] == "FROM python:3.11-slim"
    assert any(line.startswith("RUN pip install -r requirements.txt") for line in lines)
    collectstatic = next(line for line in lines if "collectstatic" in line)
    assert "SECRET_KEY=" in collectstatic and "--noinput" in collectstatic
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    cmd = yaml.safe_load(next(line for line in lines if line.startswith("CMD "))[4:])
    assert cmd[:2] == ["gunicorn", "clinic.wsgi:application"]
    assert cmd[cmd.index("--bind") + 1] == "0.0.0.0:8000"


def test_dockerfile_gets_the_npm_assets_before_collecting_static_files():
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    npm_ci = next(i for i, line in enumerate(lines) if line.startswith("RUN npm ci"))
    copy_assets = next(
        i for i, line in enumerate(lines) if line.startswith("COPY --from=") and "node_modules" in line
    )
    collectstatic = next(i for i, line in enumerate(lines) if "collectstatic" in line)
    assert npm_ci < copy_assets < collectstatic
    assert "COPY package.json package-lock.json" in "\n".join(lines[:npm_ci])


def test_the_workers_consume_every_queue_and_the_exports_alone_on_a_worker_of_their_own(services):
    """Issue 17: a long export never delays a reminder email."""
    default_queue = _env(services["worker"]).get("CELERY_TASK_DEFAULT_QUEUE", "celery")
    consumed = {}
    for name in WORKERS:
        command = _command(services[name])
        for queue in command[command.index("-Q") + 1].split(","):
            consumed.setdefault(queue, []).append(name)
    assert sorted(consumed) == sorted(queue_names(default_queue).split(","))
    assert all(len(workers) == 1 for workers in consumed.values())
    assert [queue for queue, workers in consumed.items() if workers == ["export-worker"]] == [
        queue_name(default_queue, EXPORTS)
    ]
    assert consumed[queue_name(default_queue, EMAIL)] != consumed[queue_name(default_queue, WEBHOOKS)]


def test_web_and_the_export_worker_share_the_fhir_export_directory_the_image_lets_the_app_write(
    compose, services
):
    """The export worker writes bulk exports that web serves: one named volume, where FHIR_EXPORT_DIR points."""
    for name in ("web", "export-worker"):
        directory = _env(services[name])["FHIR_EXPORT_DIR"]
        assert f"fhir-exports:{directory}" in services[name]["volumes"]
    assert "fhir-exports" in compose["volumes"]
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert f"chown clinic {directory}" in dockerfile
    assert dockerfile.index(f"chown clinic {directory}") < dockerfile.index("USER clinic")
