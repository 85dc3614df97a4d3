"""API v1 reports (SPEC §4): ``GET reports/{caseload,falls,overdue,referrals,devices,strength}/``, and
``reports/access/``, the access log (SPEC §5).

Clinic admins only (``policy.may_run_reports``). ``?clinic=`` narrows to one of the admin's
clinics (404 for any other code, as for any record outside them), ``?from=``/``?to=`` to a
date range, and ``?format=csv`` streams the whole report as CSV instead of JSON. The view
validates the parameters, asks ``reports.queries`` for the rows and writes them out; running a
report or exporting one is written to the access log. The reports read on the replica when
there is one (``clinic.db_router``); the access record is written on the primary.
"""

import json

from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.models import AccessAction
from audit.selectors import access_report
from audit.services import access_record
from clinic.db_router import pulled_from_replica, replica_reads
from clinical_rules.querysets import DUE_KINDS
from patients import policy
from patients.clock import clinic_today
from patients.models import Clinic, Patient
from reports.csv import csv_chunks
from reports.queries import (
    CHUNK_SIZE,
    DATE_OUT_OF_RANGE,
    EARLIEST,
    LATEST,
    REPORTS,
    Scope,
    report_clinics,
)

from .filters import refuse_empty_values
from .pagination import PageNumber

CLINIC_PARAMETER = OpenApiParameter(
    "clinic",
    {"type": "string", "minLength": 1, "maxLength": 50, "pattern": "^[-a-zA-Z0-9_]+$"},
    description="One of your clinics, by code.",
)
PAGE_PARAMETERS = [
    OpenApiParameter("page", {"type": "integer", "minimum": 1}, description="JSON only."),
    OpenApiParameter(
        "page_size",
        {"type": "integer", "minimum": 1, "maximum": PageNumber.max_page_size},
        description=f"JSON only; up to {PageNumber.max_page_size}.",
    ),
]


def _date_in_bounds(value):
    if not EARLIEST <= value <= LATEST:
        raise serializers.ValidationError(DATE_OUT_OF_RANGE)
    return value


# ``from`` is a Python keyword, hence the class built with ``type``.
ReportParams = type(
    "ReportParams",
    (serializers.Serializer,),
    {
        "clinic": serializers.SlugField(required=False, max_length=50),
        "from": serializers.DateField(required=False, validators=[_date_in_bounds]),
        "to": serializers.DateField(required=False, validators=[_date_in_bounds]),
        "format": serializers.ChoiceField(choices=["json", "csv"], required=False, default="json"),
        "validate": lambda self, data: _range_in_order(data),
    },
)


def _range_in_order(data):
    if data.get("from") and data.get("to") and data["from"] > data["to"]:
        raise serializers.ValidationError({"to": ["Must not be before from."]})
    return data


class MayRunReports(BasePermission):
    def has_permission(self, request, view):
        # A method the view does not have is a 405 for everyone, as on every other route.
        return not hasattr(view, request.method.lower()) or policy.may_run_reports(request.user)


# Field types of every report column, for the OpenAPI schema of the JSON rows.
def _int(**kwargs):
    return serializers.IntegerField(**kwargs)


def _decimal(**kwargs):
    return serializers.DecimalField(max_digits=12, decimal_places=3, allow_null=True, **kwargs)


