"""The REST API keeps its contract (SPEC §4 "Integration contract"): Schemathesis, run as an
integration would run it, from outside, against a live server holding the demo clinics.

Every check, every phase (examples, coverage, fuzzing, stateful links from a create to its
read, change, transition and entered-in-error), valid and invalid data; the business rules no
schema can state are listed in ``schemathesis.toml``, each with its reason, and so are the
examples per operation (few, to keep the suite short; README "The contract" shows a longer
run). Zero failures.

The operations are run in three groups, each against a server of its own, so that the suite's
workers share the run; every chain of the stateful phase (a record created, then read, changed,
moved, marked) stays within its group.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator

ROOT = Path(__file__).resolve().parents[2]
GROUPS = {
    "patients": r"^/api/v1/patients/",
    "records": r"^/api/v1/(assessments|falls|devices|medications|exercise-plans)/",
    "the rest": r"^/api/v1/(referrals|reminders|diary-entries|clinics|auth|webhooks|reports)/",
}


def test_the_groups_hold_every_operation():
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    assert len(paths) > 40
    assert [path for path in paths if not any(re.match(group, path) for group in GROUPS.values())] == []


# Ids from 1, as in a fresh database: schemathesis.toml names the demo's north patients by id.
@pytest.mark.django_db(transaction=True, reset_sequences=True)
@pytest.mark.parametrize("group", GROUPS)
def test_the_api_keeps_its_contract(group, live_server, settings_rate_unlimited):
    call_command("seed_demo", verbosity=0)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "run",
            f"{live_server.url}/api/schema/",
            "--include-path-regex",
            GROUPS[group],
            "--seed",
            "2026",
            "--workers",
            "1",
            "--no-color",
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "CONTRACT_USERS": "nurse_north,physio_north,admin_north",
            "CONTRACT_PASSWORD": settings.DEMO_PASSWORD,
        },
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]
    followed = re.search(r"API Links:\s+(\d+) covered", result.stdout)
    assert followed and int(followed.group(1)) > 0, "the stateful phase followed no link"


@pytest.fixture
def settings_rate_unlimited(settings):
    """The run sends thousands of requests a minute with one token; the limits have tests of their own."""
    settings.API_RATE_PER_MINUTE = 10**6
    settings.API_ANON_RATE_PER_MINUTE = 10**6
