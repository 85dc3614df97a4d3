"""The FHIR R4 API's views: read, search and the CapabilityStatement, for every type in
``registry.SERVED``.

Signed in as the REST API signs in (knox tokens first, then the session: DRF's authentication
classes from settings), so the same people, roles and clinics apply; every answer is
``application/fhir+json``, every error an OperationOutcome.
"""

import json

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.utils.http import urlencode
from rest_framework import exceptions
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.views import APIView

from audit.models import AccessAction
from audit.services import access_record
from clinic.http import FHIR_JSON, operation_outcome_response

from .registry import SERVED, NotFound
from .search import BadParameter, criteria_of

FHIR_VERSION = "4.0.1"
# When the served API last changed shape: the CapabilityStatement's date.
CAPABILITY_DATE = "2026-12-01"


def fhir_response(resource, status=200):
    return HttpResponse(json.dumps(resource), status=status, content_type=f"{FHIR_JSON}; charset=utf-8")


class FhirView(APIView):
    """DRF for its authentication alone: the views build their own FHIR JSON and errors."""

    permission_classes = [IsAuthenticated]
    # Not part of the REST API's OpenAPI schema: the CapabilityStatement describes this API.
    schema = None

    def handle_exception(self, exc):
        if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
            return operation_outcome_response(
                401,
                "login",
                f"{exc.detail} Send Authorization: Token <token> (POST /api/v1/auth/token/ gives one).",
                headers={"WWW-Authenticate": self.get_authenticate_header(self.request) or "Token"},
            )
        if isinstance(exc, exceptions.PermissionDenied):
            return operation_outcome_response(403, "forbidden", str(exc.detail))
        if isinstance(exc, NotFound):
            return operation_outcome_response(404, "not-found", "No such resource.")
        if isinstance(exc, BadParameter):
            return operation_outcome_response(400, "invalid", str(exc))
        if isinstance(exc, exceptions.MethodNotAllowed):
            return operation_outcome_response(
                405, "not-supported", "This FHIR API reads and searches only.", headers={"Allow": "GET, HEAD"}
            )
        return super().handle_exception(exc)


class ReadView(FhirView):
    """``GET /fhir/R4/<type>/<id>``: one resource, entered in error included (marked so)."""

    resource_type = None

    def get(self, request, resource_id):
        resource, patient_id = self.resource_type.read(request.user, resource_id)
        if self.resource_type.patient_data:
            access_record(request=request, action=AccessAction.FHIR_READ, patient_ids=[patient_id])
        return fhir_response(resource)


class SearchView(FhirView):
    """``GET /fhir/R4/<type>?...``: a searchset Bundle of one page, with its total and links."""

    resource_type = None

    def get(self, request):
        accepted = {name: kind for name, (kind, _) in self.resource_type.search_params.items()}
        criteria = criteria_of(request.GET, accepted)
        found = self.resource_type.search(request.user, criteria)
        access_record(request=request, action=AccessAction.FHIR_SEARCH, patient_ids=found.patient_ids)
        return fhir_response(self.bundle(request, criteria, found))

    def bundle(self, request, criteria, found):
        base = request.build_absolute_uri(reverse(f"fhir:{self.resource_type.name}-search"))
        own = [(name, value) for name, values in request.GET.lists() if name != "_page" for value in values]

        def page_url(page):
            return f"{base}?{urlencode([*own, ('_page', page)])}"

        links = [{"relation": "self", "url": page_url(criteria.page)}]
        if criteria.count and criteria.page * criteria.count < found.total:
            links.append({"relation": "next", "url": page_url(criteria.page + 1)})
        if criteria.page > 1:
            links.append({"relation": "previous", "url": page_url(criteria.page - 1)})
        resource_base = base.rstrip("/").rpartition("/")[0]
        return {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": found.total,
            "link": links,
            "entry": [
                {
                    "fullUrl": f"{resource_base}/{resource['resourceType']}/{resource['id']}",
                    "resource": resource,
                    "search": {"mode": "match"},
                }
                for resource in found.resources
            ],
        }


class CapabilityView(FhirView):
    """``GET /fhir/R4/metadata``: public, and built from ``SERVED`` as the URLs are."""

    permission_classes = [AllowAny]
    authentication_classes = []

    def get(self, request):
        return fhir_response(capability_statement(request.build_absolute_uri(reverse("fhir:metadata"))))


def capability_statement(metadata_url):
    base = metadata_url.removesuffix("/metadata")
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": CAPABILITY_DATE,
        "publisher": "MS Strength Clinic",
        "kind": "instance",
        "software": {"name": "MS Strength Clinic"},
        "implementation": {"description": "MS Strength Clinic FHIR R4 API", "url": base},
        "fhirVersion": FHIR_VERSION,
        "format": ["json"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "cors": False,
                    "description": (
                        "Authorization: Token <token> from POST /api/v1/auth/token/, or a signed-in "
                        "session. Staff see only their clinics' records."
                    ),
                },
                "resource": [_capability_of(resource) for resource in SERVED.values()],
            }
        ],
    }


def _capability_of(resource):
    capability = {
        "type": resource.name,
        "documentation": resource.documentation,
        "interaction": [{"code": code} for code in resource.interactions],
        "versioning": "no-version",
        "readHistory": False,
        "updateCreate": False,
    }
    if resource.search_params:
        capability["searchParam"] = [
            {
                "name": name,
                "type": kind,
                "documentation": text.replace("{FHIR_BASE_URL}", settings.FHIR_BASE_URL),
            }
            for name, (kind, text) in resource.search_params.items()
        ]
    return capability