COLUMN_FIELDS = {
    "clinic": lambda: serializers.CharField(help_text="The clinic's code."),
    "ms_type": lambda: serializers.CharField(),
    "kind": lambda: serializers.ChoiceField(choices=[kind.value for kind in DUE_KINDS]),
    "patient": lambda: _int(help_text="The patient's id."),
    "mrn": lambda: serializers.CharField(),
    "family_name": lambda: serializers.CharField(),
    "given_name": lambda: serializers.CharField(),
    "subject": lambda: _int(
        allow_null=True, help_text="The referral's or device's id; null for a reassessment."
    ),
    "detail": lambda: serializers.CharField(help_text="The referral's service or the device type."),
    "due_on": lambda: serializers.DateField(),
    "days_overdue": lambda: _int(help_text="Negative for what falls due within the coming week."),
    "month": lambda: serializers.CharField(help_text="YYYY-MM"),
    "to_service": lambda: serializers.CharField(),
    "device_type": lambda: serializers.CharField(),
    "falls_per_patient": lambda: _decimal(),
    "high_fall_risk_share": lambda: _decimal(),
    "median_days_sent_to_seen": lambda: _decimal(help_text="Null when no referral was both sent and seen."),
    "patients_with_decline": lambda: _int(
        help_text="Patients with an assessment that month showing a decline or a decline from best."
    ),
    "patients_with_improvement": lambda: _int(
        help_text="Patients with an assessment that month showing an improvement."
    ),
    "strength_reviews": lambda: _int(
        help_text="Valid trend reviews of that month's assessments, whenever they were made."
    ),
    "median_days_to_review": lambda: _decimal(
        help_text="Days from assessment to review, over those reviews; null when there is none."
    ),
}


def _rows_serializer(report):
    fields = {column: COLUMN_FIELDS.get(column, _int)() for column in report.columns}
    return inline_serializer(f"{report.name.title()}ReportRow", fields, many=True)


def _envelope_serializer(report):
    fields = {
        "report": serializers.CharField(),
        "today": serializers.DateField(),
        "clinics": serializers.ListField(child=serializers.CharField()),
        "from": serializers.DateField(allow_null=True),
        "to": serializers.DateField(allow_null=True),
        "columns": serializers.ListField(child=serializers.CharField()),
    }
    if report.paginated:
        fields.update(
            count=serializers.IntegerField(),
            next=serializers.URLField(allow_null=True),
            previous=serializers.URLField(allow_null=True),
        )
    fields["results"] = _rows_serializer(report)
    return inline_serializer(f"{report.name.title()}Report", fields)


def _schema(report):
    parameters = [
        CLINIC_PARAMETER,
        OpenApiParameter("from", OpenApiTypes.DATE, description="First date of the range (included)."),
        OpenApiParameter("to", OpenApiTypes.DATE, description="Last date of the range (included)."),
        OpenApiParameter(
            "format", OpenApiTypes.STR, enum=["json", "csv"], description="csv: the whole report as CSV."
        ),
    ]
    if report.paginated:
        parameters += PAGE_PARAMETERS
    return extend_schema(
        operation_id=f"reports_{report.name}",
        summary=report.title,
        description=(report.__doc__ or "").strip(),
        parameters=parameters,
        responses={
            (200, "application/json"): _envelope_serializer(report),
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR, description="The header, then a line a row."
            ),
            404: OpenApiResponse(description="No such clinic among yours, or no such page."),
        },
        tags=["reports"],
    )


