"""Test clients for the named people: the API's (a token each) and the pages' (a browser session)."""

from django.test import Client
from knox.models import AuthToken
from rest_framework.test import APIClient


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
        client.force_login(user)
    return client
