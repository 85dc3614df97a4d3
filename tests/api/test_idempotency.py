"""Idempotency-Key on POSTs (SPEC §4, IETF draft-ietf-httpapi-idempotency-key-header): a retry
answers the stored response and runs nothing twice; the same key for another request is a 422."""

import datetime
import uuid

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from api.idempotency import advisory_lock_id
from api.models import IdempotencyKey
from api.tasks import expire_idempotency_keys
from assessments.models import Assessment
from care.models import Referral
from tests import factories
from tests.support.clients import api_client_of
from webhooks.models import Endpoint, Event

pytestmark = pytest.mark.django_db

ASSESSMENTS = reverse("api:assessment-list")


def assessment_body(patient, notes="First visit"):
    return {
        "patient": patient.pk,
        "assessed_on": timezone.localdate().isoformat(),
        "notes": notes,
        "scores": [{"muscle_group": "grip", "side": "left", "grade": "4"}],
    }


def post(client, body, key, url=ASSESSMENTS):
    return client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_retry_with_the_same_key_answers_the_stored_response_and_records_once(north_patient, nora_api):
    key = str(uuid.uuid4())
    first = post(nora_api, assessment_body(north_patient), key)
    retry = post(nora_api, assessment_body(north_patient), key)

    assert first.status_code == retry.status_code == 201
    assert retry.content == first.content
    assert retry["ETag"] == first["ETag"]
    assert retry["Location"] == first["Location"] == f"/api/v1/assessments/{first.json()['id']}/"
    assert retry["Content-Type"] == first["Content-Type"]
    assert retry["Idempotent-Replayed"] == "true" and not first.has_header("Idempotent-Replayed")
    assert Assessment.objects.filter(patient=north_patient).count() == 1


def test_a_retry_writes_no_second_webhook_event(north, ada, north_patient, nora_api):
    """The outbox row is written in the change's transaction: a replay runs nothing, so writes none."""
    Endpoint.objects.create(
        clinic=north,
        created_by=ada,
        url="https://ehr.example.org/hook",
        events=["assessment.recorded"],
        secret="s" * 32,
    )
    for _ in range(2):
        post(nora_api, assessment_body(north_patient), "k1")
    assert Event.objects.filter(type="assessment.recorded").count() == 1


def test_the_stored_response_is_the_one_first_given_even_after_the_record_changed(north_patient, nora_api):
    key = "visit-2026-12-01"
    first = post(nora_api, assessment_body(north_patient), key)
    url = reverse("api:assessment-detail", kwargs={"pk": first.json()["id"]})
    assert nora_api.patch(url, {"notes": "Re-checked"}, format="json").status_code == 200

    retry = post(nora_api, assessment_body(north_patient), key)
    assert retry.json()["notes"] == "First visit"
    assert Assessment.objects.get().notes == "Re-checked"


@pytest.mark.parametrize(
    "other_request",
    [
        pytest.param(
            lambda patient: (assessment_body(patient, notes="Second visit"), ASSESSMENTS), id="body"
        ),
        pytest.param(lambda patient: (assessment_body(patient), f"{ASSESSMENTS}?x=1"), id="query"),
        pytest.param(
            lambda patient: (
                {"patient": patient.pk, "to_service": "orthotics", "reason": "AFO"},
                reverse("api:referral-list"),
            ),
            id="path",
        ),
    ],
)
def test_the_same_key_with_another_request_is_a_422_and_runs_nothing(other_request, north_patient, nora_api):
    post(nora_api, assessment_body(north_patient), "k1")
    body, url = other_request(north_patient)

    response = post(nora_api, body, "k1", url=url)
    assert response.status_code == 422
    assert "Idempotency-Key was used for another request" in response.json()["detail"]
    assert Assessment.objects.count() == 1 and not Referral.objects.exists()


def test_a_body_written_differently_is_another_request(north_patient, nora_api):
    """The fingerprint is of the bytes sent: a client retries what it sent, byte for byte."""
    post(nora_api, assessment_body(north_patient), "k1")
    body = assessment_body(north_patient)
    response = nora_api.post(
        ASSESSMENTS,
        data=str(body).replace("'", '"').replace(", ", ",  "),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k1",
    )
    assert response.status_code == 422


