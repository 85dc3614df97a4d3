"""Signing in as a person does: real POSTs to the login pages and real TOTP codes.

Codes are computed from the device's secret at the (frozen) time of the request, so a test
steps the clock with time_machine rather than waiting for the next 30-second window.
"""

import datetime
import re
from base64 import b32decode

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.two_factor import recovery_codes_replace

from ..conftest import PASSWORD

START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def clock(time_machine):
    """The clock, stopped at START; ``clock.shift(seconds)`` moves it on."""
    time_machine.move_to(START, tick=False)
    return time_machine


def code_of(device):
    """The code the user's authenticator app shows now."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def code_from_secret(secret):
    """The code an app set up by typing ``secret`` (as the enrolment page shows it) shows now."""
    return f"{totp(b32decode(secret.replace(' ', ''))):06d}"


def secret_on(page):
    return re.search(r'id="secret-key">([A-Z2-7 ]+)<', page.content.decode()).group(1)


def enrol(user):
    """Two-factor sign-in turned on for ``user``: their authenticator and recovery codes."""
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    return device, recovery_codes_replace(user=user)


def log_in(username, *, next_url=None, client=None, password=PASSWORD, login_url=None):
    """A client after the password step at /login/ (or ``login_url``), and the response."""
    client = client or Client()
    data = {"username": username, "password": password}
    if next_url:
        data["next"] = next_url
    response = client.post(login_url or reverse("web:login"), data)
    return client, response
