"""The clinic admins' reports (SPEC §4): caseload, overdue follow-ups, falls, referrals, devices,
strength.

Every figure is computed in the database (``annotate``/``aggregate``, one GROUP BY per
report) from the same querysets and constants the rules use (``clinical_rules``: the
follow-up annotations, ``due_follow_ups``, which the reminder sweep reads too, and the
findings recorded for each assessment, which the sweep reads for rule 18), so a report never
disagrees with a patient's trends or with the reminder sweep. A report costs a
fixed number of queries whatever the size of the clinic network, and its rows come from a
server-side iterator, so a CSV export of any length streams in constant memory.

Each report takes a ``Scope``: the clinics it covers (already limited to the ones the user
may see), an optional date range (both ends included, clinic-local dates) and *today*.
What the date range applies to is said in each report's docstring; without it a report
covers all time.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import groupby

from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Greatest, Least, TruncDate, TruncMonth

from assessments.models import Assessment, TrendReview
from care.models import (
    DevicePrescription,
    DeviceStatus,
    FallEvent,
    Injury,
    Referral,
    ReferralStatus,
    ReferralStatusChange,
)
from clinical_rules.querysets import (
    devices_review_due,
    due_follow_ups,
    on_antispasticity_drugs,
    referral_overdue_condition,
    with_active_plans,
    with_follow_up,
)
from clinical_rules.rules import DUE_SOON_DAYS, SERIOUS_INJURIES, reassessment_due, reassessment_overdue
from patients.clock import local_midnight
from patients.models import Clinic, Patient, PatientStatus

from .aggregates import DaysBetween, DaysBetweenDates, Median

# A referral in these statuses has been seen: "closed" is reachable only from "seen".
REACHED_SEEN = (ReferralStatus.SEEN, ReferralStatus.CLOSED)

# The dates a report's range may name: far enough either way for any clinical date, near
# enough that date arithmetic cannot overflow.
EARLIEST = date(1900, 1, 1)
LATEST = date(2999, 12, 31)
DATE_OUT_OF_RANGE = f"Enter a date from {EARLIEST} to {LATEST}."

# Rows are fetched from the database this many at a time (a server-side cursor on PostgreSQL).
CHUNK_SIZE = 2000


@dataclass(frozen=True)
class Scope:
    clinic_ids: tuple[int, ...]
    today: date
    date_from: date | None = None
    date_to: date | None = None

    def dates(self, field):
        """``Q`` keeping values of the date ``field`` within the range (both ends included)."""
        q = Q()
        if self.date_from is not None:
            q &= Q(**{f"{field}__gte": self.date_from})
        if self.date_to is not None:
            q &= Q(**{f"{field}__lte": self.date_to})
        return q

    def moments(self, field):
        """``Q`` keeping datetimes whose clinic-local date is within the range."""
        q = Q()
        if self.date_from is not None:
            q &= Q(**{f"{field}__gte": local_midnight(self.date_from)})
        if self.date_to is not None:
            q &= Q(**{f"{field}__lt": local_midnight(self.date_to + timedelta(days=1))})
        return q


def _fetch(queryset, stream):
    """The rows of ``queryset``: from a server-side cursor, a chunk at a time, when streaming
    (a CSV export of any length), or in one fetch (a JSON answer, a few hundred rows at most)."""
    return queryset.iterator(chunk_size=CHUNK_SIZE) if stream else iter(queryset)


def _ratio(part, whole, places="0.001"):
    """``part / whole`` to ``places``, or ``None`` when ``whole`` is zero."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def _months(first, last):
    """The first days of the months from ``first``'s to ``last``'s, both included."""
    month = first.replace(day=1)
    while month <= last:
        yield month
        month = (month + timedelta(days=31)).replace(day=1)


def _days(value):
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


class Report:
    """A report: its name, its columns, and its rows as tuples in column order."""

    name = ""
    title = ""
    columns: tuple[str, ...] = ()
    paginated = False

    def rows(self, scope: Scope, *, stream=False) -> Iterator[tuple]:
        raise NotImplementedError


