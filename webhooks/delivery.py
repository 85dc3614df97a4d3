"""Delivering an event to an endpoint: claim, POST, record the answer.

A delivery is claimed with a conditional UPDATE (healthchecks' pattern): of two tasks for it at
once only one sends, and a claim whose worker died lapses after ``WEBHOOK_CLAIM_SECONDS``, when
the sweep queues the delivery again. A delivered event is never sent again; an event whose
worker died between the receiver's 200 and the record of it is sent again with the same id,
which receivers dedupe (at least once).
"""

import http.client
import ipaddress
import socket
import time
import urllib.error
import urllib.request
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from .models import Delivery, DeliveryStatus
from .signing import signature_of

ERROR_MAX_LENGTH = 500


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is the endpoint's answer, not somewhere else to send the event."""

    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def address_is_private(host):
    """Whether ``host`` (a name or an address) is or resolves to a loopback, private, link-local
    or otherwise non-public address — where a webhook must not reach unless
    ``WEBHOOK_ALLOW_PRIVATE_URLS`` says so."""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except (OSError, UnicodeError):
        return False  # unresolvable: the POST fails and is retried
    return any(not ipaddress.ip_address(address.split("%")[0]).is_global for address in addresses)


def retry_delay(attempts):
    """Exponential backoff: the base, doubled after each failed attempt, up to the cap."""
    return min(settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** (attempts - 1), settings.WEBHOOK_RETRY_MAX_SECONDS)


def _claim(delivery_id, now):
    return (
        Delivery.objects.due(now)
        .filter(pk=delivery_id)
        .update(
            claimed_until=now + timedelta(seconds=settings.WEBHOOK_CLAIM_SECONDS),
            attempts=F("attempts") + 1,
            last_attempt_at=now,
        )
    )


def _post(delivery):
    """POST the event; ``(status code or None, error text)``."""
    endpoint, event = delivery.endpoint, delivery.event
    body = event.body()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(
        endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "MS-Strength-Clinic-Webhooks/1",
            "Webhook-Id": str(event.id),
            "Webhook-Timestamp": timestamp,
            "Webhook-Signature": signature_of(
                secret=endpoint.secret, event_id=event.id, timestamp=timestamp, body=body
            ),
        },
    )
    try:
        with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code} {exc.reason}"
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", None) or exc
        return None, f"{type(exc).__name__}: {reason}"


def _retryable(status_code):
    """A network error, a timeout, 5xx, 408 or 429 is worth another attempt; another answer is final."""
    return status_code is None or status_code >= 500 or status_code in (408, 429)


def delivery_attempt(*, delivery_id):
    """Attempt a delivery that is due; returns it as recorded, or ``None`` if it was not due
    (delivered, given up, not yet time, or held by another worker)."""
    now = timezone.now()
    if not _claim(delivery_id, now):
        return None
    delivery = Delivery.objects.select_related("event__clinic", "endpoint").get(pk=delivery_id)
    host = urlsplit(delivery.endpoint.url).hostname or ""
    if not delivery.endpoint.active:
        status_code, error, final = None, "The endpoint was deactivated.", True
    elif not settings.WEBHOOK_ALLOW_PRIVATE_URLS and address_is_private(host):
        status_code, error, final = None, "The endpoint's address is not a public one.", True
    else:
        status_code, error = _post(delivery)
        final = not _retryable(status_code) or delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS
    delivery.last_status_code, delivery.last_error = status_code, error[:ERROR_MAX_LENGTH]
    delivery.claimed_until = None
    if status_code is not None and 200 <= status_code < 300:
        delivery.status, delivery.delivered_at = DeliveryStatus.DELIVERED, timezone.now()
    elif final:
        delivery.status = DeliveryStatus.FAILED
    else:
        delivery.next_attempt_at = timezone.now() + timedelta(seconds=retry_delay(delivery.attempts))
    delivery.save(
        update_fields=[
            "status",
            "delivered_at",
            "next_attempt_at",
            "claimed_until",
            "last_status_code",
            "last_error",
        ]
    )
    return delivery


def deliveries_lost(*, now):
    """The ids of pending deliveries due for longer than ``WEBHOOK_SWEEP_GRACE_SECONDS`` that no
    worker holds: their task was lost (the broker down at commit, a worker killed)."""
    overdue = now - timedelta(seconds=settings.WEBHOOK_SWEEP_GRACE_SECONDS)
    return list(
        Delivery.objects.due(now)
        .filter(next_attempt_at__lte=overdue)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[: settings.WEBHOOK_SWEEP_BATCH]
    )
