"""The clinic admins' webhook pages: register an endpoint (its secret shown once), change or
deactivate it, and read its delivery log."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from care.services import fall_record
from tests.support.clients import web_client_of
from webhooks.delivery import delivery_attempt
from webhooks.models import Delivery, Endpoint
from webhooks.services import endpoint_register

pytestmark = pytest.mark.django_db

LIST = reverse("web:webhook_list")


@pytest.fixture
def ada_web(ada):
    return web_client_of(ada)


def test_an_admin_registers_an_endpoint_and_sees_its_secret_once(ada_web, north):
    body = {
        "clinic": north.pk,
        "url": "https://ehr.example.org/h",
        "events": ["fall.recorded", "patient.created"],
    }
    response = ada_web.post(LIST, body)
    assert response.status_code == 201
    endpoint = Endpoint.objects.get()
    html = response.content.decode()
    assert re.search(rf'<code id="webhook-secret">{re.escape(endpoint.secret)}</code>', html)
    assert endpoint.events == ["patient.created", "fall.recorded"]
    again = ada_web.get(LIST).content.decode()
    assert "https://ehr.example.org/h" in again and endpoint.secret not in again
    assert (
        endpoint.secret not in ada_web.get(reverse("web:webhook_page", args=[endpoint.pk])).content.decode()
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"url": "nope"}, "Enter an http or https URL"),
        ({"events": []}, "This field is required."),
        ({"events": ["patient.deleted"]}, "Select a valid choice."),
    ],
)
def test_bad_input_is_shown_by_its_field(ada_web, north, changes, message):
    body = {"clinic": north.pk, "url": "https://ehr.example.org/h", "events": ["fall.recorded"]} | changes
    response = ada_web.post(LIST, body)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Endpoint.objects.exists()


def test_an_admin_deactivates_an_endpoint_and_reads_its_deliveries(
    ada_web, ada, north, receiver, north_patient
):

    endpoint = endpoint_register(clinic=north, by=ada, url=receiver.url, events=["fall.recorded"])
    fall_record(patient=north_patient, recorded_by=ada, occurred_at=timezone.now())
    receiver.answer = 502
    delivery_attempt(delivery_id=Delivery.objects.get().pk)
    page = reverse("web:webhook_page", args=[endpoint.pk])
    html = ada_web.get(page).content.decode()
    assert "fall.recorded" in html and "HTTP 502" in html and str(Delivery.objects.get().event_id) in html

    response = ada_web.post(page, {"url": receiver.url, "events": ["fall.recorded"]})
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.active is False