def test_keys_are_per_user(north_patient, nora_api, phil_api):
    post(nora_api, assessment_body(north_patient), "shared-key")
    response = post(phil_api, assessment_body(north_patient), "shared-key")
    assert response.status_code == 201 and "Idempotent-Replayed" not in response
    assert sorted(Assessment.objects.values_list("assessor__username", flat=True)) == ["nora", "phil"]


def test_a_quoted_key_is_the_same_key(north_patient, nora_api):
    """The draft writes the key as a structured-field string; a bare value is taken as the same key."""
    post(nora_api, assessment_body(north_patient), '"8e03978e-40d5-43e8-bc93-6894a57f9324"')
    retry = post(nora_api, assessment_body(north_patient), "8e03978e-40d5-43e8-bc93-6894a57f9324")
    assert retry["Idempotent-Replayed"] == "true"
    assert Assessment.objects.count() == 1


def test_an_error_keeps_no_key_and_a_corrected_retry_runs(north_patient, nora_api):
    bad = assessment_body(north_patient) | {
        "scores": [{"muscle_group": "grip", "side": "left", "grade": "6"}]
    }
    assert post(nora_api, bad, "k1").status_code == 400
    assert not IdempotencyKey.objects.exists()

    assert post(nora_api, assessment_body(north_patient), "k1").status_code == 201
    assert Assessment.objects.count() == 1


def test_a_forbidden_post_keeps_no_key(north_patient, nora_api):
    body = {
        "patient": north_patient.pk,
        "device_type": "afo",
        "side": "left",
        "reason": "Foot drop",
        "prescribed_on": timezone.localdate().isoformat(),
    }
    assert post(nora_api, body, "k1", url=reverse("api:device-list")).status_code == 403
    assert not IdempotencyKey.objects.exists()


def test_a_retried_transition_answers_its_stored_response_not_a_409(north_patient, nora, nora_api):
    referral = factories.ReferralFactory(patient=north_patient, created_by=nora)
    url = reverse("api:referral-transition", kwargs={"pk": referral.pk})
    first = post(nora_api, {"status": "sent"}, "move-1", url=url)
    retry = post(nora_api, {"status": "sent"}, "move-1", url=url)
    without_key = nora_api.post(url, {"status": "sent"}, format="json")

    assert first.status_code == retry.status_code == 200 and retry.content == first.content
    assert without_key.status_code == 409
    now = nora_api.get(reverse("api:referral-detail", kwargs={"pk": referral.pk})).json()
    assert now["status_history"] == first.json()["status_history"]


def test_a_key_answers_for_24_hours_then_the_request_runs_afresh(north_patient, nora, clock):
    # A token lasts a clinic day: each request signs in afresh. The body is the one sent first.
    body = assessment_body(north_patient)
    post(api_client_of(nora), body, "k1")
    clock.shift(datetime.timedelta(hours=23, minutes=59))
    assert post(api_client_of(nora), body, "k1")["Idempotent-Replayed"] == "true"

    clock.shift(datetime.timedelta(minutes=2))
    again = post(api_client_of(nora), body, "k1")
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert Assessment.objects.count() == 2
    assert IdempotencyKey.objects.count() == 1


def test_the_hourly_task_removes_the_keys_past_24_hours(north_patient, nora, clock):
    post(api_client_of(nora), assessment_body(north_patient), "old")
    clock.shift(datetime.timedelta(hours=20))
    post(api_client_of(nora), assessment_body(north_patient, notes="Later"), "recent")
    clock.shift(datetime.timedelta(hours=5))

    assert expire_idempotency_keys.apply().result == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["recent"]
    assert settings.CELERY_BEAT_SCHEDULE["idempotency-key-expiry"] == {
        "task": "api.tasks.expire_idempotency_keys",
        "schedule": 3600,
    }


