"""List filters of the API (django-filter): a value that does not parse is a 400."""

from django import forms
from django.core.exceptions import ValidationError
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.settings import api_settings

from assessments.models import Assessment, TrendReview
from care.models import DevicePrescription, ExercisePlan, FallEvent, MedicationEvent, Referral
from clinical_rules.querysets import (
    at_high_fall_risk,
    due_for_reassessment,
    plans_review_due,
    referrals_overdue,
)
from diary.models import DiaryEntry
from patients.clock import clinic_today
from patients.models import Patient
from patients.selectors import patient_search
from reminders.models import OPEN_STATUSES, Reminder, ReminderStatus


class StrictBooleanField(forms.NullBooleanField):
    """``true``/``false`` (or 1/0), absent for no filter; anything else is an error, not ignored."""

    def to_python(self, value):
        if value in (None, ""):
            return None
        try:
            return {"true": True, "1": True, "false": False, "0": False}[str(value).lower()]
        except KeyError:
            raise ValidationError("Must be true or false.", code="invalid") from None

    def validate(self, value):
        pass


class BooleanFilter(filters.BooleanFilter):
    field_class = StrictBooleanField

    def __init__(self, *args, **kwargs):
        # django-filter's BooleanWidget would read an unknown value as "no filter".
        kwargs.setdefault("widget", forms.TextInput)
        super().__init__(*args, **kwargs)


def refuse_empty_values(query_params):
    """A 400 naming each query parameter given empty (``?to=``)."""
    if empty := sorted(name for name, values in query_params.lists() if "" in values):
        raise serializers.ValidationError(dict.fromkeys(empty, ["Give a value, or leave the parameter out."]))


class StrictFilterBackend(filters.DjangoFilterBackend):
    """django-filter's backend, refusing a query parameter that nothing reads with a 400 naming it.

    A misspelt or unsupported filter (``?drugg=baclofen``, ``?muscle_group=grip`` on plans) would
    otherwise answer the whole unfiltered list as if it had been applied (SPEC §4: bad input is a
    400 with a message, never silently ignored).

    An empty value (``?occurred_before=``) is refused too: a date, a number or a choice cannot be
    empty, and reading it as absent would answer a list the client did not ask for.
    """

    def filter_queryset(self, request, queryset, view):
        accepted = self.accepted_parameters(request, queryset, view)
        if unknown := sorted(set(request.query_params) - accepted):
            message = f"Unknown query parameter; accepted: {', '.join(sorted(accepted))}."
            raise serializers.ValidationError(dict.fromkeys(unknown, [message]))
        refuse_empty_values(request.query_params)
        return super().filter_queryset(request, queryset, view)

    def accepted_parameters(self, request, queryset, view):
        """The filters' parameters (a range's ``_after`` and ``_before``), the paginator's and ``format``."""
        accepted = {api_settings.URL_FORMAT_OVERRIDE}
        paginator = getattr(view, "paginator", None)
        if paginator is not None:
            accepted |= {paginator.page_query_param, paginator.page_size_query_param}
        filterset = self.get_filterset(request, queryset, view)
        for name, field in (filterset.form.fields if filterset else {}).items():
            suffixes = getattr(field.widget, "suffixes", None)
            accepted |= {field.widget.suffixed(name, suffix) for suffix in suffixes} if suffixes else {name}
        return accepted - {None}


def text_filter(*, max_length, **kwargs):
    """A ``CharFilter`` of 1 to ``max_length`` characters (empty is refused), the schema saying so."""
    return extend_schema_field({"type": "string", "minLength": 1, "maxLength": max_length})(
        filters.CharFilter(max_length=max_length, **kwargs)
    )


def _matching(queryset, matches, value):
    """``matches`` (a filtered ``queryset``) for true, the rest of ``queryset`` for false."""
    return matches if value else queryset.exclude(pk__in=matches.values("pk"))


class ClinicalRecordFilter(filters.FilterSet):
    """Records marked entered-in-error, and the records of a patient so marked, are left out
    unless ``include_errors`` is true."""

    include_errors = BooleanFilter(
        method="filter_include_errors",
        help_text="Also list records marked entered in error, and those of patients so marked.",
    )

    def filter_queryset(self, queryset):
        if not self.form.cleaned_data.get("include_errors"):
            queryset = queryset.listable()
        return super().filter_queryset(queryset)

    def filter_include_errors(self, queryset, name, value):
        return queryset  # applied in filter_queryset, which must also act when it is absent


