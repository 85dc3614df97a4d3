"""Rate limits (SPEC §4): API_RATE_PER_MINUTE requests a minute per token, counted in the cache;
past it a 429 that says so in words, with Retry-After. The FHIR API shares the budget."""

import datetime

import pytest
from django.urls import reverse

from tests.support.clients import api_client_of

pytestmark = pytest.mark.django_db

PATIENTS = reverse("api:patient-list")


@pytest.fixture
def three_a_minute(settings):
    settings.API_RATE_PER_MINUTE = 3
    settings.API_ANON_RATE_PER_MINUTE = 2


def test_past_its_rate_a_token_gets_429_with_retry_after_and_words(three_a_minute, nora_api):
    assert [nora_api.get(PATIENTS).status_code for _ in range(3)] == [200, 200, 200]

    refused = nora_api.get(PATIENTS)
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    detail = refused.json()["detail"]
    assert detail.startswith("Too many requests with these credentials")
    assert f"Try again in {refused['Retry-After']} second" in detail


def test_every_method_counts(three_a_minute, north_patient, nora_api):
    url = reverse("api:patient-detail", kwargs={"pk": north_patient.pk})
    nora_api.get(url)
    nora_api.patch(url, {"given_name": "Irene"}, format="json")
    nora_api.options(url)
    assert nora_api.patch(url, {"given_name": "Ivy"}, format="json").status_code == 429
    north_patient.refresh_from_db()
    assert north_patient.given_name == "Irene"


def test_the_limit_is_per_token(three_a_minute, nora, nora_api):
    for _ in range(3):
        nora_api.get(PATIENTS)
    assert nora_api.get(PATIENTS).status_code == 429
    assert api_client_of(nora).get(PATIENTS).status_code == 200


def test_a_minute_later_the_token_may_go_on(three_a_minute, nora_api, clock):
    for _ in range(4):
        nora_api.get(PATIENTS)
    clock.shift(datetime.timedelta(seconds=61))
    assert nora_api.get(PATIENTS).status_code == 200


def test_requests_without_credentials_are_limited_per_address(three_a_minute, anonymous):
    token = reverse("api:auth-token")
    wrong = {"username": "nobody", "password": "wrong-password"}
    assert [anonymous.post(token, wrong, format="json").status_code for _ in range(2)] == [400, 400]
    refused = anonymous.post(token, wrong, format="json")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert refused.json()["detail"].startswith("Too many requests")


def test_the_fhir_api_shares_the_budget_and_answers_an_operation_outcome(
    three_a_minute, north_patient, nora_api
):
    for _ in range(3):
        nora_api.get(PATIENTS)
    refused = nora_api.get(f"/fhir/R4/Patient/{north_patient.pk}")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    outcome = refused.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["code"] == "throttled"


def test_every_operation_documents_429_with_retry_after(nora_api):
    paths = nora_api.get("/api/schema/?format=json").json()["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            assert "429" in operation["responses"], (method, path)
    assert "Retry-After" in paths["/api/v1/patients/"]["get"]["responses"]["429"]["headers"]
