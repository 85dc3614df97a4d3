"""``webhooks/`` for clinic admins: register (the secret shown once), change, deactivate, read
the delivery log; bad input is a 400 by field; another clinic's endpoint is a 404."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from patients.models import StaffMembership
from patients.services import patient_create, staff_add
from tests.conftest import PASSWORD
from tests.support.clients import api_client_of
from webhooks.delivery import delivery_attempt
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db

LIST = reverse("api:webhook-list")


def detail(pk):
    return reverse("api:webhook-detail", args=[pk])


def register(client, **body):
    body = {"clinic": "north", "url": "https://ehr.example.org/hooks", "events": ["fall.recorded"]} | body
    return client.post(LIST, body, format="json")


def test_an_admin_registers_an_endpoint_and_sees_its_generated_secret_once(ada_api, ada):
    response = register(ada_api, events=["fall.recorded", "patient.created", "fall.recorded"])
    assert response.status_code == 201, response.json()
    body = response.json()
    endpoint = Endpoint.objects.get()
    assert body["secret"] == endpoint.secret and endpoint.secret.startswith("whsec_")
    assert (body["clinic"], body["active"], endpoint.created_by) == ("north", True, ada)
    # Each event once, in the catalogue's order.
    assert body["events"] == ["patient.created", "fall.recorded"]
    read = ada_api.get(detail(endpoint.pk)).json()
    assert "secret" not in read and read["url"] == "https://ehr.example.org/hooks"
    assert "secret" not in ada_api.get(LIST).json()["results"][0]


def test_a_secret_may_be_given_and_changed_but_never_read(ada_api):
    pk = register(ada_api, secret="given-secret-of-our-own").json()["id"]
    assert Endpoint.objects.get(pk=pk).secret == "given-secret-of-our-own"
    response = ada_api.patch(detail(pk), {"secret": "a-rotated-secret-value"}, format="json")
    assert response.status_code == 200 and "secret" not in response.json()
    assert Endpoint.objects.get(pk=pk).secret == "a-rotated-secret-value"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "not a url"}, "url"),
        ({"url": "ftp://ehr.example.org/hooks"}, "url"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"events": ["patient.deleted"]}, "events"),
        ({"events": []}, "events"),
        ({"events": "fall.recorded"}, "events"),
        ({"clinic": "south"}, "clinic"),
        ({"secret": "short"}, "secret"),
        ({"url": "https://ehr.example.org/" + "x" * 600}, "url"),
    ],
)
def test_bad_input_is_a_400_naming_its_field(ada_api, south, body, field):
    response = register(ada_api, **body)
    assert response.status_code == 400
    assert field in response.json()
    assert not Endpoint.objects.exists()


def test_an_endpoint_is_deactivated_not_deleted_and_keeps_its_clinic(ada_api, ada, south):
    StaffMembership.objects.create(user=ada, clinic=south)
    pk = register(ada_api).json()["id"]
    assert ada_api.delete(detail(pk)).status_code == 405
    assert ada_api.patch(detail(pk), {"clinic": "south"}, format="json").status_code == 400
    response = ada_api.patch(
        detail(pk), {"active": False, "events": ["referral.status_changed"]}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["active"], response.json()["events"]) == (False, ["referral.status_changed"])
    assert Endpoint.objects.get(pk=pk).clinic.code == "north"


def test_the_delivery_log_shows_each_attempt(ada_api, nora_api, north_patient, receiver):
    pk = register(ada_api, url=receiver.url).json()["id"]
    fall = nora_api.post(
        reverse("api:fall-list"),
        {"patient": north_patient.pk, "occurred_at": "2026-01-05T10:00:00Z"},
        format="json",
    )
    assert fall.status_code == 201
    receiver.answer = 500
    delivery_attempt(delivery_id=Delivery.objects.get().pk)
    [logged] = ada_api.get(reverse("api:webhook-deliveries", args=[pk])).json()["results"]
    delivery = Delivery.objects.get()
    assert logged | {"next_attempt_at": None} == {
        "id": delivery.pk,
        "event": str(delivery.event_id),
        "type": "fall.recorded",
        "occurred_at": logged["occurred_at"],
        "status": "pending",
        "attempts": 1,
        "last_attempt_at": logged["last_attempt_at"],
        "last_status_code": 500,
        "last_error": "HTTP 500 Internal Server Error",
        "next_attempt_at": None,
        "delivered_at": None,
    }


def test_another_clinics_admin_finds_nothing(ada_api, south):
    pk = register(ada_api).json()["id"]
    southern_admin = staff_add(username="sue", role="admin", clinic_code="south", password=PASSWORD)
    client = api_client_of(southern_admin)
    assert client.get(LIST).json()["count"] == 0
    assert client.get(detail(pk)).status_code == 404
    assert client.patch(detail(pk), {"active": False}, format="json").status_code == 404
    assert client.get(reverse("api:webhook-deliveries", args=[pk])).status_code == 404
    assert register(client).status_code == 400  # clinic north is not one of hers
    assert Endpoint.objects.get().active


def test_the_schema_documents_the_webhook_routes(client):
    schema = client.get(reverse("api:schema"), {"format": "json"}).json()
    paths = schema["paths"]
    assert set(paths["/api/v1/webhooks/"]) >= {"get", "post"}
    assert set(paths["/api/v1/webhooks/{id}/"]) >= {"get", "patch"}
    assert "delete" not in paths["/api/v1/webhooks/{id}/"]
    assert "get" in paths["/api/v1/webhooks/{id}/deliveries/"]
    created = paths["/api/v1/webhooks/"]["post"]["responses"]["201"]["content"]["application/json"]["schema"]
    assert created == {"$ref": "#/components/schemas/EndpointCreated"}
    components = schema["components"]["schemas"]
    assert "secret" not in components["Endpoint"]["properties"]
    assert components["EndpointRequest"]["properties"]["secret"]["writeOnly"] is True
    assert "fall.entered_in_error" in components["WebhookEventEnum"]["enum"]


def test_a_page_of_50_deliveries_costs_the_queries_of_a_page_of_5(ada_api, north, nora, receiver):
    pk = register(ada_api, url=receiver.url, events=["patient.created"]).json()["id"]
    for n in range(50):
        patient_create(
            clinic=north,
            created_by=nora,
            mrn=f"Q{n}",
            given_name="A",
            family_name="B",
            date_of_birth=date(1970, 1, 1),
        )
    url = reverse("api:webhook-deliveries", args=[pk])
    counts = {}
    for size in (5, 50):
        with CaptureQueriesContext(connection) as queries:
            response = ada_api.get(url, {"page_size": size})
        assert len(response.json()["results"]) == size
        counts[size] = len(queries)
    assert counts[5] == counts[50]
