"""Settings come from the environment and production fails fast without a secret key."""

import ast
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

from tests.conftest import skip_or_fail

# Variables the settings read that a developer's or CI's shell may have set: a test says its own.
SETTINGS_VARIABLES = ("SECRET_KEY", "DEBUG", "DATABASE_URL", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE")


def settings_env(**env):
    """This process's environment less the variables these tests vary, plus ``env``."""
    clean = {
        k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES and not k.startswith("SECURE_")
    }
    return clean | env


def _load_settings(**env):
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import clinic.settings as s; print(s.SECRET_KEY[:8], s.DATABASES['default']['ENGINE'])",
        ],
        env=settings_env(**env),
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
    )


def _settings_of(*names, **env):
    """The named settings as a fresh interpreter loads them from exactly this environment."""
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, clinic.settings as s; print(repr({n: getattr(s, n) for n in sys.argv[1:]}))",
            *names,
        ],
        env=settings_env(**env),
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
    )
    assert result.returncode == 0, result.stderr
    return ast.literal_eval(result.stdout)


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


HTTPS_SETTINGS = (
    "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
)


def test_production_redirects_to_https_and_sends_hsts_for_a_year():
    assert _settings_of(*HTTPS_SETTINGS, DEBUG="false", SECRET_KEY="k" * 50) == {
        "SECURE_SSL_REDIRECT": True,
        "SECURE_PROXY_SSL_HEADER": None,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
    }


def test_development_serves_plain_http_without_hsts():
    assert _settings_of(*HTTPS_SETTINGS, DEBUG="true") == {
        "SECURE_SSL_REDIRECT": False,
        "SECURE_PROXY_SSL_HEADER": None,
        "SECURE_HSTS_SECONDS": 0,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SECURE_HSTS_PRELOAD": False,
        "SESSION_COOKIE_SECURE": False,
        "CSRF_COOKIE_SECURE": False,
    }


def test_a_deployment_behind_a_tls_proxy_sets_the_redirect_and_the_proxy_header():
    assert _settings_of(
        *HTTPS_SETTINGS,
        DEBUG="false",
        SECRET_KEY="k" * 50,
        SECURE_SSL_REDIRECT="false",
        SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO, https",
        SECURE_HSTS_SECONDS="600",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="no",
        SECURE_HSTS_PRELOAD="off",
    ) == {
        "SECURE_SSL_REDIRECT": False,
        "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
        "SECURE_HSTS_SECONDS": 600,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SECURE_HSTS_PRELOAD": False,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
    }


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"SECURE_SSL_REDIRECT": "sometimes"}, "SECURE_SSL_REDIRECT must be true or false, not 'sometimes'"),
        (
            {"SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto,https"},
            "SECURE_PROXY_SSL_HEADER must be a request header",
        ),
        (
            {"SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO"},
            "SECURE_PROXY_SSL_HEADER must be a request header",
        ),
    ],
)
def test_a_malformed_https_setting_stops_the_start_up(variables, message):
    result = _load_settings(DEBUG="false", SECRET_KEY="k" * 50, **variables)
    assert result.returncode != 0
    assert message in result.stderr
