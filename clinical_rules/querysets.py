"""The rules of ``clinical_rules.rules`` that lists, reports and the reminder sweep need set-based,
as database expressions over querysets.

Each function takes a queryset (already scoped by the caller) and returns it filtered or
annotated, so a page of any size costs the same few queries. The property tests in
tests/clinical_rules hold every one of them to its Python version.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db import models
from django.db.models import Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, TruncDate

from assessments.models import Assessment, TrendReview
from care.models import (
    ANTISPASTICITY_DRUGS,
    DevicePrescription,
    DeviceStatus,
    ExercisePlan,
    FallEvent,
    MedicationEvent,
    MedicationEventKind,
    PlanStatus,
    Referral,
)
from patients.clock import local_midnight
from patients.models import Patient, PatientStatus

from .models import AssessmentFindings
from .rules import (
    DUE_SOON_DAYS,
    OPEN_REFERRAL_STATUSES,
    SERIOUS_INJURIES,
    STRENGTH_REVIEW_DUE_DAYS,
    FollowUpKind,
    fall_window,
)


class AddDays(models.Func):
    """``date + days`` as a date, on PostgreSQL and SQLite alike (Django has no portable form)."""

    output_field = models.DateField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler, connection, template="(%(expressions)s)", arg_joiner=" + ", **extra_context
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="date(%(expressions)s || ' days')",
            arg_joiner=", '+' || ",
            **extra_context,
        )


# Falls --------------------------------------------------------------------------------------


def falls_in_window(falls, today):
    """Rule 4: the valid falls (not near-falls) of ``falls`` whose clinic-local date is in the fall window."""
    start, end = fall_window(today)
    return falls.valid().filter(
        near_fall=False,
        occurred_at__gte=local_midnight(start),
        occurred_at__lt=local_midnight(end + timedelta(days=1)),
    )


# Patients -----------------------------------------------------------------------------------


def with_follow_up(patients, today):
    """Annotate the derived follow-up fields of ``patients`` as the rules define them.

    ``last_assessed_on``, ``next_assessment_due``, ``falls_in_window`` and
    ``high_fall_risk``: correlated subqueries, so a page of patients costs one query
    whatever its size.
    """
    last_assessed = (
        Assessment.objects.valid()
        .filter(patient=OuterRef("pk"))
        .order_by("-assessed_on")
        .values("assessed_on")[:1]
    )
    window_falls = falls_in_window(FallEvent.objects.all(), today).filter(patient=OuterRef("pk"))
    fall_count = window_falls.order_by().values("patient").annotate(n=models.Count("pk")).values("n")
    return patients.annotate(
        last_assessed_on=Subquery(last_assessed, output_field=models.DateField()),
        # Coalesce rather than CASE WHEN ... IS NULL: the database runs the subquery once, not twice.
        next_assessment_due=Coalesce(
            AddDays("last_assessed_on", F("reassessment_interval_weeks") * 7),
            TruncDate("created_at"),
            output_field=models.DateField(),
        ),
        falls_in_window=Coalesce(Subquery(fall_count, output_field=models.IntegerField()), 0),
        high_fall_risk=models.ExpressionWrapper(
            Q(falls_in_window__gte=2) | Exists(window_falls.filter(injury__in=SERIOUS_INJURIES)),
            output_field=models.BooleanField(),
        ),
    )


def due_for_reassessment(patients, today):
    """Rule 6: active patients due within a week, or overdue. ``patients`` come ``with_follow_up``."""
    return patients.filter(
        status=PatientStatus.ACTIVE, next_assessment_due__lte=today + timedelta(days=DUE_SOON_DAYS)
    )


def at_high_fall_risk(patients):
    """Rule 5. ``patients`` come ``with_follow_up``."""
    return patients.filter(high_fall_risk=True)


# Referrals and devices ----------------------------------------------------------------------


def referral_overdue_condition(today):
    """Rule 7 as a condition on referrals, for filters and conditional aggregates alike."""
    return Q(status__in=OPEN_REFERRAL_STATUSES, due_by__lt=today)


def referrals_overdue(referrals, today):
    """Rule 7: open referrals (draft, sent, accepted) past their due date."""
    return referrals.filter(referral_overdue_condition(today))


def devices_review_due(devices, today):
    """Rule 8: active prescriptions whose review falls due within a week, or is overdue."""
    return devices.filter(
        status=DeviceStatus.ACTIVE, review_due_on__lte=today + timedelta(days=DUE_SOON_DAYS)
    )


# Medications and plans ----------------------------------------------------------------------


def current_medication_events(events):
    """The valid events of ``events`` that are their drug's latest for their patient (latest
    date; same day, recorded last) and not a stop: each a current medication (SPEC §2).
    A drug is its code and name (the name is empty for every catalogue drug)."""
    later = MedicationEvent.objects.valid().filter(
        Q(occurred_on__gt=OuterRef("occurred_on"))
        | Q(occurred_on=OuterRef("occurred_on"), pk__gt=OuterRef("pk")),
        patient=OuterRef("patient"),
        drug=OuterRef("drug"),
        drug_name=OuterRef("drug_name"),
    )
    return events.valid().exclude(event=MedicationEventKind.STOP).filter(~Exists(later))


def on_antispasticity_drugs():
    """A condition on patients: they currently take an antispasticity drug."""
    events = MedicationEvent.objects.filter(patient=OuterRef("pk"), drug__in=ANTISPASTICITY_DRUGS)
    return Exists(current_medication_events(events))


def with_active_plans():
    """A condition on patients: they have a valid active exercise plan."""
    return Exists(ExercisePlan.objects.valid().filter(patient=OuterRef("pk"), status=PlanStatus.ACTIVE))


# Follow-ups still standing ------------------------------------------------------------------
# A reminder is due on the date its follow-up fell due (``due_on``: a date, or an expression such
# as ``OuterRef("due_on")``). These find the records whose follow-up still stands on that date;
# once one no longer does, its reminder resolves itself (SPEC §2 Reminder).


def reassessment_still_due(patients, due_on, today):
    """Active patients not reassessed since: their next assessment is still due by ``due_on``."""
    return with_follow_up(patients, today).filter(
        status=PatientStatus.ACTIVE, next_assessment_due__lte=due_on
    )


def referrals_still_open(referrals, due_on):
    """Open referrals (draft, sent, accepted) still due by ``due_on``: not moved on, not given longer."""
    return referrals.filter(status__in=OPEN_REFERRAL_STATUSES, due_by__lte=due_on)


def plans_review_due(plans, today):
    """Rule 20: valid active plans whose review falls due within a week, or is overdue (a plan
    entered in error takes no part, even in a list that shows it with ``include_errors``)."""
    return plans.valid().filter(
        status=PlanStatus.ACTIVE, review_on__lte=today + timedelta(days=DUE_SOON_DAYS)
    )


def device_reviews_still_due(devices, due_on):
    """Active prescriptions whose review is still due by ``due_on``: not reviewed and put off."""
    return devices.filter(status=DeviceStatus.ACTIVE, review_due_on__lte=due_on)


def plan_reviews_still_due(plans, due_on):
    """Active plans whose review is still due by ``due_on``: not ended, not put off."""
    return plans.filter(status=PlanStatus.ACTIVE, review_on__lte=due_on)


# Strength reviews ---------------------------------------------------------------------------


def latest_assessment(patient):
    """The id of the latest valid assessment of ``patient`` (a reference such as ``OuterRef("pk")``),
    as a subquery (SPEC §3: the latest date, and of two on the same day the one recorded last)."""
    return Subquery(
        Assessment.objects.valid().filter(patient=patient).order_by("-assessed_on", "-id").values("pk")[:1]
    )


def latest_of_its_patient():
    """A condition on assessments: it is its patient's latest valid assessment."""
    return Q(pk=latest_assessment(OuterRef("patient")))


