"""The FHIR R4 API's views: read, search and the CapabilityStatement, for every type in
``registry.SERVED``.

Signed in as the REST API signs in (knox tokens first, then the session: DRF's authentication
classes from settings), so the same people, roles and clinics apply; every answer is
``application/fhir+json``, every error an OperationOutcome.
"""

import json

import orjson
from django.conf import settings
from django.http import FileResponse, HttpResponse
from django.urls import reverse
from django.utils.http import http_date, urlencode
from rest_framework import exceptions
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.views import APIView

from audit.models import AccessAction
from audit.services import access_record
from clinic.http import FHIR_JSON, operation_outcome_response
from patients.models import Clinic

from .export import (
    TooManyExports,
    expires_at,
    export_delete,
    export_file,
    export_file_patients,
    export_parameters,
    export_start,
    exports_of,
)
from .models import ExportStatus
from .registry import SERVED, NotFound
from .search import BadParameter, criteria_of
from .tasks import queue_export

FHIR_VERSION = "4.0.1"
BULK_DATA = "http://hl7.org/fhir/uv/bulkdata"
# When the served API last changed shape: the CapabilityStatement's date.
CAPABILITY_DATE = "2026-12-01"


def fhir_response(resource, status=200):
    """The resource as UTF-8 JSON, by orjson: a page of 50 Observations in 0.05 ms (``json``: 0.7 ms)."""
    return HttpResponse(orjson.dumps(resource), status=status, content_type=f"{FHIR_JSON}; charset=utf-8")


class FhirView(APIView):
    """DRF for its authentication alone: the views build their own FHIR JSON and errors."""

    permission_classes = [IsAuthenticated]
    # Not part of the REST API's OpenAPI schema: the CapabilityStatement describes this API.
    schema = None

    def perform_content_negotiation(self, request, force=False):
        """Every answer here is FHIR JSON whatever the ``Accept`` header says (clients send
        ``application/fhir+json``, which DRF's negotiation would refuse with a 406)."""
        renderer = self.get_renderers()[0]
        return renderer, renderer.media_type

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
        if isinstance(exc, exceptions.Throttled):
            return operation_outcome_response(
                429,
                "throttled",
                f"Too many requests with these credentials; try again in {exc.wait or 1:.0f} seconds.",
                headers={"Retry-After": f"{exc.wait or 1:.0f}"},
            )
        if isinstance(exc, exceptions.MethodNotAllowed):
            allowed = ", ".join(self.allowed_methods)
            return operation_outcome_response(
                405,
                "not-supported",
                f"{exc.detail} This address answers {allowed}.",
                headers={"Allow": allowed},
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


NDJSON = "application/fhir+ndjson"


def information_response(text, headers=()):
    """A 202 whose body says in words what happened (an informational OperationOutcome)."""
    outcome = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "information", "code": "informational", "diagnostics": text}],
    }
    response = fhir_response(outcome, status=202)
    for name, value in dict(headers).items():
        response[name] = value
    return response


ACCEPTED_OUTCOMES = {"application/fhir+json", "application/json", "*/*"}


class ExportKickOffView(FhirView):
    """``GET /fhir/R4/Patient/$export`` (every clinic of the user) and
    ``GET /fhir/R4/Group/<clinic code>/$export`` (that clinic): 202, and the status URL to poll."""

    def get(self, request, clinic_code=None):
        preferences = {part.strip().lower() for part in request.headers.get("Prefer", "").split(",")}
        if "respond-async" not in preferences:
            raise BadParameter("Send Prefer: respond-async: a bulk export runs in the background.")
        accept = {part.split(";")[0].strip() for part in request.headers.get("Accept", "*/*").split(",")}
        if not accept & ACCEPTED_OUTCOMES:
            raise BadParameter("Accept application/fhir+json: the kick-off answers in FHIR JSON.")
        clinic = None
        if clinic_code is not None:
            clinic = Clinic.objects.of(request.user).filter(code=clinic_code).first()
            if clinic is None:
                raise NotFound
        types, since = export_parameters(request.GET, lenient="handling=lenient" in preferences)
        try:
            job = export_start(
                user=request.user,
                clinic=clinic,
                resource_types=types,
                since=since,
                request_url=request.build_absolute_uri(),
            )
        except TooManyExports:
            return operation_outcome_response(
                429,
                "throttled",
                "Three of your exports are still running; wait for one to finish, or delete one.",
                headers={"Retry-After": "60"},
            )
        if not queue_export(job):
            export_delete(job)
            return operation_outcome_response(
                503,
                "transient",
                "The export could not be started; try again shortly.",
                headers={"Retry-After": "30"},
            )
        status_url = request.build_absolute_uri(reverse("fhir:export-status", args=[job.pk]))
        outcome = {
            "resourceType": "OperationOutcome",
            "issue": [
                {
                    "severity": "information",
                    "code": "informational",
                    "diagnostics": f"Export queued; poll {status_url}.",
                }
            ],
        }
        response = fhir_response(outcome, status=202)
        response["Content-Location"] = status_url
        return response


