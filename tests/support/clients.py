"""Test clients for the named people: the API's (a token each) and the pages' (a browser session)."""

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.two_factor import two_factor_required


def api_client_of(user=None):
    """An API client that sends ``user``'s token (no credentials for ``None``)."""
    client = APIClient()
    if user is not None:
        _, token = AuthToken.objects.create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def web_client_of(user=None):
    """A browser-like client logged in as ``user`` through Django's session (anonymous for ``None``)."""
    client = Client()
    if user is not None:
        sign_in(client, user)
    return client


def sign_in(client, user):
    """Log ``client`` in as ``user`` as far as their pages: past the second factor where their role requires one.

    tests/accounts signs in through the real two steps; elsewhere the second factor is a given.
    """
    client.force_login(user)
    if two_factor_required(user):
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