def reviewed(assessment):
    """A valid trend review has ``assessment`` (a reference such as ``OuterRef("pk")``)."""
    return Exists(TrendReview.objects.valid().filter(assessment=assessment))


def unreviewed(assessments):
    """Assessments no valid trend review has."""
    return assessments.filter(~reviewed(OuterRef("pk")))


def strength_reviews_still_due(assessments):
    """Valid assessments still their patient's latest and not reviewed: a strength review about one
    still stands (SPEC §2 Reminder)."""
    return unreviewed(assessments.valid().filter(latest_of_its_patient()))


def strength_reviews_due(assessments):
    """Rule 18, on assessments: the latest of an active patient, whose recorded findings call for
    review, with no valid trend review; annotated with the reminder's ``review_due_on`` (a week
    after the assessment).

    Found from the patients' side: each active patient's latest assessment (one look into its
    index) among the findings that call for review and have no review. Asked from the
    assessments' side, every assessment that ever showed a finding was checked for being the
    latest, which grows with the years of history (benchmarks/README.md).
    """
    due = AssessmentFindings.objects.filter(
        AssessmentFindings.call_for_review(), assessment=latest_assessment(OuterRef(OuterRef("pk")))
    ).filter(~reviewed(OuterRef("assessment")))
    patients = Patient.objects.valid().filter(Exists(due), status=PatientStatus.ACTIVE)
    return assessments.filter(pk__in=patients.values(latest=latest_assessment(OuterRef("pk")))).annotate(
        review_due_on=AddDays("assessed_on", Value(STRENGTH_REVIEW_DUE_DAYS))
    )


