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
from .browser import browser, web  # noqa: F401  (the browser tests' fixtures)


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


@pytest.fixture
def changing_patient(north, nora):
    """A north patient over four visits in 2026: the left ankle dorsiflexion slides 4, 3, 2-, 1
    and the left knee extension 4, 4-, 3+, 3 (declines from their best of 14 Jan, never a
    whole grade between visits), the right grip improves 3 → 4 at the last visit, EDSS goes
    3.5 → 4.5 (worsening from 3.5 is a rise of 1.0) and the timed 25-foot walk 8, 9, 11 s
    (the last at least 20% slower). MRC sums: 58, 57, 55, 54."""
    patient = factories.PatientFactory(clinic=north, given_name="Grace", family_name="Hopper", mrn="N-0003")
    for day, ankle, knee, grip, edss, walk in [
        (datetime.date(2026, 1, 14), "4", "4", "3", "3.5", "8.0"),
        (datetime.date(2026, 4, 15), "3", "4-", "3", None, "9.0"),
        (datetime.date(2026, 7, 10), "2-", "3+", "3", None, None),
        (datetime.date(2026, 10, 5), "1", "3", "4", "4.5", "11.0"),
    ]:
        grades = factories.full_grades("5") | {
            ("ankle_dorsiflexion", "left"): ankle,
            ("knee_extension", "left"): knee,
            ("grip", "right"): grip,
        }
        factories.assessment_with_grades(
            patient, day, grades, assessor=nora, edss=edss, timed_25ft_walk_seconds=walk
        )
    return patient


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the test item, so a browser fixture can tell a failure.
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report
