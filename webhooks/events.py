"""The outbox: the services of the apps above write here, in their own transaction, what
happened; each event gets a delivery per active endpoint of its clinic subscribed to its type,
queued for the worker once the transaction commits. An event nobody subscribes to is not
written: a clinic without webhooks pays one SELECT per change, and the reminder sweep stays
set-based for it.

Payloads carry ids, dates and codes only — never a name or free text (SPEC §4 Webhooks).
"""

from django.db import transaction
from django.utils import timezone

from .models import Delivery, Endpoint, Event, EventType

# The records whose marking as entered in error is an event, by their record type's slug.
ENTERED_IN_ERROR_EVENTS = {
    "patient": EventType.PATIENT_ENTERED_IN_ERROR,
    "assessment": EventType.ASSESSMENT_ENTERED_IN_ERROR,
    "fall": EventType.FALL_ENTERED_IN_ERROR,
    "referral": EventType.REFERRAL_ENTERED_IN_ERROR,
    "device": EventType.DEVICE_ENTERED_IN_ERROR,
}


def outbox_record(*, clinic_id, event_type, data):
    """Write one event of clinic ``clinic_id`` to the outbox (inside the caller's transaction)."""
    return outbox_record_many([(clinic_id, data)], event_type)


def subscribers(event_type, clinic_ids=None):
    """``{clinic id: [endpoint]}``: the active endpoints subscribed to ``event_type``, by clinic
    (of ``clinic_ids`` only, if given)."""
    endpoints = Endpoint.objects.filter(active=True)
    if clinic_ids is not None:
        endpoints = endpoints.filter(clinic_id__in=clinic_ids)
    by_clinic = {}
    # Filtered here: SQLite has no JSON containment lookup, and a clinic has a handful of endpoints.
    for endpoint in endpoints:
        if event_type in endpoint.events:
            by_clinic.setdefault(endpoint.clinic_id, []).append(endpoint)
    return by_clinic


@transaction.atomic
def outbox_record_many(events, event_type):
    """Write the events of ``event_type``, ``[(clinic_id, data)]``, that some endpoint subscribes
    to, with their deliveries; the deliveries are queued once the caller's transaction commits."""
    from .tasks import queue_deliveries

    events = list(events)
    endpoints = subscribers(event_type, {clinic_id for clinic_id, _ in events})
    now = timezone.now()
    rows = Event.objects.bulk_create(
        Event(clinic_id=clinic_id, type=event_type, occurred_at=now, data=data)
        for clinic_id, data in events
        if clinic_id in endpoints
    )
    deliveries = Delivery.objects.bulk_create(
        Delivery(event=event, endpoint=endpoint, next_attempt_at=now)
        for event in rows
        for endpoint in endpoints[event.clinic_id]
    )
    if deliveries:
        # SQLite and PostgreSQL both return the new ids from a bulk insert.
        ids = [delivery.pk for delivery in deliveries]
        transaction.on_commit(lambda: queue_deliveries(ids))
    return rows


def patient_created_event(sender, *, patient, **kwargs):
    """``patients.signals.patient_created``, sent inside the registering transaction."""
    outbox_record(
        clinic_id=patient.clinic_id, event_type=EventType.PATIENT_CREATED, data={"patient": patient.pk}
    )


def record_entered_in_error_event(sender, *, record, **kwargs):
    """``patients.signals.record_entered_in_error``: the types of ``ENTERED_IN_ERROR_EVENTS``
    announce it; the others (a medication event, a review) are not webhook events."""
    slug = record.record_type.slug
    if slug not in ENTERED_IN_ERROR_EVENTS:
        return
    patient = record.patient_record
    data = {slug: record.pk} if slug == "patient" else {slug: record.pk, "patient": patient.pk}
    outbox_record(clinic_id=patient.clinic_id, event_type=ENTERED_IN_ERROR_EVENTS[slug], data=data)
