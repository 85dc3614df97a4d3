"""Registering and changing webhook endpoints (clinic admins, through the API and the pages)."""

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction

from .models import Endpoint, EventType
from .signing import secret_generate

ENDPOINT_EDITABLE = ("url", "events", "active", "secret")
SECRET_MIN_LENGTH = 16


def _url_errors(url):
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        return ["Enter an http or https URL, such as https://ehr.example.org/hooks/clinic."]
    host = urlsplit(url).hostname or ""
    if settings.WEBHOOK_ALLOW_PRIVATE_URLS:
        return []
    try:
        private = not ipaddress.ip_address(host).is_global
    except ValueError:
        private = host == "localhost" or host.endswith(".localhost")
    # A name that resolves to a private address is refused when a delivery is attempted.
    return ["Must be a public address, not a loopback, private or link-local one."] if private else []


def _events_errors(events):
    if not isinstance(events, list | tuple) or not events:
        return ["Choose at least one event."]
    if unknown := [event for event in events if event not in EventType.values]:
        return [
            f"Unknown event(s) {', '.join(map(str, unknown))}; choose among: {', '.join(EventType.values)}."
        ]
    return []


def _endpoint_validate(endpoint):
    errors = {}
    if url_errors := _url_errors(endpoint.url):
        errors["url"] = url_errors
    if events_errors := _events_errors(endpoint.events):
        errors["events"] = events_errors
    else:
        endpoint.events = [event for event in EventType.values if event in endpoint.events]
    if len(endpoint.secret) < SECRET_MIN_LENGTH:
        errors["secret"] = [f"Must be at least {SECRET_MIN_LENGTH} characters."]
    try:
        endpoint.full_clean(exclude=["url", "events", "secret"], validate_unique=False)
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def endpoint_register(*, clinic, by, url, events, secret="", active=True):
    """Register an endpoint of ``clinic`` for ``events``; without a ``secret`` one is generated
    (the caller shows it once: it is never shown again). One registered inactive is sent nothing
    until it is activated."""
    endpoint = Endpoint(
        clinic=clinic,
        created_by=by,
        url=url,
        events=list(events),
        secret=secret or secret_generate(),
        active=active,
    )
    _endpoint_validate(endpoint)
    endpoint.save()
    return endpoint


@transaction.atomic
def endpoint_update(*, endpoint, **changes):
    """Change an endpoint's URL, events or secret, or (de)activate it; it is never deleted."""
    if unknown := set(changes) - set(ENDPOINT_EDITABLE):
        raise TypeError(f"An endpoint has no editable field(s) {', '.join(sorted(unknown))}")
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    for field, value in changes.items():
        setattr(endpoint, field, value)
    _endpoint_validate(endpoint)
    endpoint.save(update_fields=[*changes, "updated_at"])
    return endpoint
