"""What the project's own responses (errors, lockout, second factor) need to know of a request,
and the FHIR API's error resource, which they answer under /fhir/."""

import json

from django.http import HttpResponse

FHIR_JSON = "application/fhir+json"


def is_api_request(request):
    """Whether ``request`` is for the API, which answers in JSON (errors included).

    ``path_info``: the path inside the site, the same behind a proxy that mounts it under a prefix.
    """
    return request.path_info.startswith("/api/")


def is_fhir_request(request):
    """Whether ``request`` is for the FHIR API, which answers errors as an OperationOutcome."""
    return request.path_info.startswith("/fhir/")


def operation_outcome_response(status, code, diagnostics, headers=None):
    """A FHIR ``OperationOutcome`` of one error: ``code`` from FHIR's issue-type value set
    (``invalid``, ``login``, ``forbidden``, ``not-found``, ...), ``diagnostics`` in words."""
    outcome = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code, "diagnostics": diagnostics}],
    }
    return HttpResponse(
        json.dumps(outcome), status=status, content_type=f"{FHIR_JSON}; charset=utf-8", headers=headers
    )