def _active_patients(scope):
    return Patient.objects.valid().filter(status=PatientStatus.ACTIVE, clinic_id__in=scope.clinic_ids)


class Caseload(Report):
    """Active patients by clinic and MS type, and where each stands with reassessment (today).

    ``assessed_in_interval``: assessed, and the next assessment is not yet overdue;
    ``overdue``: the next assessment was due before today; ``due_for_reassessment``: SPEC §3
    rule 6 (due within a week, or overdue); ``never_assessed``: no valid assessment at all;
    ``on_antispasticity_drugs``: taking an antispasticity drug today (its latest event is not a
    stop); ``with_active_plans``: with an active exercise plan. The date range selects
    ``assessed_in_period``: patients with an assessment in the range.
    """

    name = "caseload"
    title = "Caseload"
    columns = (
        "clinic",
        "ms_type",
        "active_patients",
        "assessed_in_interval",
        "overdue",
        "due_for_reassessment",
        "never_assessed",
        "assessed_in_period",
        "on_antispasticity_drugs",
        "with_active_plans",
    )

    def queryset(self, scope):
        today = scope.today
        soon = today + timedelta(days=DUE_SOON_DAYS)
        in_period = Assessment.objects.valid().filter(scope.dates("assessed_on"), patient=OuterRef("pk"))
        # One group per (clinic, MS type, next due date clamped to [yesterday, a day past the
        # due-soon week], assessed?, assessed in the period?): each patient's follow-up is
        # computed once, as a group key, and the handful of groups is folded into a row below.
        return (
            with_follow_up(_active_patients(scope), today)
            .annotate(
                due_key=Greatest(
                    Least("next_assessment_due", Value(soon + timedelta(days=1))),
                    Value(today - timedelta(days=1)),
                    output_field=models.DateField(),
                ),
                assessed=models.ExpressionWrapper(
                    Q(last_assessed_on__isnull=False), output_field=models.BooleanField()
                ),
                in_period=Exists(in_period),
                antispasticity=on_antispasticity_drugs(),
                planned=with_active_plans(),
            )
            .values_list(
                "clinic__code", "ms_type", "due_key", "assessed", "in_period", "antispasticity", "planned"
            )
            .annotate(n=Count("pk"))
            .order_by("clinic__code", "ms_type")
        )

    def rows(self, scope, *, stream=False):
        # Every patient here is active; the clamped due date compares as the real one does.
        follow_up = {"status": PatientStatus.ACTIVE, "today": scope.today}
        groups = _fetch(self.queryset(scope), stream)
        for (clinic, ms_type), parts in groupby(groups, key=lambda g: (g[0], g[1])):
            counts = dict.fromkeys(self.columns[2:], 0)
            for _, _, due_key, assessed, in_period, antispasticity, planned, n in parts:
                overdue = reassessment_overdue(next_due=due_key, **follow_up)
                counts["active_patients"] += n
                counts["assessed_in_interval"] += n if assessed and not overdue else 0
                counts["overdue"] += n if overdue else 0
                counts["due_for_reassessment"] += n if reassessment_due(next_due=due_key, **follow_up) else 0
                counts["never_assessed"] += 0 if assessed else n
                counts["assessed_in_period"] += n if in_period else 0
                counts["on_antispasticity_drugs"] += n if antispasticity else 0
                counts["with_active_plans"] += n if planned else 0
            yield (clinic, ms_type, *counts.values())


