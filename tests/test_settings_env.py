"""Settings come from the environment and production fails fast without a secret key."""

import os
import subprocess
import sys

from django.conf import settings
from django.db import connection

from .conftest import skip_or_fail


def _load_settings(**env):
    clean = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG", "DATABASE_URL")}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import clinic.settings as s; print(s.SECRET_KEY[:8], s.DATABASES['default']['ENGINE'])",
        ],
        env=clean | env,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = _load_settings(DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_a_yes_no_setting_refuses_anything_but_yes_or_no():
    result = _load_settings(DEBUG="ture")
    assert result.returncode != 0
    assert "DEBUG must be true or false, not 'ture'" in result.stderr
    assert _load_settings(DEBUG="on").returncode == 0


def test_debug_has_a_development_key_and_sqlite_by_default():
    result = _load_settings(DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["dev-only", "django.db.backends.sqlite3"]


def test_database_url_selects_the_database():
    result = _load_settings(SECRET_KEY="k" * 40, DATABASE_URL="postgres://u:p@db:5432/clinic")
    assert result.stdout.split()[1] == "django.db.backends.postgresql"


def test_ci_runs_on_postgresql():
    """In CI (REQUIRE_SERVICES=1) the suite must really run against PostgreSQL."""
    if connection.vendor != "postgresql":
        skip_or_fail("the suite is running on SQLite; set DATABASE_URL to a PostgreSQL database")
    assert connection.vendor == "postgresql"