# The largest id a BigAutoField holds: a larger one would overflow the query (a 500).
MAX_ID = 2**63 - 1


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class RecordIdFilter(filters.NumberFilter):
    """A record's id: a whole number from 1. An id outside the user's clinics matches nothing, as
    one that does not exist: the lists are scoped already, and the answer leaks neither."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class PatientRecordFilter(ClinicalRecordFilter):
    patient = RecordIdFilter(field_name="patient_id", help_text="The patient's id.")


class PatientFilter(ClinicalRecordFilter):
    clinic = text_filter(field_name="clinic__code", max_length=50, help_text="The clinic's code.")
    search = text_filter(
        method="filter_search",
        max_length=100,
        help_text="Words each found in the given name, family name or MRN.",
    )
    due_for_reassessment = BooleanFilter(
        method="filter_due_for_reassessment",
        help_text="Active patients whose next assessment falls due within a week, or is overdue.",
    )
    high_fall_risk = BooleanFilter(
        method="filter_high_fall_risk",
        help_text="Two or more falls in the last 182 days, or one with a moderate or severe injury.",
    )

    class Meta:
        model = Patient
        fields = ["clinic", "status", "ms_type", "search", "due_for_reassessment", "high_fall_risk"]

    def filter_search(self, queryset, name, value):
        return patient_search(queryset, value)

    # The queryset comes annotated by ``clinical_rules.querysets.with_follow_up``.
    def filter_due_for_reassessment(self, queryset, name, value):
        return _matching(queryset, due_for_reassessment(queryset, clinic_today()), value)

    def filter_high_fall_risk(self, queryset, name, value):
        return _matching(queryset, at_high_fall_risk(queryset), value)


class TrendReviewFilter(ClinicalRecordFilter):
    class Meta:
        model = TrendReview
        fields = []


class AssessmentFilter(PatientRecordFilter):
    assessed_on = filters.DateFromToRangeFilter()

    class Meta:
        model = Assessment
        fields = ["patient", "assessed_on"]


class FallFilter(PatientRecordFilter):
    # Whole clinic-local days, from the start of ``occurred_after`` to the end of ``occurred_before``.
    occurred = filters.DateFromToRangeFilter(field_name="occurred_at")

    class Meta:
        model = FallEvent
        fields = ["patient", "occurred"]


class DeviceFilter(PatientRecordFilter):
    prescribed_on = filters.DateFromToRangeFilter()

    class Meta:
        model = DevicePrescription
        fields = ["patient", "prescribed_on"]


class MedicationFilter(PatientRecordFilter):
    occurred_on = filters.DateFromToRangeFilter()

    class Meta:
        model = MedicationEvent
        fields = ["patient", "occurred_on", "drug", "event"]


class ExercisePlanFilter(PatientRecordFilter):
    started_on = filters.DateFromToRangeFilter()
    plan_review_due = BooleanFilter(
        method="filter_plan_review_due",
        help_text="Active plans whose review falls due within a week, or is overdue.",
    )

    class Meta:
        model = ExercisePlan
        fields = ["patient", "started_on", "status", "kind", "plan_review_due"]

    def filter_plan_review_due(self, queryset, name, value):
        return _matching(queryset, plans_review_due(queryset, clinic_today()), value)


class ReferralFilter(PatientRecordFilter):
    referred_on = filters.DateFromToRangeFilter()
    overdue = BooleanFilter(
        method="filter_overdue", help_text="Open (draft, sent, accepted) and past its due date."
    )

    class Meta:
        model = Referral
        fields = ["patient", "referred_on", "status", "to_service", "overdue"]

    def filter_overdue(self, queryset, name, value):
        return _matching(queryset, referrals_overdue(queryset, clinic_today()), value)


class DiaryEntryFilter(PatientRecordFilter):
    day = filters.DateFromToRangeFilter(help_text="Clinic-local days, both included.")

    class Meta:
        model = DiaryEntry
        fields = ["patient", "day"]


class ReminderFilter(filters.FilterSet):
    status = filters.ChoiceFilter(
        choices=[("open", "Open (pending or sent)"), *ReminderStatus.choices],
        method="filter_status",
        help_text="A status, or open: pending or sent.",
    )

    class Meta:
        model = Reminder
        fields = ["kind", "status"]

    def filter_status(self, queryset, name, value):
        return queryset.filter(status__in=OPEN_STATUSES if value == "open" else [value])
