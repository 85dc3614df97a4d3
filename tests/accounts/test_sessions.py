"""Sessions end after SESSION_IDLE_MINUTES (30) without a request, and when the browser closes (SPEC §5)."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse

from .conftest import code_of, enrol, log_in

pytestmark = pytest.mark.django_db

PATIENTS = reverse("web:patient_list")


def test_a_session_idle_for_31_minutes_is_sent_to_the_login_page(nora, clock):
    client, _ = log_in("nora")
    assert client.get(PATIENTS).status_code == 200
    clock.shift(datetime.timedelta(minutes=31))
    response = client.get(PATIENTS)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('web:login')}?next={PATIENTS}"


def test_a_session_used_every_20_minutes_stays_in(nora, clock):
    client, _ = log_in("nora")
    for _ in range(6):  # two hours, more than four times the idle limit
        clock.shift(datetime.timedelta(minutes=20))
        assert client.get(PATIENTS).status_code == 200


def test_the_idle_limit_is_the_setting(nora, clock):
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_IDLE_MINUTES * 60 == 30 * 60
    client, _ = log_in("nora")
    clock.shift(datetime.timedelta(minutes=29))
    assert client.get(PATIENTS).status_code == 200


def test_the_cookie_ends_when_the_browser_closes(nora, clock):
    client, response = log_in("nora")
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie.value and cookie["max-age"] == "" and cookie["expires"] == ""
    renewed = client.get(PATIENTS).cookies[settings.SESSION_COOKIE_NAME]
    assert renewed["max-age"] == "" and renewed["expires"] == ""
    assert cookie["httponly"] is True


def test_an_idle_verified_session_signs_in_with_both_factors_again(nora, clock):
    device, _ = enrol(nora)
    client, _ = log_in("nora")
    client.post(reverse("accounts:two_factor_verify"), {"code": code_of(device)})
    assert client.get(PATIENTS).status_code == 200
    clock.shift(datetime.timedelta(minutes=31))
    assert client.get(PATIENTS)["Location"].startswith(reverse("web:login"))
    log_in("nora", client=client)
    assert client.get(PATIENTS)["Location"].startswith(reverse("accounts:two_factor_verify"))