class ReportView(APIView):
    """One report; ``as_view(report=...)`` names which."""

    permission_classes = [IsAuthenticated, MayRunReports]
    renderer_classes = [JSONRenderer]
    report = None

    def perform_content_negotiation(self, request, force=False):
        # ``?format=`` is this view's own parameter, validated with the others (400 for a bad
        # value); DRF's format override would answer 404 instead. Errors are always JSON.
        renderer = self.renderer_classes[0]()
        return renderer, renderer.media_type

    params_class = ReportParams

    def params_and_clinics(self, request):
        """The validated query parameters (400 if bad) and the clinics they cover (404 if not yours)."""
        refuse_empty_values(request.query_params)
        # Refused in a CSV export too, which has no pages: an invalid value is never ignored.
        PageNumber().refuse_invalid_parameters(request)
        params = self.params_class(data=request.query_params)
        params.is_valid(raise_exception=True)
        params = params.validated_data
        try:
            return params, report_clinics(request.user, params.get("clinic"))
        except Clinic.DoesNotExist:
            raise NotFound("No such clinic among yours.") from None

    def get(self, request):
        params, clinics = self.params_and_clinics(request)
        today = clinic_today()
        scope = Scope(
            clinic_ids=tuple(clinic.id for clinic in clinics),
            today=today,
            date_from=params.get("from"),
            date_to=params.get("to"),
        )
        report = self.report
        if params["format"] == "csv":
            access_record(
                request=request, action=AccessAction.EXPORT, clinic_ids=scope.clinic_ids, report=report.name
            )
            response = StreamingHttpResponse(
                csv_chunks(
                    report.columns, pulled_from_replica(report.rows(scope, stream=True), user=request.user)
                ),
                content_type="text/csv; charset=utf-8",
            )
            response["Content-Disposition"] = f'attachment; filename="{report.name}-{today}.csv"'
            return response
        body = {
            "report": report.name,
            "today": today,
            "clinics": [clinic.code for clinic in clinics],
            "from": params.get("from"),
            "to": params.get("to"),
            "columns": list(report.columns),
        }
        with replica_reads(user=request.user):
            if report.paginated:
                paginator = PageNumber()
                page = paginator.paginate_queryset(report.queryset(scope), request, view=self)
                rows = report.rows(scope, page)
                body.update(
                    count=paginator.page.paginator.count,
                    next=paginator.get_next_link(),
                    previous=paginator.get_previous_link(),
                )
            else:
                rows = report.rows(scope)
            body["results"] = [dict(zip(report.columns, row, strict=True)) for row in rows]
        access_record(
            request=request, action=AccessAction.REPORT, clinic_ids=scope.clinic_ids, report=report.name
        )
        return Response(body)


def report_views():
    """``{name: view}`` for every report, each with its own OpenAPI operation."""
    views = {}
    for name, report in REPORTS.items():
        # A function of its own per report: extend_schema annotates the function it decorates.
        def get(self, request):
            return ReportView.get(self, request)

        view_class = type(
            f"{name.title()}ReportView", (ReportView,), {"report": report, "get": _schema(report)(get)}
        )
        views[name] = view_class.as_view()
    return views


# The access report (SPEC §5 "Access log") ------------------------------------------------------

ACCESS_COLUMNS = ("at", "user", "action", "patients", "query", "ip")

AccessReportParams = type(
    "AccessReportParams",
    (ReportParams,),
    {
        "patient": serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1),
        "user": serializers.CharField(required=False, max_length=150),
    },
)

_ACCESS_ROW = inline_serializer(
    "AccessRecordRow",
    {
        "at": serializers.DateTimeField(help_text="When, in the clinic's time zone."),
        "user": serializers.CharField(
            allow_null=True, help_text="The username; null for the patient's diary."
        ),
        "action": serializers.ChoiceField(choices=AccessAction.choices),
        "patients": serializers.ListField(
            child=serializers.IntegerField(),
            help_text="The ids of the patients read (of the clinics in the report); empty for a report.",
        ),
        "query": serializers.DictField(
            help_text="The request's query parameters; a report's name under `report`."
        ),
        "ip": serializers.IPAddressField(allow_null=True, help_text="The client's address."),
    },
    many=True,
)