class Overdue(Report):
    """Every follow-up that is due, oldest first: reassessments (SPEC §3 rule 6), referrals
    (rule 7) and device reviews (rule 8), as the reminder sweep finds them today.

    ``days_overdue`` is negative for what falls due within the coming week. The date range
    selects by due date.
    """

    name = "overdue"
    title = "Overdue follow-ups"
    paginated = True
    columns = (
        "kind",
        "clinic",
        "patient",
        "mrn",
        "family_name",
        "given_name",
        "subject",
        "detail",
        "due_on",
        "days_overdue",
    )
    # The database columns, in the order of ``columns`` less the computed ``days_overdue``.
    _fields = (
        "r_kind",
        "r_clinic",
        "r_patient",
        "r_mrn",
        "r_family",
        "r_given",
        "r_subject",
        "r_detail",
        "r_due",
    )

    @staticmethod
    def _shape(due):
        """One kind of ``due_follow_ups`` as report rows, in the order of ``_fields``."""
        return (
            due.records.annotate(
                r_kind=Value(due.kind),
                r_clinic=F(due.patient_field("clinic__code")),
                r_patient=F(due.patient_field("id")),
                r_mrn=F(due.patient_field("mrn")),
                r_family=F(due.patient_field("family_name")),
                r_given=F(due.patient_field("given_name")),
                r_subject=F("pk") if due.subject else Value(None, output_field=models.BigIntegerField()),
                r_detail=F(due.detail) if due.detail else Value(""),
                r_due=F(due.due_on),
            )
            .order_by()
            .values_list(*Overdue._fields)
        )

    def queryset(self, scope):
        parts = [
            self._shape(due).filter(scope.dates("r_due"))
            for due in due_follow_ups(scope.today, clinic_ids=scope.clinic_ids)
        ]
        return parts[0].union(*parts[1:], all=True).order_by("r_due", "r_kind", "r_patient", "r_subject")

    def row(self, db_row, scope):
        return (*db_row, (scope.today - db_row[-1]).days)

    def rows(self, scope, db_rows=None, *, stream=False):
        if db_rows is None:
            db_rows = _fetch(self.queryset(scope), stream)
        for db_row in db_rows:
            yield self.row(db_row, scope)


class Falls(Report):
    """Falls and near-falls per clinic and month (of the clinic-local date they occurred).

    ``falls`` and ``near_falls`` are counted apart, as SPEC §3 rule 4 does; ``injuries``
    counts events of either kind with any injury, ``serious_injuries`` the moderate and
    severe ones (rule 5). ``falls_per_patient`` is the month's falls over the clinic's active
    patients today, and ``high_fall_risk_share`` the share of those patients at high fall
    risk today (rule 5). The date range selects by the date of the event.

    A month without an event is a row of zeros, not a gap: every clinic with active patients
    or events has a row for each month from the range's start (without one, the month of the
    earliest event in the report) to its end or this month, whichever is earlier. The
    database groups the events; the months between are filled in here, so the rows held at once
    are the grouped ones (clinics × months), never the events.
    """

    name = "falls"
    title = "Falls"
    columns = (
        "clinic",
        "month",
        "falls",
        "near_falls",
        "injuries",
        "serious_injuries",
        "medical_attention",
        "patients_who_fell",
        "active_patients",
        "falls_per_patient",
        "high_fall_risk_patients",
        "high_fall_risk_share",
    )

    @staticmethod
    def _event_counts():
        fall = Q(near_fall=False)
        return {
            "falls": Count("pk", filter=fall),
            "near_falls": Count("pk", filter=Q(near_fall=True)),
            "injuries": Count("pk", filter=~Q(injury=Injury.NONE)),
            "serious_injuries": Count("pk", filter=Q(injury__in=SERIOUS_INJURIES)),
            "medical_attention": Count("pk", filter=Q(medical_attention=True)),
            "patients_who_fell": Count("patient", filter=fall, distinct=True),
        }

    def queryset(self, scope):
        return (
            FallEvent.objects.listable()
            .filter(
                scope.moments("occurred_at"),
                patient__clinic_id__in=scope.clinic_ids,
            )
            .annotate(month=TruncMonth("occurred_at", output_field=models.DateField()))
            .values_list("patient__clinic__code", "month")
            .annotate(**self._event_counts())
            .order_by("patient__clinic__code", "month")
        )

    def clinic_summary(self, scope):
        """``{clinic code: (active patients, of them at high fall risk)}`` today: one query."""
        summary = (
            with_follow_up(_active_patients(scope), scope.today)
            .values_list("clinic__code")
            .annotate(active=Count("pk"), high_risk=Count("pk", filter=Q(high_fall_risk=True)))
            .order_by()
        )
        return {code: (active, high_risk) for code, active, high_risk in summary}

    def rows(self, scope, *, stream=False):
        summary = self.clinic_summary(scope)
        by_clinic = {}
        for clinic, month, *counts in _fetch(self.queryset(scope), stream):
            by_clinic.setdefault(clinic, {})[month] = counts
        first = scope.date_from or min((min(months) for months in by_clinic.values()), default=None)
        if first is None:
            return
        last = min(scope.date_to or scope.today, scope.today)
        no_events = [0] * len(self._event_counts())
        for clinic in sorted(by_clinic.keys() | summary.keys()):
            active, high_risk = summary.get(clinic, (0, 0))
            months = by_clinic.get(clinic, {})
            for month in _months(first, last):
                falls, *counts = months.get(month, no_events)
                yield (
                    clinic,
                    month.strftime("%Y-%m"),
                    falls,
                    *counts,
                    active,
                    _ratio(falls, active),
                    high_risk,
                    _ratio(high_risk, active),
                )


