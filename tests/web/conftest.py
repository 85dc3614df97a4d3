"""Page clients for the named people, logged in through Django's session (as a browser is).

Besides Nora, Phil, Ada (north) and Sam (south) there is Rolf: a member of clinic north
with no role, who may read but not write — the "forbidden role" for the forms every role may use.
"""

import datetime

import pytest
from django.contrib.auth import get_user_model

from patients.models import StaffMembership
from tests import factories
from tests.support.clients import web_client_of

from ..conftest import PASSWORD


@pytest.fixture
def rolf(north):
    user = get_user_model().objects.create_user("rolf", password=PASSWORD, is_staff=True)
    StaffMembership.objects.create(user=user, clinic=north)
    return user


@pytest.fixture
def nora_web(nora):
    return web_client_of(nora)


@pytest.fixture
def phil_web(phil):
    return web_client_of(phil)


@pytest.fixture
def ada_web(ada):
    return web_client_of(ada)


@pytest.fixture
def sam_web(sam):
    return web_client_of(sam)


@pytest.fixture
def rolf_web(rolf):
    return web_client_of(rolf)


@pytest.fixture
def assessed_patient(north, nora):
    """A north patient with two assessments, the later one with a left ankle decline."""
    patient = factories.PatientFactory(clinic=north, given_name="Ada", family_name="Lovelace", mrn="N-0001")
    first = factories.full_grades("5") | {("ankle_dorsiflexion", "left"): "4"}
    second = factories.full_grades("5") | {("ankle_dorsiflexion", "left"): "3-"}
    factories.assessment_with_grades(patient, datetime.date(2026, 1, 10), first, assessor=nora)
    latest = factories.assessment_with_grades(patient, datetime.date(2026, 4, 10), second, assessor=nora)
    latest.scores.filter(muscle_group="ankle_dorsiflexion", side="left").update(weakness_type="primary")
    latest.scores.filter(muscle_group="knee_extension").update(weakness_type="secondary")
    return patient


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the test item, so a browser fixture can tell a failure.
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report
