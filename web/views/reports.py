"""The clinic admins' report page: the reports of ``reports.queries``, most with charts, and
links to the same reports as CSV (the API's ``?format=csv``, which a browser session may use).

The figures are the API's, from the same queries; the page only lays them out and sums a
few columns across clinics for its charts. Showing the page is written to the access log.
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
from patients import policy
from patients.clock import clinic_today
from reminders.models import ReminderKind
from reports.queries import DATE_OUT_OF_RANGE, EARLIEST, LATEST, REPORTS, Scope, report_clinics

from ..forms import DateInput

OVERDUE_SHOWN = 50
# The page shows every report at once; its access record names them so.
ALL_REPORTS = "all"
KIND_LABELS = dict(ReminderKind.choices)


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
                self.add_error(name, DATE_OUT_OF_RANGE)
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "Must not be before the start date.")
        return data


def _rows(report, scope):
    return [dict(zip(report.columns, row, strict=True)) for row in report.rows(scope)]


def _summed(rows, key, columns):
    """``rows`` summed over clinics: ``{key value: {column: total}}``, in first-seen order."""
    totals = defaultdict(lambda: dict.fromkeys(columns, 0))
    for row in rows:
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
    overdue = REPORTS["overdue"]
    overdue_rows = overdue.queryset(scope)
    results = {
        name: _rows(REPORTS[name], scope)
        for name in ("caseload", "falls", "referrals", "devices", "strength")
    }
    caseload = _summed(results["caseload"], "clinic", ["assessed_in_interval", "overdue", "never_assessed"])
    falls = _summed(results["falls"], "month", ["falls", "near_falls", "injuries"])
    referrals = _summed(results["referrals"], "to_service", ReferralStatus.values)
    devices = _summed(results["devices"], "device_type", ["active", "review_due"])
    context.update(
        scope=scope,
        clinics=chosen,
        results=results,
        overdue=[
            {**dict(zip(overdue.columns, row, strict=True)), "what": KIND_LABELS[row[0]]}
            for row in overdue.rows(scope, overdue_rows[:OVERDUE_SHOWN])
        ],
        overdue_count=overdue_rows.count(),
        overdue_shown=OVERDUE_SHOWN,
        columns={name: report.columns for name, report in REPORTS.items()},
        csv={
            name: f"{reverse(f'api:report-{name}')}?{urlencode({**query, 'format': 'csv'})}"
            for name in REPORTS
        },
        chart_data={
            "caseload": {"labels": list(caseload), "series": _series(caseload)},
            "falls": {"labels": list(falls), "series": _series(falls)},
            "referrals": {"labels": list(referrals), "series": _series(referrals)},
            "devices": {"labels": list(devices), "series": _series(devices)},
        },
    )
    response = render(request, "web/reports.html", context)
    access_record(
        request=request, action=AccessAction.REPORT, clinic_ids=scope.clinic_ids, report=ALL_REPORTS
    )
    return response


def _series(totals):
    columns = next(iter(totals.values()), {}).keys()
    return [{"name": column, "values": [row[column] for row in totals.values()]} for column in columns]
