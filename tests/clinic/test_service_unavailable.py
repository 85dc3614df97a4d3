"""A backing service that is down (PostgreSQL, Redis) is a 503 with ``Retry-After`` in words — JSON under
/api/, an OperationOutcome under /fhir/, a page elsewhere — never a 500 or a traceback (issue 17).

The database "goes away" through an execute wrapper that fails every query the request makes, as a
restarting PostgreSQL does: the session or token lookup fails first, in a middleware or in the view.
``make loadtest-faults`` stops the real services under load."""

import json
from contextlib import contextmanager
from unittest import mock

import pytest
import redis.exceptions
from django.core.cache import caches
from django.db import InterfaceError, OperationalError, connection

from clinic.errors import SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS
from tests.support.clients import api_client_of, web_client_of

pytestmark = pytest.mark.django_db


@contextmanager
def database_down(error=OperationalError):
    def refuse(execute, sql, params, many, context):
        raise error("server closed the connection unexpectedly")

    with connection.execute_wrapper(refuse):
        yield


def _without_raising(client):
    """The test client re-raises a view's exception by default; a browser gets the response."""
    client.raise_request_exception = False
    return client


def _assert_retry_later(response):
    assert response.status_code == 503
    assert response["Retry-After"] == str(SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS)
    assert b"Traceback" not in response.content
    assert b"server closed the connection" not in response.content


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_the_api_answers_503_in_json_while_the_database_is_down(nora, error):
    client = _without_raising(api_client_of(nora))
    with database_down(error):
        response = client.get("/api/v1/patients/")
    _assert_retry_later(response)
    assert response["Content-Type"] == "application/json"
    assert "briefly unavailable" in response.json()["detail"]


def test_an_api_write_answers_503_in_json_while_the_database_is_down(nora, north_patient):
    client = _without_raising(api_client_of(nora))
    with database_down():
        response = client.post(
            "/api/v1/falls/",
            {"patient": north_patient.pk, "occurred_at": "2026-01-02T10:00:00Z", "injury": "none"},
            format="json",
        )
    _assert_retry_later(response)
    assert "try again in 5 seconds" in response.json()["detail"]


def test_fhir_answers_503_as_an_operation_outcome_while_the_database_is_down(nora):
    client = _without_raising(api_client_of(nora))
    with database_down():
        response = client.get("/fhir/R4/Patient")
    _assert_retry_later(response)
    assert response["Content-Type"].startswith("application/fhir+json")
    outcome = json.loads(response.content)
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["code"] == "transient"
    assert "briefly unavailable" in outcome["issue"][0]["diagnostics"]


def test_a_page_answers_503_in_words_while_the_database_is_down(nora):
    """The session is loaded in a middleware, before any view: the 503 comes from there."""
    client = _without_raising(web_client_of(nora))
    with database_down():
        response = client.get("/")
    _assert_retry_later(response)
    assert response["Content-Type"].startswith("text/html")
    assert b"Briefly unavailable" in response.content
    assert b"try again in 5 seconds" in response.content


def test_the_api_answers_503_while_redis_the_rate_limit_cache_is_down(nora):
    client = _without_raising(api_client_of(nora))
    refused = redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
    with mock.patch.object(caches["default"], "get", side_effect=refused):
        response = client.get("/api/v1/patients/")
    _assert_retry_later(response)
    assert "briefly unavailable" in response.json()["detail"]


def test_the_app_answers_again_once_the_database_is_back(nora):
    client = _without_raising(api_client_of(nora))
    with database_down():
        assert client.get("/api/v1/patients/").status_code == 503
    assert client.get("/api/v1/patients/").status_code == 200


def test_any_other_error_is_still_a_500(nora):
    client = _without_raising(web_client_of(nora))
    with mock.patch("django.contrib.sessions.backends.db.SessionStore.load", side_effect=ZeroDivisionError):
        response = client.get("/")
    assert response.status_code == 500
    assert not response.has_header("Retry-After")