class ExportStatusView(FhirView):
    """The export's status URL: 202 with ``X-Progress`` while it runs, 200 and the manifest once
    done; ``DELETE`` cancels or removes it (then 404). Only its requester sees it."""

    def job(self, request, job_id):
        job = exports_of(request.user).filter(pk=job_id).first()
        if job is None:
            raise NotFound
        return job

    def get(self, request, job_id):
        job = self.job(request, job_id)
        if job.status == ExportStatus.FAILED:
            return operation_outcome_response(500, "exception", job.error)
        if job.status != ExportStatus.COMPLETED:
            return HttpResponse(
                status=202,
                headers={"X-Progress": job.progress or "Waiting for the worker", "Retry-After": "2"},
            )
        manifest = {
            "transactionTime": job.transaction_time.isoformat(),
            "request": job.request_url,
            "requiresAccessToken": True,
            "output": [
                {
                    "type": output["type"],
                    "url": request.build_absolute_uri(
                        reverse("fhir:export-file", args=[job.pk, output["type"]])
                    ),
                    "count": output["count"],
                }
                for output in job.output
            ],
            "error": [],
        }
        return HttpResponse(
            json.dumps(manifest),
            content_type="application/json",
            headers={"Expires": http_date(expires_at(job).timestamp())},
        )

    def delete(self, request, job_id):
        export_delete(self.job(request, job_id))
        return information_response("Export deleted.")


class ExportFileView(FhirView):
    """One NDJSON file of a finished export, to its requester; the access log records the
    patients in it."""

    def get(self, request, job_id, resource_type):
        job = exports_of(request.user).filter(pk=job_id, status=ExportStatus.COMPLETED).first()
        if job is None or resource_type not in {output["type"] for output in job.output}:
            raise NotFound
        try:
            patient_ids = export_file_patients(job.pk, resource_type)
            ndjson = export_file(job.pk, resource_type).open("rb")
        except FileNotFoundError:  # removed by its expiry in the meantime
            raise NotFound from None
        access_record(
            request=request,
            action=AccessAction.FHIR_EXPORT,
            patient_ids=patient_ids,
            query={"export": job.request_url, "type": resource_type},
        )
        return FileResponse(ndjson, content_type=NDJSON)


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
        "instantiates": [f"{BULK_DATA}/CapabilityStatement/bulk-data"],
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
                "resource": [
                    *(_capability_of(resource) for resource in SERVED.values()),
                    {
                        "type": "Group",
                        "documentation": "A clinic, by its code: only its $export is served.",
                        "operation": [_export_operation("group-export")],
                    },
                ],
            }
        ],
    }


def _export_operation(definition):
    return {"name": "export", "definition": f"{BULK_DATA}/OperationDefinition/{definition}"}


def _capability_of(resource):
    capability = {
        "type": resource.name,
        "documentation": resource.documentation,
        "interaction": [{"code": code} for code in resource.interactions],
        "versioning": "no-version",
        "readHistory": False,
        "updateCreate": False,
    }
    if resource.name == "Patient":
        capability["operation"] = [_export_operation("patient-export")]
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
