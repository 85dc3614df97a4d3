"""Property-based, as a clinic admin (tests/api/test_schemathesis.py runs as a nurse, who gets
403 here): the webhook operations, fed generated input, never answer 5xx and answer as the
schema says."""

import pytest
from hypothesis import HealthCheck, settings
from knox.models import AuthToken

from tests.api.test_schemathesis import CHECKS, open_connection, schema  # noqa: F401
from webhooks.services import endpoint_register

webhook_operations = schema.include(path_regex="^/api/v1/webhooks/")


@pytest.fixture
def ada_token(ada, north):
    endpoint_register(clinic=north, by=ada, url="https://ehr.example.org/hooks", events=["fall.recorded"])
    return AuthToken.objects.create(user=ada)[1]


@webhook_operations.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_webhook_operations_keep_to_their_schema(case, open_connection, ada_token):  # noqa: F811
    case.call_and_validate(headers={"Authorization": f"Token {ada_token}"}, checks=CHECKS)
