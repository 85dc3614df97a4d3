"""The project's own error responses: JSON under /api/, an OperationOutcome under /fhir/, the site's page elsewhere."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.views import defaults

from .http import is_api_request, is_fhir_request, operation_outcome_response


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
