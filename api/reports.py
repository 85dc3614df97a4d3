"""API v1 reports (SPEC §4): ``GET reports/{caseload,falls,overdue,referrals,devices}/``.

Clinic admins only (``policy.may_run_reports``). ``?clinic=`` narrows to one of the admin's
clinics (404 for any other code, as for any record outside them), ``?from=``/``?to=`` to a
date range, and ``?format=csv`` streams the whole report as CSV instead of JSON. The view
validates the parameters, asks ``reports.queries`` for the rows and writes them out.
"""

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments.rules import clinic_today
from patients import policy
from patients.models import Clinic
from reports.csv import csv_chunks
from reports.queries import DATE_OUT_OF_RANGE, EARLIEST, LATEST, REPORTS, Scope, report_clinics

from .pagination import PageNumber


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
    "kind": lambda: serializers.ChoiceField(
        choices=["reassessment_due", "referral_overdue", "device_review_due"]
    ),
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
        OpenApiParameter("clinic", OpenApiTypes.STR, description="One of your clinics, by code."),
        OpenApiParameter("from", OpenApiTypes.DATE, description="First date of the range (included)."),
        OpenApiParameter("to", OpenApiTypes.DATE, description="Last date of the range (included)."),
        OpenApiParameter(
            "format", OpenApiTypes.STR, enum=["json", "csv"], description="csv: the whole report as CSV."
        ),
    ]
    if report.paginated:
        parameters += [
            OpenApiParameter("page", OpenApiTypes.INT, description="JSON only."),
            OpenApiParameter("page_size", OpenApiTypes.INT, description="JSON only; up to 500."),
        ]
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

    def get(self, request):
        params = ReportParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        params = params.validated_data
        try:
            clinics = report_clinics(request.user, params.get("clinic"))
        except Clinic.DoesNotExist:
            raise NotFound("No such clinic among yours.") from None
        today = clinic_today()
        scope = Scope(
            clinic_ids=tuple(clinic.id for clinic in clinics),
            today=today,
            date_from=params.get("from"),
            date_to=params.get("to"),
        )
        report = self.report
        if params["format"] == "csv":
            response = StreamingHttpResponse(
                csv_chunks(report.columns, report.rows(scope, stream=True)),
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