class Referrals(Report):
    """Referrals per clinic and service: how many in each status, how many overdue today
    (SPEC §3 rule 7), and the median days from sent to seen.

    ``reached_seen``: referrals seen (or closed since, which only a seen referral can be).
    *Sent* and *seen* are the first moves to those statuses in the referral's status history;
    the median is over the referrals that have both, taken in the database
    (``reports.aggregates.Median``). The date range selects by ``referred_on``.
    """

    name = "referrals"
    title = "Referrals"
    columns = (
        "clinic",
        "to_service",
        "total",
        *ReferralStatus.values,
        "overdue",
        "reached_seen",
        "median_days_sent_to_seen",
    )

    @staticmethod
    def _first_move_to(status):
        return Subquery(
            ReferralStatusChange.objects.filter(referral=OuterRef("pk"), to_status=status)
            .order_by("changed_at")
            .values("changed_at")[:1]
        )

    def queryset(self, scope):
        by_status = {status: Count("pk", filter=Q(status=status)) for status in ReferralStatus.values}
        return (
            Referral.objects.listable()
            .filter(
                scope.dates("referred_on"),
                patient__clinic_id__in=scope.clinic_ids,
            )
            .annotate(
                turnaround=DaysBetween(self._first_move_to(ReferralStatus.SEEN), self._first_move_to("sent"))
            )
            .values_list("patient__clinic__code", "to_service")
            .annotate(
                total=Count("pk"),
                **by_status,
                overdue=Count("pk", filter=referral_overdue_condition(scope.today)),
                reached_seen=Count("pk", filter=Q(status__in=REACHED_SEEN)),
                median=Median("turnaround"),
            )
            .order_by("patient__clinic__code", "to_service")
        )

    def rows(self, scope, *, stream=False):
        for *counts, median in _fetch(self.queryset(scope), stream):
            yield (*counts, _days(median))


class Devices(Report):
    """Active device prescriptions per clinic and device type, with how many are due for
    review (SPEC §3 rule 8) and how many patients they are for. The date range selects by
    ``prescribed_on``.
    """

    name = "devices"
    title = "Devices"
    columns = ("clinic", "device_type", "active", "review_due", "patients")

    def queryset(self, scope):
        return (
            DevicePrescription.objects.listable()
            .filter(
                scope.dates("prescribed_on"),
                patient__clinic_id__in=scope.clinic_ids,
                status=DeviceStatus.ACTIVE,
            )
            .values_list("patient__clinic__code", "device_type")
            .annotate(
                active=Count("pk"),
                review_due=Count(
                    "pk", filter=Q(pk__in=devices_review_due(DevicePrescription.objects.all(), scope.today))
                ),
                patients=Count("patient", distinct=True),
            )
            .order_by("patient__clinic__code", "device_type")
        )

    def rows(self, scope, *, stream=False):
        yield from _fetch(self.queryset(scope), stream)


