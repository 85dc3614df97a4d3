"""Webhooks: the endpoints a clinic's admins register, the outbox of events and their deliveries.

An event is written to the outbox in the transaction of the change it tells about, with one
delivery per active endpoint of the clinic subscribed to its type; the worker POSTs each
delivery until the endpoint answers 2xx (SPEC §4 Webhooks).
"""

import json
import uuid

from django.conf import settings
from django.db import models

from patients.models import Clinic, ClinicScopedQuerySet


class EventType(models.TextChoices):
    PATIENT_CREATED = "patient.created"
    ASSESSMENT_RECORDED = "assessment.recorded"
    FALL_RECORDED = "fall.recorded"
    REFERRAL_STATUS_CHANGED = "referral.status_changed"
    DEVICE_PRESCRIBED = "device.prescribed"
    REMINDER_CREATED = "reminder.created"
    PATIENT_ENTERED_IN_ERROR = "patient.entered_in_error"
    ASSESSMENT_ENTERED_IN_ERROR = "assessment.entered_in_error"
    FALL_ENTERED_IN_ERROR = "fall.entered_in_error"
    REFERRAL_ENTERED_IN_ERROR = "referral.entered_in_error"
    DEVICE_ENTERED_IN_ERROR = "device.entered_in_error"


class Endpoint(models.Model):
    """A URL of an integrator's that receives the clinic's events of the types it subscribes to.

    Never deleted (its deliveries are the log): an endpoint no longer wanted is deactivated.
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="webhook_endpoints")
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=200)
    events = models.JSONField(default=list)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    clinic_lookup = "clinic"
    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.url


class Event(models.Model):
    """One row of the outbox: what happened, in ids and codes only (no names, no free text)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    type = models.CharField(max_length=40, choices=EventType.choices)
    occurred_at = models.DateTimeField()
    data = models.JSONField()

    class Meta:
        ordering = ["-occurred_at"]

    def __str__(self):
        return f"{self.type} {self.id}"

    def body(self):
        """The JSON every delivery of the event POSTs, byte for byte the same on each attempt."""
        payload = {
            "id": str(self.id),
            "type": self.type,
            "occurred_at": self.occurred_at.isoformat(),
            "clinic": self.clinic.code,
            "data": self.data,
        }
        return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()


class DeliveryStatus(models.TextChoices):
    PENDING = "pending"
    DELIVERED = "delivered"
    # Given up: the endpoint refused it (4xx), was deactivated, or kept failing past the last attempt.
    FAILED = "failed"


class DeliveryQuerySet(ClinicScopedQuerySet):
    def due(self, now):
        """Pending deliveries whose next attempt is due and that no worker holds."""
        return self.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now).exclude(
            claimed_until__gt=now
        )


class Delivery(models.Model):
    """An event on its way to one endpoint, and the log of its attempts."""

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="deliveries")
    endpoint = models.ForeignKey(Endpoint, on_delete=models.PROTECT, related_name="deliveries")
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    # A worker attempting it holds it until then; past it (the worker died) it may be taken again.
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    clinic_lookup = "endpoint__clinic"
    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-next_attempt_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "endpoint"], name="one_delivery_per_endpoint")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]

    def __str__(self):
        return f"{self.event_id} → {self.endpoint_id}: {self.status}"
