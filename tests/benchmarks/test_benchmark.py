"""``make bench`` at a tiny scale against PostgreSQL: it generates a network, measures every
case and prints its table (CI's smoke run; the full-scale figures are in benchmarks/README.md)."""

import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.conftest import skip_or_fail

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.services


def _server_url():
    """A PostgreSQL server to make a scratch database on: DATABASE_URL's, or the local one."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        url = "postgres://postgres@127.0.0.1:5432/postgres"
    return urlsplit(url)


def test_a_tiny_benchmark_runs_and_prints_its_table():
    import psycopg

    server = _server_url()
    maintenance = urlunsplit(server._replace(path="/postgres"))
    try:
        psycopg.connect(maintenance, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        skip_or_fail(f"no PostgreSQL for the benchmark smoke run: {exc}")
    name = f"clinic_bench_smoke_{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DATABASE_URL": urlunsplit(server._replace(path=f"/{name}"))}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "benchmarks.run", "--scale", "0.002", "--repeat", "1", "--no-fail"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=240,
        )
    finally:
        with psycopg.connect(maintenance, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "Generated in" in out
    for case in (
        "patients ?due_for_reassessment",
        "assessments",
        "medications",
        "exercise-plans",
        "patients/{id}/trends",
        "report caseload",
        "report overdue",
        "report referrals",
        "report strength",
        "reminder sweep",
        "FHIR Patient",
        "FHIR Condition",
        "FHIR Observation ?patient",
        "FHIR Observation ?code=",
        "FHIR AdverseEvent",
        "FHIR DeviceRequest",
        "FHIR ServiceRequest",
        "FHIR Task",
        "FHIR CarePlan",
        "FHIR MedicationStatement",
        "page: patient list",
        "page: patient list ?due",
        "page: patient dashboard",
    ):
        assert case in out
    for table in ("medication events", "exercise plans", "spasticity scores"):
        assert f"  {table}: " in out
    assert "trends of patient" in out
    assert "ratio" in out and "queries" in out
    assert "CSV export (overdue)" in out