class Strength(Report):
    """Strength assessments per clinic and month (of ``assessed_on``): what the rules found in
    them, and how soon they were reviewed.

    ``assessments``: valid assessments of valid patients. ``patients_with_decline``: patients
    with at least one of that month's assessments showing a decline (SPEC §3 rule 1) or a
    decline from best (rule 11); ``patients_with_improvement``: likewise with an improvement
    (rule 13). What an assessment showed is its recorded findings (``AssessmentFindings``):
    the rules' verdict when it was the patient's latest assessment, as its reviewer saw it.
    ``strength_reviews``: the valid trend reviews of that month's assessments, whenever they
    were made; ``median_days_to_review``: their median days from the assessment to the
    review's clinic-local date (null when none of the month's assessments was reviewed).

    A review counts in the month of the assessment it reviews, not the month it was made: a
    row then follows one month's assessments from what they showed to when they were
    reviewed, and its median is of the reviews it counts. Counted by the month of the review,
    March's median would mix February's late reviews with March's prompt ones, and a month
    could have reviews but no assessment. So a recent month's reviews grow as late reviews
    come in, as the referrals report's turnaround does. Months without an assessment have no
    row. The date range selects by ``assessed_on``.
    """

    name = "strength"
    title = "Strength"
    columns = (
        "clinic",
        "month",
        "assessments",
        "patients_with_decline",
        "patients_with_improvement",
        "strength_reviews",
        "median_days_to_review",
    )

    def queryset(self, scope):
        declined = Q(findings__decline=True) | Q(findings__decline_from_best=True)
        return (
            Assessment.objects.listable()
            .filter(scope.dates("assessed_on"), patient__clinic_id__in=scope.clinic_ids)
            .annotate(month=TruncMonth("assessed_on", output_field=models.DateField()))
            .values_list("patient__clinic__code", "month")
            .annotate(
                assessments=Count("pk"),
                patients_with_decline=Count("patient", filter=declined, distinct=True),
                patients_with_improvement=Count(
                    "patient", filter=Q(findings__improvement=True), distinct=True
                ),
            )
            .order_by("patient__clinic__code", "month")
        )

    def reviews(self, scope):
        """``{(clinic code, month): (reviews, median days)}`` for the assessments of ``queryset``:
        one query, a row per month with a review (a review's patient is its assessment's)."""
        reviews = (
            TrendReview.objects.listable()
            .filter(
                scope.dates("assessment__assessed_on"),
                assessment__entered_in_error_at__isnull=True,
                patient__clinic_id__in=scope.clinic_ids,
            )
            .annotate(
                month=TruncMonth("assessment__assessed_on", output_field=models.DateField()),
                days=DaysBetweenDates(TruncDate("reviewed_at"), "assessment__assessed_on"),
            )
            .values_list("patient__clinic__code", "month")
            .annotate(done=Count("pk"), median=Median("days"))
            .order_by()
        )
        return {(clinic, month): (done, median) for clinic, month, done, median in reviews}

    def rows(self, scope, *, stream=False):
        reviews = self.reviews(scope)
        for clinic, month, *counts in _fetch(self.queryset(scope), stream):
            done, median = reviews.get((clinic, month), (0, None))
            yield (clinic, month.strftime("%Y-%m"), *counts, done, _days(median))


REPORTS = {
    report.name: report for report in (Caseload(), Overdue(), Falls(), Referrals(), Devices(), Strength())
}


def report_clinics(user, code=None):
    """The clinics a report for ``user`` covers: theirs (every clinic for a superuser), or the
    one of them with ``code``. ``Clinic.DoesNotExist`` for a code that is not one of theirs."""
    clinics = Clinic.objects.of(user)
    if code is not None:
        return [clinics.get(code=code)]
    return list(clinics)
