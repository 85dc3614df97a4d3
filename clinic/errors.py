"""The project's own error responses: JSON under /api/, an OperationOutcome under /fhir/, the site's page elsewhere."""

import sys

import redis.exceptions
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views import defaults
from kombu.exceptions import OperationalError as BrokerUnavailable

from .http import is_api_request, is_fhir_request, operation_outcome_response

# A backing service that is down or restarting, as the app meets it: PostgreSQL (Django's wrappers of the
# driver's errors), Redis as the cache (redis-py) or as the broker (kombu).
SERVICE_OUTAGES = (
    OperationalError,
    InterfaceError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    BrokerUnavailable,
)
# Long enough for PostgreSQL or Redis to restart; a client that waits this long usually gets through.
SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS = 5


def not_found(request, exception):
    """404 for unknown URLs (``handler404``)."""
    if is_api_request(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    if is_fhir_request(request):
        return operation_outcome_response(404, "not-found", "Nothing is served at this address.")
    return defaults.page_not_found(request, exception)


def body_too_large(request):
    """413 for a request body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``."""
    message = f"Request body too large: the limit is {settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes."
    if is_api_request(request):
        return JsonResponse({"detail": message}, status=413)
    if is_fhir_request(request):
        return operation_outcome_response(413, "too-costly", message)
    return render(request, "413.html", {"message": message}, status=413)


def server_error(request):
    """500 for an unhandled exception (``handler500``), or 503 when the exception is a backing service
    that is down: that is no fault of the request, and the same request succeeds once it is back.

    Django calls this inside its ``except`` block, so ``sys.exc_info()`` is the exception — wherever it
    was raised, a view or a middleware (the session and the user are loaded there, lazily).
    """
    if isinstance(sys.exc_info()[1], SERVICE_OUTAGES):
        return service_unavailable(request)
    return defaults.server_error(request)


def service_unavailable(request):
    """503 with ``Retry-After``: try again shortly, in words, in each API's own form."""
    message = (
        "The clinic's database or message queue is briefly unavailable (restarting). "
        f"Please try again in {SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS} seconds."
    )
    headers = {"Retry-After": str(SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS)}
    if is_api_request(request):
        return JsonResponse({"detail": message}, status=503, headers=headers)
    if is_fhir_request(request):
        return operation_outcome_response(503, "transient", message, headers=headers)
    # Rendered without the request: the page's usual context (the signed-in user, the clinic) needs the database.
    return HttpResponse(render_to_string("503.html", {"message": message}), status=503, headers=headers)