@pytest.mark.parametrize(
    ("key", "why"),
    [
        ("", "empty"),
        ('""', "empty once unquoted"),
        ("k" * 256, "256 characters"),
        ("k" * 300, "300 characters"),
        ("caf\u00e9", "not ASCII"),
        ("tab\tinside", "a control character"),
    ],
)
def test_a_key_that_cannot_be_one_is_a_400_and_runs_nothing(key, why, north_patient, nora_api):
    response = post(nora_api, assessment_body(north_patient), key)
    assert response.status_code == 400, why
    assert "1 to 255 visible ASCII characters" in response.json()["Idempotency-Key"][0]
    assert not Assessment.objects.exists() and not IdempotencyKey.objects.exists()


def test_a_retried_trend_review_answers_where_the_review_is(north_patient, nora, nora_api):
    factories.assessment_with_grades(
        north_patient, timezone.localdate(), {("grip", "left"): "4"}, assessor=nora
    )
    url = reverse("api:patient-reviews", kwargs={"pk": north_patient.pk})
    first = post(nora_api, {"note": "Stable."}, "review-1", url=url)
    retry = post(nora_api, {"note": "Stable."}, "review-1", url=url)
    assert first.status_code == retry.status_code == 201
    assert retry["Location"] == first["Location"]
    assert nora_api.get(first["Location"]).json()["id"] == first.json()["id"]
    assert nora_api.get(url).json()["count"] == 1


def test_a_diary_link_whose_secret_is_never_stored_refuses_a_key(north_patient, nora_api):
    url = reverse("api:patient-diary-link", kwargs={"pk": north_patient.pk})
    response = post(nora_api, {}, "link-1", url=url)
    assert response.status_code == 400
    assert "never stored" in response.json()["Idempotency-Key"][0]
    assert not IdempotencyKey.objects.exists()
    assert nora_api.post(url, {}, format="json").status_code == 201


def test_a_key_of_255_characters_is_taken(north_patient, nora_api):
    key = "k" * 255
    post(nora_api, assessment_body(north_patient), key)
    assert post(nora_api, assessment_body(north_patient), key)["Idempotent-Replayed"] == "true"


def test_a_key_held_by_a_request_still_running_is_a_409(postgresql, north_patient, nora, nora_api):
    """Another request runs with the key: it holds the key's advisory lock until its transaction ends."""
    db = connection.settings_dict
    with (
        psycopg.connect(
            host=db["HOST"],
            port=db["PORT"] or 5432,
            user=db["USER"],
            password=db["PASSWORD"],
            dbname=db["NAME"],
        ) as other,
        other.transaction(),
    ):
        other.execute("SELECT pg_advisory_xact_lock(%s)", [advisory_lock_id(user=nora, key="busy")])
        response = post(nora_api, assessment_body(north_patient), "busy")
    assert response.status_code == 409
    assert "still being processed" in response.json()["detail"]
    assert not Assessment.objects.exists()

    assert post(nora_api, assessment_body(north_patient), "busy").status_code == 201


def test_the_schema_documents_the_key_and_its_statuses(nora_api):
    schema = nora_api.get("/api/schema/?format=json").json()
    posts = {
        path: operations["post"]
        for path, operations in schema["paths"].items()
        if "post" in operations and not path.startswith("/api/v1/auth/") and not path.endswith("/diary-link/")
    }
    assert "/api/v1/assessments/" in posts and "/api/v1/referrals/{id}/transition/" in posts
    for path, operation in posts.items():
        names = {(p["in"], p["name"]) for p in operation["parameters"]}
        assert ("header", "Idempotency-Key") in names, path
        assert {"400", "409", "422", "429"} <= set(operation["responses"]), path
        if "201" in operation["responses"]:
            assert "Location" in operation["responses"]["201"]["headers"], path
    diary_link = schema["paths"]["/api/v1/patients/{id}/diary-link/"]["post"]
    assert "Idempotency-Key" not in {p["name"] for p in diary_link.get("parameters", [])}
    token = schema["paths"]["/api/v1/auth/token/"]["post"]
    assert "Idempotency-Key" not in {p["name"] for p in token.get("parameters", [])}
