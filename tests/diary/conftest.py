"""The diary's tests: Iris, a north patient with an exercise plan, and the link Nora gave her.

``diary`` is a page client for her link (no account), with helpers that fill in a day as the
page's form sends it.
"""

import datetime
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from diary.services import diary_link_issue
from tests import factories


@pytest.fixture(autouse=True)
def midday():
    """Every test runs at noon, clinic time: a fall typed for the early morning is in the past,
    whenever the suite runs (``clock`` stops the time there)."""
    noon = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time(12)))
    with time_machine.travel(noon, tick=True):
        yield


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Each test starts with the rate limits' counters at zero (the cache is the process's memory)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def iris(north, phil):
    patient = factories.PatientFactory(
        clinic=north,
        given_name="Iris",
        family_name="Reid",
        mrn="N-IRIS",
        date_of_birth=datetime.date(1970, 3, 1),
    )
    factories.PlanFactory(
        patient=patient,
        prescribed_by=phil,
        kind="stretching",
        muscle_group="ankle_plantarflexion",
        side="both",
        started_on=datetime.date(2020, 1, 1),
        review_on=datetime.date(2024, 1, 1),
    )
    return patient


@pytest.fixture
def link(iris, nora):
    """``(link, secret, path)`` of a diary link Nora issued for Iris."""
    link, secret = diary_link_issue(patient=iris, by=nora)
    return link, secret, f"/diary/{secret}/"


class DiaryClient(Client):
    """A phone's browser at the diary: ``day_post`` sends a day as the page's form does."""

    def day_post(self, path, day=None, *, falls=(), revision=0, plans=None, **fields):
        data = {
            "revision": str(revision),
            "near_falls": "0",
            "fatigue": "4",
            "heat_worse": "no",
            "spasms": "3",
            "falls-TOTAL_FORMS": str(len(falls)),
            "falls-INITIAL_FORMS": str(len(falls)),
            "falls-MIN_NUM_FORMS": "0",
            "falls-MAX_NUM_FORMS": "10",
        }
        for plan in plans or ():
            data[f"plan_{plan.pk}"] = "yes"
        for index, fall in enumerate(falls):
            for name, value in fall.items():
                data[f"falls-{index}-{name}"] = value
        data.update({name: str(value) for name, value in fields.items()})
        query = f"?day={day.isoformat()}" if day else ""
        return self.post(path + query, data)


@pytest.fixture
def phone(db):
    return DiaryClient(REMOTE_ADDR="203.0.113.7")


def path_of(url):
    return urlsplit(url).path


def a_fall(**fields):
    return {"time": "10:30", "location": "home", "injury": "none", "notes": "Tripped on the rug"} | fields