# What is due --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueFollowUps:
    """One kind of follow-up that is due: the records it is due for, and how to read each row.

    ``patient`` is the path from a record to its patient (``""`` for a patient), ``subject``
    whether the record is the follow-up's subject (a referral, a device) rather than the
    patient, ``due_on`` the field holding its due date and ``detail`` the field that names
    what is due (or ``None``).
    """

    kind: str
    records: models.QuerySet
    patient: str
    subject: bool
    due_on: str
    detail: str | None = None

    def patient_field(self, name):
        """The lookup of the patient's field ``name`` from a record of this kind."""
        return f"{self.patient}{name}" if self.patient else name


# The follow-ups that fall due on a date, those ``due_follow_ups`` finds (the others an event raises).
DUE_KINDS = (
    FollowUpKind.REASSESSMENT_DUE,
    FollowUpKind.REFERRAL_OVERDUE,
    FollowUpKind.DEVICE_REVIEW_DUE,
    FollowUpKind.PLAN_REVIEW_DUE,
)


def due_follow_ups(today, *, clinic_ids=None):
    """Every follow-up that is due today — rules 6, 7, 8 and 20 — of valid records of valid patients.

    The one definition of "due" that the reminder sweep and the overdue report both read.
    ``clinic_ids`` limits it to those clinics' patients (``None``: every clinic).
    """
    patients = Patient.objects.valid()
    referrals = Referral.objects.listable()
    devices = DevicePrescription.objects.listable()
    plans = ExercisePlan.objects.listable()
    if clinic_ids is not None:
        patients = patients.filter(clinic_id__in=clinic_ids)
        referrals = referrals.filter(patient__clinic_id__in=clinic_ids)
        devices = devices.filter(patient__clinic_id__in=clinic_ids)
        plans = plans.filter(patient__clinic_id__in=clinic_ids)
    return [
        DueFollowUps(
            kind=FollowUpKind.REASSESSMENT_DUE,
            records=due_for_reassessment(with_follow_up(patients, today), today),
            patient="",
            subject=False,
            due_on="next_assessment_due",
        ),
        DueFollowUps(
            kind=FollowUpKind.REFERRAL_OVERDUE,
            records=referrals_overdue(referrals, today),
            patient="patient__",
            subject=True,
            due_on="due_by",
            detail="to_service",
        ),
        DueFollowUps(
            kind=FollowUpKind.DEVICE_REVIEW_DUE,
            records=devices_review_due(devices, today),
            patient="patient__",
            subject=True,
            due_on="review_due_on",
            detail="device_type",
        ),
        DueFollowUps(
            kind=FollowUpKind.PLAN_REVIEW_DUE,
            records=plans_review_due(plans, today),
            patient="patient__",
            subject=True,
            due_on="review_on",
            detail="kind",
        ),
    ]
