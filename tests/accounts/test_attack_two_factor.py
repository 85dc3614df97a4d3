"""Attacker's pass: a session signed in with a password alone must reach no patient data.

SecondFactorMiddleware lets an API request through when it "sends a token", leaving the
token to knox. The middleware split the header with ``str.split`` (any Unicode whitespace),
knox with ``bytes.split`` (ASCII whitespace only): for ``Token<NBSP>x`` the middleware saw a
token, knox saw another scheme and let the session authenticate, past the second factor.
"""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

# Whitespace to str.split but not to bytes.split; each can reach WSGI in a header (latin-1).
SEPARATORS = ["\xa0", "\x85", "\x1c", "\x1d", "\x1e", "\x1f"]


@pytest.mark.parametrize("separator", SEPARATORS, ids=[f"{ord(s):#04x}" for s in SEPARATORS])
def test_an_odd_token_header_does_not_let_a_half_signed_in_session_into_the_api(
    ada, north_patient, separator
):
    client = Client()
    client.force_login(ada)  # password only: ada's role requires a second factor
    response = client.get("/api/v1/patients/", HTTP_AUTHORIZATION=f"Token{separator}garbage")
    assert response.status_code in (401, 403)
    assert north_patient.mrn.encode() not in response.content


def test_the_same_holds_for_a_retrieve(ada, north_patient):
    client = Client()
    client.force_login(ada)
    response = client.get(f"/api/v1/patients/{north_patient.pk}/", HTTP_AUTHORIZATION="Token\xa0x")
    assert response.status_code in (401, 403)