_ACCESS_SCHEMA = extend_schema(
    operation_id="reports_access",
    summary="Access log",
    description=(
        "Who read which patients' data, newest first: every read of a patient, list, trends, "
        "report and export through the API and the pages. Only what concerns your clinics: reads "
        "of their patients (other clinics' patients left out of `patients`) and their reports. "
        "Reading this report is not itself recorded: it shows no clinical data."
    ),
    parameters=[
        OpenApiParameter(
            "patient",
            {"type": "integer", "minimum": 1, "maximum": 2**63 - 1},
            description="Only reads of this patient (one of yours).",
        ),
        OpenApiParameter(
            "user",
            {"type": "string", "minLength": 1, "maxLength": 150},
            description="Only reads by this username.",
        ),
        CLINIC_PARAMETER,
        OpenApiParameter("from", OpenApiTypes.DATE, description="First clinic-local date (included)."),
        OpenApiParameter("to", OpenApiTypes.DATE, description="Last clinic-local date (included)."),
        OpenApiParameter(
            "format", OpenApiTypes.STR, enum=["json", "csv"], description="csv: every record as CSV."
        ),
        *PAGE_PARAMETERS,
    ],
    responses={
        (200, "application/json"): inline_serializer(
            "AccessReport",
            {
                "report": serializers.CharField(),
                "today": serializers.DateField(),
                "clinics": serializers.ListField(child=serializers.CharField()),
                "from": serializers.DateField(allow_null=True),
                "to": serializers.DateField(allow_null=True),
                "patient": serializers.IntegerField(allow_null=True),
                "user": serializers.CharField(allow_null=True),
                "columns": serializers.ListField(child=serializers.CharField()),
                "count": serializers.IntegerField(),
                "next": serializers.URLField(allow_null=True),
                "previous": serializers.URLField(allow_null=True),
                "results": _ACCESS_ROW,
            },
        ),
        (200, "text/csv"): OpenApiResponse(
            OpenApiTypes.STR,
            description="The header, then a line a record; `patients` separated by spaces, `query` as JSON.",
        ),
        404: OpenApiResponse(description="No such clinic or patient among yours, or no such page."),
    },
    tags=["reports"],
)


def _access_row(record):
    return (
        timezone.localtime(record.at).isoformat(),
        record.username or None,
        record.action,
        record.patient_ids,
        record.query,
        record.ip,
    )


def _access_csv_rows(records):
    # A generator, so that ``iterator()`` is called when the first row is pulled: on the database
    # the rows are pulled from, whose settings say whether it may use a server-side cursor.
    for record in records.iterator(chunk_size=CHUNK_SIZE):
        at, user, action, patients, query, ip = _access_row(record)
        yield (at, user, action, " ".join(map(str, patients)), json.dumps(query, ensure_ascii=False), ip)


class AccessReportView(ReportView):
    """``GET reports/access/``: the access log of the admin's clinics."""

    params_class = AccessReportParams

    @_ACCESS_SCHEMA
    def get(self, request):
        params, clinics = self.params_and_clinics(request)
        patient_id = params.get("patient")
        if (
            patient_id is not None
            and not Patient.objects.visible_to(request.user).filter(pk=patient_id).exists()
        ):
            raise NotFound("No such patient among yours.")
        everything = request.user.is_superuser and "clinic" not in params
        records = access_report(
            clinic_ids=None if everything else [clinic.id for clinic in clinics],
            patient_id=patient_id,
            username=params.get("user"),
            date_from=params.get("from"),
            date_to=params.get("to"),
        )
        today = clinic_today()
        if params["format"] == "csv":
            response = StreamingHttpResponse(
                csv_chunks(ACCESS_COLUMNS, pulled_from_replica(_access_csv_rows(records), user=request.user)),
                content_type="text/csv; charset=utf-8",
            )
            response["Content-Disposition"] = f'attachment; filename="access-{today}.csv"'
            return response
        with replica_reads(user=request.user):
            paginator = PageNumber()
            page = paginator.paginate_queryset(records, request, view=self)
            results = [dict(zip(ACCESS_COLUMNS, _access_row(record), strict=True)) for record in page]
        return Response(
            {
                "report": "access",
                "today": today,
                "clinics": [clinic.code for clinic in clinics],
                "from": params.get("from"),
                "to": params.get("to"),
                "patient": patient_id,
                "user": params.get("user"),
                "columns": list(ACCESS_COLUMNS),
                "count": paginator.page.paginator.count,
                "next": paginator.get_next_link(),
                "previous": paginator.get_previous_link(),
                "results": results,
            }
        )
