"""Attacker's pass: no patient's identity in a cookie.

Django's default message storage keeps a message in a ``messages`` cookie, signed but not
encrypted: "Quix, Zelda (MRN ZZ123) registered." sat base64-encoded in the browser's cookie
store and in every request's Cookie header (proxies' logs), outside ``Cache-Control: no-store``.
"""

import base64
import contextlib

import pytest

from tests.support.clients import web_client_of

pytestmark = pytest.mark.django_db


def _cookie_text(response):
    texts = []
    for morsel in response.cookies.values():
        value = morsel.value.split(":")[0]
        texts.append(morsel.value)
        with contextlib.suppress(ValueError):
            texts.append(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("utf-8", "replace"))
    return " ".join(texts)


def test_registering_a_patient_puts_no_name_or_mrn_in_a_cookie(nora, north):
    client = web_client_of(nora)
    response = client.post(
        "/patients/new/",
        {
            "clinic": north.pk,
            "mrn": "ZZ123",
            "given_name": "Zelda",
            "family_name": "Quix",
            "date_of_birth": "1970-01-01",
            "sex": "female",
            "ms_type": "RRMS",
            "reassessment_interval_weeks": 12,
            "status": "active",
        },
    )
    assert response.status_code == 302
    text = _cookie_text(response)
    assert "ZZ123" not in text and "Quix" not in text
    # The message is still shown, once, on the next page.
    assert b"ZZ123" in client.get(response["Location"]).content
