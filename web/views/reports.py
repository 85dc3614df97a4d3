"""The clinic admins' report page: the reports of ``reports.queries``, most with charts, and
links to the same reports as CSV (the API's ``?format=csv``, which a browser session may use).

The figures are the API's, from the same queries; the page only lays them out and sums a
few columns across clinics for its charts. Showing the page is written to the access log. The
figures are read on the replica when there is one (``clinic.db_router``).
"""

from collections import defaultdict
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse

from audit.models import AccessAction
from audit.services import access_record
from care.models import ReferralStatus
from clinic.db_router import replica_reads
from patients import policy
from patients.clock import clinic_today
from reports.queries import EARLIEST, LATEST, REPORTS, Scope, report_clinics

from .. import presenters
from ..forms import DateInput

OVERDUE_SHOWN = 50
# The API's bounds (``reports.queries``), with the dates as the clinic writes them.
DATE_OUT_OF_RANGE_IN_WORDS = (
    f"Enter a date from {EARLIEST.day} {EARLIEST:%b %Y} to {LATEST.day} {LATEST:%b %Y}."
)
# The page shows every report at once; its access record names them so.
ALL_REPORTS = "all"
# What each chart draws: ``{report: (the figures' key along the axis, the columns summed over
# clinics)}``.
CHARTS = {
    "caseload": ("clinic", ["assessed_in_interval", "overdue", "never_assessed"]),
    "falls": ("month", ["falls", "near_falls", "injuries"]),
    "referrals": ("to_service", ReferralStatus.values),
    "devices": ("device_type", ["active", "review_due"]),
}


class ReportFilterForm(forms.Form):
    clinic = forms.ChoiceField(required=False, label="Clinic")
    date_from = forms.DateField(required=False, label="From", widget=DateInput)
    date_to = forms.DateField(required=False, label="To", widget=DateInput)

    def __init__(self, *args, clinics, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinic"].choices = [("", "All my clinics"), *((c.code, c.name) for c in clinics)]

    def clean(self):
        data = super().clean()
        for name in ("date_from", "date_to"):
            day = data.get(name)
            if day and not EARLIEST <= day <= LATEST:
                self.add_error(name, DATE_OUT_OF_RANGE_IN_WORDS)
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "Must not be before the start date.")
        return data


def _rows(report, scope):
    return [dict(zip(report.columns, row, strict=True)) for row in report.rows(scope)]


def _summed(rows, key, columns):
    """``rows`` summed over clinics: ``{key value: {column: total}}``, in the order of the key's
    values (the reports' rows come by clinic, then by that key)."""
    totals = defaultdict(lambda: dict.fromkeys(columns, 0))
    for row in sorted(rows, key=lambda row: row[key]):
        for column in columns:
            totals[row[key]][column] += row[column] or 0
    return totals


@login_required
def report_page(request):
    if not policy.may_run_reports(request.user):
        raise PermissionDenied
    clinics = report_clinics(request.user)
    form = ReportFilterForm(request.GET or None, clinics=clinics)
    context = {"form": form}
    if request.GET and not form.is_valid():
        return render(request, "web/reports.html", context, status=400)
    data = form.cleaned_data if form.is_bound else {}
    chosen = [c for c in clinics if c.code == data["clinic"]] if data.get("clinic") else clinics
    scope = Scope(
        clinic_ids=tuple(c.id for c in chosen),
        today=clinic_today(),
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
    )
    query = {
        key: value
        for key, value in {
            "clinic": data.get("clinic"),
            "from": data.get("date_from"),
            "to": data.get("date_to"),
        }.items()
        if value
    }
    clinic_names = {c.code: c.name for c in clinics}
    with replica_reads(user=request.user):
        overdue = REPORTS["overdue"]
        overdue_rows = overdue.queryset(scope)
        results = {
            name: _rows(REPORTS[name], scope)
            for name in ("caseload", "falls", "referrals", "devices", "strength")
        }
        context.update(
            scope=scope,
            clinics=chosen,
            tables={
                name: presenters.report_table(name, REPORTS[name].columns, rows, clinic_names=clinic_names)
                for name, rows in results.items()
            },
            overdue=[
                presenters.overdue_report_row(
                    dict(zip(overdue.columns, row, strict=True)), clinic_names=clinic_names
                )
                for row in overdue.rows(scope, overdue_rows[:OVERDUE_SHOWN])
            ],
            overdue_count=overdue_rows.count(),
            overdue_shown=OVERDUE_SHOWN,
            csv={
                name: f"{reverse(f'api:report-{name}')}?{urlencode({**query, 'format': 'csv'})}"
                for name in REPORTS
            },
            chart_data={
                name: presenters.report_chart(
                    name, key, _summed(results[name], key, columns), clinic_names=clinic_names
                )
                for name, (key, columns) in CHARTS.items()
            },
        )
    response = render(request, "web/reports.html", context)
    access_record(
        request=request, action=AccessAction.REPORT, clinic_ids=scope.clinic_ids, report=ALL_REPORTS
    )
    return response
