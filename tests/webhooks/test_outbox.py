"""Every change a webhook announces writes its event to the outbox in its own transaction, with
ids and codes only; a delivery POSTs it signed, retries what may pass later and never sends a
delivered event again."""

import datetime
import json

import pytest
from django.db import transaction
from django.utils import timezone

from assessments.services import assessment_record
from care.services import device_prescribe, fall_record, referral_create
from patients.services import patient_create, record_mark_entered_in_error
from reminders.sweep import reminder_sweep
from tests import factories
from webhooks.delivery import deliveries_lost, delivery_attempt, retry_delay
from webhooks.models import Delivery, DeliveryStatus, Event, EventType
from webhooks.services import endpoint_register, endpoint_update
from webhooks.tasks import sweep_webhooks

pytestmark = pytest.mark.django_db

SECRET = "a-secret-of-the-tests"


@pytest.fixture
def endpoint(north, ada, receiver):
    return endpoint_register(clinic=north, by=ada, url=receiver.url, events=EventType.values, secret=SECRET)


def register(north, nora, mrn="N1"):
    return patient_create(
        clinic=north,
        created_by=nora,
        mrn=mrn,
        given_name="Iris",
        family_name="Reid",
        date_of_birth=datetime.date(1970, 3, 1),
    )


def test_each_change_writes_its_event_with_ids_and_no_names(endpoint, north, nora, phil):
    patient = register(north, nora)
    assessment = assessment_record(
        patient=patient,
        assessor=nora,
        assessed_on=timezone.localdate(),
        scores=[{"muscle_group": "grip", "side": "left", "grade": 12}],
    )
    fall = fall_record(
        patient=patient, recorded_by=nora, occurred_at=timezone.now(), notes="Tripped on the rug"
    )
    device = device_prescribe(
        patient=patient,
        prescribed_by=phil,
        device_type="afo",
        side="left",
        prescribed_on=timezone.localdate(),
    )
    referral = referral_create(
        patient=patient, created_by=nora, to_service="orthotics", reason="AFO", send=True
    )
    record_mark_entered_in_error(record=fall, by=nora, reason="Wrong patient")

    events = [(e.type, e.data) for e in Event.objects.order_by("occurred_at", "type")]
    kinds = [kind for kind, _ in events]
    assert kinds.count("referral.status_changed") == 2
    assert dict(events)["patient.created"] == {"patient": patient.pk}
    assert dict(events)["fall.recorded"] == {
        "fall": fall.pk,
        "patient": patient.pk,
        "occurred_at": fall.occurred_at.isoformat(),
        "near_fall": False,
    }
    assert dict(events)["fall.entered_in_error"] == {"fall": fall.pk, "patient": patient.pk}
    assert dict(events)["device.prescribed"]["device"] == device.pk
    assert dict(events)["assessment.recorded"]["assessment"] == assessment.pk
    assert [d for k, d in events if k == "referral.status_changed"][-1] == {
        "referral": referral.pk,
        "patient": patient.pk,
        "from_status": "draft",
        "to_status": "sent",
    }
    # One delivery per event to the endpoint; nothing names the patient or carries free text.
    assert Delivery.objects.filter(endpoint=endpoint).count() == len(events)
    bodies = b"".join(event.body() for event in Event.objects.all())
    for text in (b"Iris", b"Reid", b"N1", b"Tripped", b"Wrong patient", b"AFO"):
        assert text not in bodies


def test_a_change_rolled_back_leaves_no_event(endpoint, north, nora):
    with transaction.atomic():
        register(north, nora)
        transaction.set_rollback(True)
    assert not Event.objects.exists() and not Delivery.objects.exists()


def test_reminders_created_by_the_sweep_are_events(endpoint, north, nora):
    patient = factories.PatientFactory(clinic=north)
    factories.AssessmentFactory(
        patient=patient, assessed_on=timezone.localdate() - datetime.timedelta(weeks=13)
    )
    created = reminder_sweep(today=timezone.localdate())
    reminder_id = created["reassessment_due"][0]
    event = Event.objects.get(type="reminder.created")
    assert event.data["reminder"] == reminder_id and event.data["patient"] == patient.pk
    assert event.data["kind"] == "reassessment_due" and event.data["subject"] is None


def test_only_subscribed_active_endpoints_of_the_clinic_get_deliveries(north, south, ada, nora, receiver):
    endpoint_register(clinic=north, by=ada, url=receiver.url, events=["fall.recorded"])
    inactive = endpoint_register(clinic=north, by=ada, url=receiver.url, events=["patient.created"])
    endpoint_update(endpoint=inactive, active=False)
    endpoint_register(clinic=south, by=ada, url=receiver.url, events=["patient.created"])
    register(north, nora)
    # Nobody listens for this patient's registration: nothing is written.
    assert not Event.objects.exists() and not Delivery.objects.exists()
    endpoint_update(endpoint=inactive, active=True)
    register(north, nora, mrn="N2")
    assert list(Delivery.objects.values_list("endpoint", flat=True)) == [inactive.pk]


