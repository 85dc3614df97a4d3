"""Property-based: every API operation, fed generated input by Schemathesis, never answers
5xx and always answers as the OpenAPI schema says (status, content type, headers, body).

In-process through the WSGI app, authenticated as a nurse whose clinic has a record of
every kind. Examples are bounded so the run takes about a minute: it is part of every run.
"""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from clinic.wsgi import application
from tests import factories

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


# The schema view needs no database: it is loaded once, at collection.
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.fixture
def open_connection():
    """Keep the test's database connection open across requests, as Django's test client does.

    The app closes connections as a request starts and finishes; in-process, that one is the
    test's own (inside its transaction).
    """
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (signals.request_started, signals.request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def clinic_data(nora, phil, north_patient):
    """A record of every kind in Nora's clinic, so lists are not empty."""
    today = timezone.localdate()
    factories.assessment_with_grades(north_patient, today, factories.full_grades("4"), assessor=nora)
    fall = factories.FallFactory(patient=north_patient, recorded_by=nora)
    factories.DeviceFactory(patient=north_patient, prescribed_by=phil)
    factories.ReferralFactory(patient=north_patient, created_by=nora)
    factories.ReminderFactory(patient=north_patient).recipients.add(nora)
    factories.ReminderFactory(patient=north_patient, kind="fall_risk", fall=fall).recipients.add(nora)


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_to_its_schema_and_never_fails(case, open_connection, clinic_data, nora_token):
    case.call_and_validate(headers={"Authorization": f"Token {nora_token}"}, checks=CHECKS)
