"""Shared fixtures: named people with different rights.

Nora (nurse), Phil (physio) and Ada (admin) work at clinic north; Sam is a nurse at clinic
south and must never see anything of north's.
"""

import os
import sys

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from knox.models import AuthToken

from patients.models import Clinic
from patients.services import staff_add

from . import factories
from .support.clients import api_client_of

PASSWORD = "correct-horse-battery"
# FHIR resources validated by the run's other processes (pytest-xdist workers), summed here.
_fhir_validated_elsewhere = []


def _fhir_validated_here():
    validate = sys.modules.get("tests.fhir.validate")
    return validate.validated["count"] if validate else 0


def pytest_sessionfinish(session):
    if hasattr(session.config, "workeroutput"):
        session.config.workeroutput["fhir_validated"] = _fhir_validated_here()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    _fhir_validated_elsewhere.append(getattr(node, "workeroutput", {}).get("fhir_validated", 0))


def pytest_terminal_summary(terminalreporter):
    """How many FHIR resources the run validated against both validators (tests/fhir/validate.py)."""
    total = _fhir_validated_here() + sum(_fhir_validated_elsewhere)
    if total:
        terminalreporter.write_line(f"FHIR resources validated (R4 JSON schema and R4B models): {total:,}")


def skip_or_fail(reason):
    """Skip a test whose service is missing — or fail it in CI, where REQUIRE_SERVICES=1."""
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def empty_cache():
    """The API's rate-limit counters live in the cache: each test starts with none counted."""
    cache.clear()


@pytest.fixture
def postgresql(db):
    """For a test of PostgreSQL's own behaviour: skipped on SQLite — a failure in CI."""
    if connection.vendor != "postgresql":
        skip_or_fail("the suite is running on SQLite; set DATABASE_URL to a PostgreSQL database")


@pytest.fixture
def clock():
    """The clock, stopped at the test's start; ``clock.shift(timedelta(...))`` moves it on."""
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


@pytest.fixture
def north(db):
    return Clinic.objects.create(code="north", name="North")


@pytest.fixture
def south(db):
    return Clinic.objects.create(code="south", name="South")


def _staff(username, role, clinic):
    return staff_add(username=username, role=role, clinic_code=clinic.code, password=PASSWORD)


@pytest.fixture
def nora(north):
    return _staff("nora", "nurse", north)


@pytest.fixture
def phil(north):
    return _staff("phil", "physio", north)


@pytest.fixture
def ada(north):
    return _staff("ada", "admin", north)


@pytest.fixture
def sam(south):
    return _staff("sam", "nurse", south)


@pytest.fixture
def north_patient(north):
    return factories.PatientFactory(clinic=north)


@pytest.fixture
def south_patient(south):
    return factories.PatientFactory(clinic=south)


# API clients, each authenticating with its person's own token (tests/api, tests/reports).


@pytest.fixture
def anonymous(db):
    """A client without credentials: a 401 from the API, the login page from the pages."""
    return api_client_of()


@pytest.fixture
def nora_api(nora):
    return api_client_of(nora)


@pytest.fixture
def phil_api(phil):
    return api_client_of(phil)


@pytest.fixture
def ada_api(ada):
    return api_client_of(ada)


@pytest.fixture
def sam_api(sam):
    return api_client_of(sam)


@pytest.fixture
def nora_token(nora):
    return AuthToken.objects.create(user=nora)[1]