def test_a_delivery_is_posted_signed_and_never_sent_again(endpoint, north, nora, receiver):
    patient = register(north, nora)
    delivery = Delivery.objects.get()
    assert delivery_attempt(delivery_id=delivery.pk).status == DeliveryStatus.DELIVERED
    assert delivery_attempt(delivery_id=delivery.pk) is None
    [event] = receiver.events(SECRET)
    assert event == {
        "id": str(delivery.event_id),
        "type": "patient.created",
        "occurred_at": delivery.event.occurred_at.isoformat(),
        "clinic": "north",
        "data": {"patient": patient.pk},
    }
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.last_status_code, delivery.delivered_at is not None) == (1, 200, True)


def test_a_server_error_is_retried_with_backoff_and_a_refusal_is_final(
    endpoint, north, nora, receiver, clock
):
    register(north, nora)
    delivery = Delivery.objects.get()
    receiver.answer = 503
    attempted = delivery_attempt(delivery_id=delivery.pk)
    assert (attempted.status, attempted.attempts, attempted.last_status_code) == ("pending", 1, 503)
    assert attempted.next_attempt_at == timezone.now() + datetime.timedelta(seconds=retry_delay(1))
    # Not due yet: a task arriving early sends nothing.
    assert delivery_attempt(delivery_id=delivery.pk) is None
    clock.shift(datetime.timedelta(seconds=retry_delay(1)))
    receiver.answer = 410
    assert delivery_attempt(delivery_id=delivery.pk).status == DeliveryStatus.FAILED
    assert len(receiver.received) == 2
    assert retry_delay(2) == 2 * retry_delay(1) and retry_delay(50) == 3600


def test_a_receiver_that_is_down_is_a_network_error_retried(endpoint, north, nora, receiver):
    register(north, nora)
    receiver.stop()
    attempted = delivery_attempt(delivery_id=Delivery.objects.get().pk)
    receiver.start()
    assert attempted.status == "pending" and attempted.last_status_code is None
    assert "Connection refused" in attempted.last_error or "Errno" in attempted.last_error


def test_the_sweep_finds_deliveries_whose_task_was_lost(endpoint, north, nora, clock, settings):
    register(north, nora)
    delivery = Delivery.objects.get()
    assert deliveries_lost(now=timezone.now()) == []
    later = timezone.now() + datetime.timedelta(seconds=settings.WEBHOOK_SWEEP_GRACE_SECONDS)
    assert deliveries_lost(now=later) == [delivery.pk]
    Delivery.objects.filter(pk=delivery.pk).update(claimed_until=later + datetime.timedelta(seconds=1))
    assert deliveries_lost(now=later) == []


def test_a_deactivated_endpoint_gets_nothing_more(endpoint, north, nora, receiver):
    register(north, nora)
    endpoint_update(endpoint=endpoint, active=False)
    attempted = delivery_attempt(delivery_id=Delivery.objects.get().pk)
    assert attempted.status == "failed" and receiver.received == []


def test_a_private_address_is_refused_unless_allowed(north, ada, settings):
    from django.core.exceptions import ValidationError

    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    for url in ("http://127.0.0.1/x", "https://10.0.0.5/x", "http://localhost:8000/x", "http://[::1]/x"):
        with pytest.raises(ValidationError) as caught:
            endpoint_register(clinic=north, by=ada, url=url, events=["patient.created"])
        assert "url" in caught.value.message_dict, url
    assert (
        json.dumps(
            endpoint_register(
                clinic=north, by=ada, url="https://ehr.example.org/x", events=["patient.created"]
            ).events
        )
        == '["patient.created"]'
    )


def test_reminder_events_are_written_for_subscribed_clinics_only(north, south, ada, receiver):
    endpoint_register(clinic=north, by=ada, url=receiver.url, events=["reminder.created"])
    overdue = timezone.localdate() - datetime.timedelta(weeks=13)
    for clinic in (north, south):
        factories.AssessmentFactory(patient=factories.PatientFactory(clinic=clinic), assessed_on=overdue)
    created = reminder_sweep(today=timezone.localdate())
    assert len(created["reassessment_due"]) == 2
    [event] = Event.objects.all()
    assert (event.clinic, event.type) == (north, "reminder.created")
    assert reminder_sweep(today=timezone.localdate())["reassessment_due"] == []
    assert Event.objects.count() == 1


def test_a_redirect_is_not_followed_and_is_final(endpoint, north, nora, receiver):
    register(north, nora)
    receiver.answer = 302
    attempted = delivery_attempt(delivery_id=Delivery.objects.get().pk)
    assert (attempted.status, attempted.last_status_code) == ("failed", 302)
    assert len(receiver.received) == 1


def test_a_name_resolving_to_a_private_address_gets_nothing(endpoint, north, nora, receiver, settings):
    endpoint_update(endpoint=endpoint, url=f"http://localhost:{receiver.port}/hooks")
    register(north, nora)
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    attempted = delivery_attempt(delivery_id=Delivery.objects.get().pk)
    assert (attempted.status, attempted.last_error) == (
        "failed",
        "The endpoint's address is not a public one.",
    )
    assert receiver.received == []


def test_the_scheduler_runs_the_sweep_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["webhook-sweep"]
    assert (entry["task"], entry["schedule"]) == (sweep_webhooks.name, 60)
