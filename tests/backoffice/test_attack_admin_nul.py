"""Attacker's pass: a NUL character in the admin's query string is a bad lookup, never a 500.

PostgreSQL cannot compare text with NUL in it: a list filter such as ``?status__exact=a%00b``
or an autocomplete ``term`` went to the database and answered 500 (run this file with
``DATABASE_URL=postgres://...`` to see the 500; on SQLite the filters answer 200 instead of
Django's bad-lookup redirect). The admin's changelist search box is already checked by Django.
"""

import pytest
from django.contrib.auth import get_user_model

from tests.conftest import PASSWORD
from tests.support.clients import web_client_of

pytestmark = pytest.mark.django_db

NUL = "a\x00b"


@pytest.fixture
def root(db):
    return get_user_model().objects.create_superuser("root", "root@example.org", PASSWORD)


@pytest.mark.parametrize(
    "url",
    [
        "/admin/patients/patient/?status__exact=",
        "/admin/patients/patient/?mrn=",
        "/admin/audit/accessrecord/?action__exact=",
    ],
)
@pytest.mark.parametrize("who", ["ada", "root"])
def test_a_nul_in_a_list_filter_is_a_bad_lookup(request, north_patient, url, who):
    client = web_client_of(request.getfixturevalue(who))
    client.raise_request_exception = False
    response = client.get(url + NUL)
    assert response.status_code == 302, response.status_code
    assert response["Location"].endswith("?e=1")


def test_a_nul_in_an_autocomplete_term_finds_nothing(root, ada):
    client = web_client_of(root)
    client.raise_request_exception = False
    response = client.get(
        "/admin/autocomplete/",
        {"app_label": "patients", "model_name": "staffmembership", "field_name": "user", "term": NUL},
    )
    assert response.status_code == 200
    assert response.json()["results"] == []
