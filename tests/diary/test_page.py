"""The diary page from outside (SPEC §5, §7): what it shows, bad input on every field (never a
500, nothing stored), CSRF, no caching, the access log, the rate limits and the log."""

import datetime
import logging

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone

from audit.models import AccessRecord
from care.models import FallEvent
from clinic.log_filters import HideDiarySecrets
from diary.models import DiaryEntry
from diary.selectors import diary_plans
from diary.services import diary_link_revoke

from .conftest import DiaryClient, a_fall

pytestmark = pytest.mark.django_db


def test_the_page_shows_the_given_name_and_clinic_only(link, iris, phone):
    _, _, path = link
    page = phone.get(path).content.decode()
    assert "Iris" in page and "North" in page
    for private in (iris.family_name, iris.mrn, iris.date_of_birth.isoformat(), "1 Mar 1970"):
        assert private not in page
    assert "Stretches: ankle plantarflexion, both sides" in page


def test_the_page_is_never_cached_and_keeps_its_address_to_itself(link, phone):
    _, _, path = link
    response = phone.get(path)
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "origin"


def test_a_post_without_the_csrf_token_is_refused(link, iris):
    _, _, path = link
    strict = DiaryClient(enforce_csrf_checks=True)
    plans = list(diary_plans(iris, timezone.localdate()))
    assert strict.day_post(path, plans=plans).status_code == 403
    assert not DiaryEntry.objects.exists()


def test_every_use_is_in_the_access_log_with_no_user(link, iris, phone):
    _, _, path = link
    plans = list(diary_plans(iris, timezone.localdate()))
    phone.get(path)
    phone.day_post(path, plans=plans)
    phone.day_post(path, plans=plans, fatigue="eleven")  # refused: still a use
    records = AccessRecord.objects.order_by("id")
    assert [r.action for r in records] == ["diary"] * 3
    assert all(r.user is None and r.username == "" for r in records)
    assert all(r.ip == "203.0.113.7" for r in records)
    assert all(list(r.subjects.values_list("patient_id", flat=True)) == [iris.pk] for r in records)


def test_an_unknown_link_is_not_in_the_access_log(phone):
    assert phone.get("/diary/not-a-link/").status_code == 404
    assert not AccessRecord.objects.exists()


TODAY_FIELDS = {"fatigue": "4", "heat_worse": "no", "spasms": "3", "near_falls": "0", "revision": "0"}
BAD_FIELDS = [
    ("fatigue", ""),
    ("fatigue", "11"),
    ("fatigue", "-1"),
    ("fatigue", "3.5"),
    ("fatigue", "lots"),
    ("spasms", ""),
    ("spasms", "99999999999999999999999"),
    ("heat_worse", ""),
    ("heat_worse", "maybe"),
    ("near_falls", ""),
    ("near_falls", "-2"),
    ("near_falls", "21"),
    ("near_falls", "two"),
    ("near_falls", "\x00"),
    ("revision", "x"),
    ("revision", "-1"),
    ("plan", ""),
    ("plan", "perhaps"),
    ("falls-TOTAL_FORMS", "x"),
    ("falls-TOTAL_FORMS", "1000"),
    ("falls-0-time", ""),
    ("falls-0-time", "25:00"),
    ("falls-0-time", "23:59"),  # later today: not yet
    ("falls-0-time", "noon"),
    ("falls-0-location", ""),
    ("falls-0-location", "moon"),
    ("falls-0-injury", ""),
    ("falls-0-injury", "fatal"),
    ("falls-0-notes", "x" * 1001),
    ("falls-0-id", "0"),
    ("falls-0-id", "abc"),
    ("falls-0-id", "999999"),
]


@pytest.mark.parametrize(("field", "value"), BAD_FIELDS, ids=[f"{f}={v[:12]!r}" for f, v in BAD_FIELDS])
def test_bad_input_on_any_field_is_refused_in_words_and_stores_nothing(link, iris, phone, field, value):
    _, _, path = link
    # Just after midnight, so that a fall "later today" is in the future.
    with time_machine.travel(
        timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time(0, 30))), tick=False
    ):
        plans = list(diary_plans(iris, timezone.localdate()))
        extra = {f"plan_{plans[0].pk}" if field == "plan" else field: value}
        response = phone.day_post(path, falls=[a_fall(time="00:10")], plans=plans, **extra)
    assert response.status_code in (200, 400), response.status_code
    assert not DiaryEntry.objects.exists()
    assert not FallEvent.objects.exists()
    if response.status_code == 200:
        assert b"Please look again" in response.content or b"error" in response.content


def test_a_missing_answer_for_an_exercise_plan_is_asked_for(link, iris, phone):
    _, _, path = link
    response = phone.day_post(path, plans=[])
    assert response.status_code == 200
    assert b"Choose yes or no." in response.content
    assert not DiaryEntry.objects.exists()


@override_settings(DIARY_REQUESTS_PER_LINK=3, DIARY_REQUESTS_PER_ADDRESS=100)
def test_a_link_is_rate_limited_from_any_address(link):
    _, _, path = link
    statuses = [DiaryClient(REMOTE_ADDR=f"198.51.100.{n}").get(path).status_code for n in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = DiaryClient(REMOTE_ADDR="198.51.100.9").get(path)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 600
    assert b"Please wait a little" in response.content


@override_settings(DIARY_REQUESTS_PER_LINK=100, DIARY_REQUESTS_PER_ADDRESS=3)
def test_an_address_is_rate_limited_whatever_links_it_tries(link, phone, clock):
    _, _, path = link
    statuses = [phone.get(f"/diary/guess-{n}/").status_code for n in range(3)]
    assert statuses == [404, 404, 404]
    assert phone.get(path).status_code == 429  # even the right link, from there
    assert DiaryClient(REMOTE_ADDR="192.0.2.1").get(path).status_code == 200
    clock.shift(datetime.timedelta(seconds=600))
    assert phone.get(path).status_code == 200


def test_the_log_never_holds_a_diary_secret(link, phone, caplog):
    _, secret, path = link
    diary_link_revoke(patient=link[0].patient, by=link[0].issued_by)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert phone.get(path).status_code == 404
    record = caplog.records[-1]
    HideDiarySecrets().filter(record)
    assert secret not in record.getMessage()
    assert "/diary/<secret>" in record.getMessage()
