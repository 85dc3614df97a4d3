"""Representations of the API v1 resources, and the validation of their input's shape.

Domain rules (dates, uniqueness, cross-field checks) are the services' job; serializers
check types, choices and lengths, so every message names its field either way.
"""

from collections.abc import Mapping

from django.contrib.auth import get_user_model
from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer

from assessments.grades import MASGrade, MRCGrade, MuscleGroup, Side, WeaknessType
from assessments.models import T25FW_SECONDS, Assessment, MuscleScore, SpasticityScore, TrendReview
from care.models import (
    ContributingFactor,
    DevicePrescription,
    DeviceReview,
    DeviceSide,
    Drug,
    ExercisePlan,
    FallEvent,
    MedicationEvent,
    MedicationEventKind,
    PlanKind,
    PlanSide,
    Referral,
    ReferralStatusChange,
)
from diary.models import DiaryEntry
from patients.models import TEXT_MAX_LENGTH, Clinic, ClinicalRecord, Patient
from reminders.models import SUBJECT_FIELD_OF_KIND, Reminder, ReminderKind

BOUNDED_TEXT = {"max_length": TEXT_MAX_LENGTH}
GRADE_LABELS = MRCGrade.labels
MAS_LABELS = MASGrade.labels


class StrictInputMixin:
    """Refuses fields a request may not set, each by name with its own message (SPEC §2).

    An unknown field is refused, so a misspelt one (``given_nmae``) is never silently dropped.
    So is a read-only one (``id``, ``status`` of a referral, ``mrc_sum_score``, a record's
    ``patient`` after creation): a client sending it believes it is setting it, and ignoring
    it would answer 200 for a change that never happened. Nested serializers built on this
    (an assessment's ``scores``) check their own items the same way.
    """

    default_error_messages = {
        "unknown_field": "Unknown field; accepted fields: {accepted}.",
        "read_only_field": "Read-only field: it cannot be set here.",
    }

    def to_internal_value(self, data):
        refused = self._refused_fields(data)
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if refused and isinstance(exc.detail, Mapping):
                raise serializers.ValidationError({**exc.detail, **refused}) from exc
            raise
        if refused:
            raise serializers.ValidationError(refused)
        return value

    def _refused_fields(self, data):
        if not isinstance(data, Mapping):
            return {}
        fields = self.fields
        accepted = ", ".join(name for name, field in fields.items() if not field.read_only) or "none"
        refused = {}
        for name in data:
            if name not in fields:
                refused[name] = [self.error_messages["unknown_field"].format(accepted=accepted)]
            elif fields[name].read_only:
                refused[name] = [self.error_messages["read_only_field"]]
        return refused


class StrictSerializer(StrictInputMixin, serializers.Serializer):
    pass


class JsonBooleanField(serializers.BooleanField):
    """``true`` or ``false``, as JSON writes them; DRF's own also reads ``"yes"``, ``"on"``, ``1``
    and ``"0"``, none of which the schema's boolean admits."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        self.fail("invalid", input=data)


class StrictModelSerializer(StrictInputMixin, serializers.ModelSerializer):
    """``Meta.fixed_fields`` are written once, at creation, and read-only afterwards."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.BooleanField: JsonBooleanField,
    }

    def get_fields(self):
        fields = super().get_fields()
        # A partial update always has its instance; the schema's PATCH bodies are drawn with
        # ``partial`` alone (drf-spectacular), and so leave the fixed fields out as the API does.
        if self.instance is not None or self.partial:
            for name in getattr(self.Meta, "fixed_fields", ()):
                fields[name].read_only = True
        return fields


class StaffField(serializers.SlugRelatedField):
    """A staff member, by username (read-only: the API sets authors from the request)."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="username", read_only=True, **kwargs)


class MemberClinicField(serializers.SlugRelatedField):
    """A clinic, by code, among the clinics the requesting user belongs to."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="code", queryset=Clinic.objects.all(), **kwargs)

    def get_queryset(self):
        return Clinic.objects.of(self.context["request"].user)


class VisiblePatientField(serializers.PrimaryKeyRelatedField):
    """A patient, by id, among the requesting user's clinics' patients not entered in error."""

    def __init__(self, **kwargs):
        super().__init__(queryset=Patient.objects.all(), **kwargs)

    def get_queryset(self):
        return Patient.objects.visible_to(self.context["request"].user).valid()


class GradeField(serializers.ChoiceField):
    """An MRC grade written as its label, a string (``"4-"``), stored as its value in thirds."""

    default_error_messages = {
        "invalid_choice": f'"{{input}}" is not an MRC grade; allowed grades: {", ".join(MRCGrade.labels)}.',
        "not_a_string": f"An MRC grade is a string; allowed grades: {', '.join(MRCGrade.labels)}.",
    }

    def __init__(self, **kwargs):
        super().__init__(choices=GRADE_LABELS, **kwargs)

    def to_internal_value(self, data):
        # ChoiceField compares ``str(data)``, which would take the number 4 for the grade "4".
        if not isinstance(data, str):
            self.fail("not_a_string")
        return MRCGrade.from_label(super().to_internal_value(data))

    def to_representation(self, value):
        return MRCGrade(value).label


class MASField(serializers.ChoiceField):
    """A Modified Ashworth score written as its label, a string (``"1+"``), stored as its step."""

    default_error_messages = {
        "invalid_choice": f'"{{input}}" is not a Modified Ashworth score; allowed values: {", ".join(MASGrade.labels)}.',
        "not_a_string": f"A Modified Ashworth score is a string; allowed values: {', '.join(MASGrade.labels)}.",
    }

    def __init__(self, **kwargs):
        super().__init__(choices=MAS_LABELS, **kwargs)

    def to_internal_value(self, data):
        # ChoiceField compares ``str(data)``, which would take the number 1 for the score "1".
        if not isinstance(data, str):
            self.fail("not_a_string")
        return MASGrade.from_label(super().to_internal_value(data))

    def to_representation(self, value):
        return MASGrade(value).label


class ClinicSerializer(StrictModelSerializer):
    class Meta:
        model = Clinic
        fields = ["code", "name"]


ENTERED_IN_ERROR_FIELDS = ["entered_in_error", *ClinicalRecord.ENTERED_IN_ERROR_FIELDS]


class ClinicalRecordSerializer(StrictModelSerializer):
    """What every clinical record shows: its entered-in-error marking."""

    entered_in_error = serializers.BooleanField(read_only=True)
    entered_in_error_by = StaffField(allow_null=True)


class PatientSerializer(ClinicalRecordSerializer):
    clinic = MemberClinicField(help_text="The clinic's code; set at registration.")
    last_assessed_on = serializers.DateField(read_only=True, allow_null=True)
    next_assessment_due = serializers.DateField(read_only=True)
    high_fall_risk = serializers.BooleanField(read_only=True)

    class Meta:
        model = Patient
        fields = [
            "id",
            "clinic",
            "mrn",
            "given_name",
            "family_name",
            "date_of_birth",
            "sex",
            "ms_type",
            "diagnosis_date",
            "status",
            "reassessment_interval_weeks",
            "last_assessed_on",
            "next_assessment_due",
            "high_fall_risk",
            "created_at",
            "updated_at",
            *ENTERED_IN_ERROR_FIELDS,
        ]
        fixed_fields = ["clinic"]
        # MRN uniqueness is the service's check, reported on the ``mrn`` field.
        validators = []


class WholeItemSerializer(StrictModelSerializer):
    """An item of a list that a change replaces as a whole (an assessment's scores): given whole.

    A PATCH is a partial update, and DRF lets a partial update leave out required fields all
    the way down, into each item of a nested list; an item without its muscle group or its
    grade would reach the service. Here each missing required field is named, as on a create.
    """

    def to_internal_value(self, data):
        missing = {}
        if isinstance(data, Mapping):
            missing = {
                name: [field.error_messages["required"]]
                for name, field in self.fields.items()
                if field.required and name not in data
            }
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if missing and isinstance(exc.detail, Mapping):
                raise serializers.ValidationError({**exc.detail, **missing}) from exc
            raise
        if missing:
            raise serializers.ValidationError(missing)
        return value


class MuscleScoreSerializer(WholeItemSerializer):
    grade = GradeField()

    class Meta:
        model = MuscleScore
        fields = ["muscle_group", "side", "grade", "weakness_type"]
        # One score per muscle group and side is checked across the list, by the service.
        validators = []


class SpasticityScoreSerializer(WholeItemSerializer):
    mas = MASField(help_text="Modified Ashworth Scale, ordered 0 < 1 < 1+ < 2 < 3 < 4.")

    class Meta:
        model = SpasticityScore
        fields = ["muscle_group", "side", "mas"]
        # One score per muscle group and side is checked across the list, by the service.
        validators = []


@extend_schema_field({"type": "number", "minimum": 0, "maximum": 10, "multipleOf": 0.5, "nullable": True})
class EDSSField(serializers.DecimalField):
    """An EDSS score: 0 to 10 in steps of 0.5 (the step is the service's check, stated in the schema)."""

    def __init__(self, **kwargs):
        super().__init__(max_digits=3, decimal_places=1, min_value=0, max_value=10, **kwargs)


class AssessmentSerializer(ClinicalRecordSerializer):
    patient = VisiblePatientField(help_text="Set at creation.")
    edss = EDSSField(required=False, allow_null=True, help_text="0 to 10 in steps of 0.5.")
    assessor = StaffField()
    scores = MuscleScoreSerializer(many=True, allow_empty=False)
    spasticity = SpasticityScoreSerializer(
        many=True,
        required=False,
        help_text="Optional Modified Ashworth scores, at most one per muscle group and side; "
        "given in a change, they replace the assessment's spasticity scores as a whole.",
    )
    mrc_sum_score = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="MRC sum (0–60) over the six MRC muscle groups on both sides; null unless all 12 are graded.",
    )

    class Meta:
        model = Assessment
        fields = [
            "id",
            "patient",
            "assessed_on",
            "assessor",
            "notes",
            "edss",
            "timed_25ft_walk_seconds",
            "scores",
            "spasticity",
            "mrc_sum_score",
            "created_at",
            "updated_at",
            *ENTERED_IN_ERROR_FIELDS,
        ]
        fixed_fields = ["patient"]
        extra_kwargs = {
            "notes": BOUNDED_TEXT,
            "timed_25ft_walk_seconds": {"help_text": "1.0 to 180.0 seconds (the test stops at 180 s)."},
        }


class FallSerializer(ClinicalRecordSerializer):
    patient = VisiblePatientField(help_text="Set at creation.")
    recorded_by = StaffField(allow_null=True, help_text="Null for a fall the patient reported in the diary.")
    contributing_factors = serializers.ListField(
        child=serializers.ChoiceField(choices=ContributingFactor.choices), required=False, max_length=50
    )

    class Meta:
        model = FallEvent
        fields = [
            "id",
            "patient",
            "occurred_at",
            "near_fall",
            "injury",
            "location",
            "activity",
            "device_in_use",
            "contributing_factors",
            "medical_attention",
            "notes",
            "recorded_by",
            "created_at",
            "updated_at",
            *ENTERED_IN_ERROR_FIELDS,
        ]
        fixed_fields = ["patient"]
        extra_kwargs = {"notes": BOUNDED_TEXT}


class DiaryExerciseSerializer(serializers.Serializer):
    plan = serializers.IntegerField(help_text="The exercise plan's id.")
    done = JsonBooleanField()


class DiaryEntrySerializer(ClinicalRecordSerializer):
    """A day of a patient's diary, as the patient recorded it (read-only: SPEC §7). The day's
    falls and near-falls are fall events with ``source`` diary, in ``falls/``."""

    exercises = DiaryExerciseSerializer(
        many=True, read_only=True, help_text="Each exercise plan active that day, and whether it was done."
    )

    class Meta:
        model = DiaryEntry
        fields = [
            "id",
            "patient",
            "day",
            "fatigue",
            "heat_worse",
            "spasms",
            "exercises",
            "revision",
            "created_at",
            "updated_at",
            *ENTERED_IN_ERROR_FIELDS,
        ]
        read_only_fields = fields
        extra_kwargs = {
            "fatigue": {"help_text": "0 (none) to 10 (the worst)."},
            "spasms": {"help_text": "Spasms or stiffness, 0 (none) to 10 (the worst)."},
            "revision": {"help_text": "How many times the patient saved this day."},
        }


class DiaryLinkRequestSerializer(StrictSerializer):
    """Issuing a diary link takes no fields: a body with any is refused rather than ignored."""


class DiaryLinkSerializer(serializers.Serializer):
    """A new diary link: shown once, never stored (only its hash is)."""

    url = serializers.URLField(help_text="The diary's address, to give to the patient.")
    expires_on = serializers.DateField(help_text="The first day the link no longer opens the diary.")


class DeviceReviewSerializer(ClinicalRecordSerializer):
    """A review of an assistive device: who reviewed it when, a note, and when it is due again."""

    reviewed_by = StaffField()
    next_review_due_on = serializers.DateField(
        help_text="Becomes the device's review_due_on: from the review date to 5 years after the prescription."
    )

    class Meta:
        model = DeviceReview
        fields = [
            "id",
            "reviewed_on",
            "reviewed_by",
            "note",
            "next_review_due_on",
            "created_at",
            *ENTERED_IN_ERROR_FIELDS,
        ]
        extra_kwargs = {"note": BOUNDED_TEXT}


class TrendReviewSerializer(ClinicalRecordSerializer):
    """A clinician's sign-off of a patient's findings; the assessment is the patient's latest when made."""

    reviewed_by = StaffField()
    note = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, help_text="What was reviewed and decided (required, 1–10,000 characters)."
    )

    class Meta:
        model = TrendReview
        fields = [
            "id",
            "patient",
            "assessment",
            "reviewed_by",
            "reviewed_at",
            "note",
            *ENTERED_IN_ERROR_FIELDS,
        ]
        read_only_fields = ["patient", "assessment", "reviewed_at"]


class LastReviewSerializer(serializers.Serializer):
    reviewed_by = serializers.CharField(help_text="The reviewer's username.")
    reviewed_at = serializers.DateTimeField()
    note = serializers.CharField()
    assessment = serializers.IntegerField(help_text="The assessment the review was of.")


class DeviceSerializer(ClinicalRecordSerializer):
    patient = VisiblePatientField(help_text="Set at creation.")
    prescribed_by = StaffField()
    side = serializers.ChoiceField(
        choices=DeviceSide.choices,
        required=False,
        help_text="left, right or bilateral for an afo or fes (never na); na, the default, for the others.",
    )
    review_due_on = serializers.DateField(
        required=False,
        help_text="Defaults to 90 days after the prescription date; at most 5 years after it.",
    )
    reviews = DeviceReviewSerializer(
        many=True, read_only=True, help_text="Its reviews, oldest first (those entered in error marked)."
    )

    class Meta:
        model = DevicePrescription
        fields = [
            "id",
            "patient",
            "device_type",
            "side",
            "prescribed_on",
            "prescribed_by",
            "reason",
            "review_due_on",
            "status",
            "discontinued_on",
            "reviews",
            "created_at",
            "updated_at",
            *ENTERED_IN_ERROR_FIELDS,
        ]
        fixed_fields = ["patient"]
        extra_kwargs = {"reason": BOUNDED_TEXT}


class MedicationSerializer(ClinicalRecordSerializer):
    patient = VisiblePatientField(help_text="Set at creation.")
    recorded_by = StaffField()
    drug_name = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text="The medicine's name: required when drug is other, empty for a catalogue drug.",
    )

    class Meta:
        model = MedicationEvent
        fields = [
            "id",
            "patient",
            "drug",
            "drug_name",
            "event",
            "occurred_on",
            "dose",
            "notes",
            "recorded_by",
            "created_at",
            "updated_at",
            *ENTERED_IN_ERROR_FIELDS,
        ]
        fixed_fields = ["patient"]
        extra_kwargs = {"notes": BOUNDED_TEXT}


class ExercisePlanSerializer(ClinicalRecordSerializer):
    patient = VisiblePatientField(help_text="Set at creation.")
    prescribed_by = StaffField()
    review_on = serializers.DateField(
        required=False, help_text="Defaults to 42 days after the start date; at most 5 years after it."
    )

    class Meta:
        model = ExercisePlan
        fields = [
            "id",
            "patient",
            "muscle_group",
            "side",
            "kind",
            "prescription",
            "started_on",
            "review_on",
            "status",
            "ended_on",
            "prescribed_by",
            "created_at",
            "updated_at",
            *ENTERED_IN_ERROR_FIELDS,
        ]
        fixed_fields = ["patient"]
        extra_kwargs = {
            "prescription": BOUNDED_TEXT,
            "side": {"help_text": "left, right, or both (covers left and right)."},
            "ended_on": {"help_text": "Required when the plan has ended; only an ended plan has one."},
        }


class ReferralStatusChangeSerializer(StrictModelSerializer):
    # The views annotate the username on the prefetched moves (no user row per move).
    changed_by = serializers.CharField(source="changed_by_username", read_only=True, help_text="A username.")

    class Meta:
        model = ReferralStatusChange
        fields = ["from_status", "to_status", "changed_by", "changed_at"]


class ReferralSerializer(ClinicalRecordSerializer):
    patient = VisiblePatientField(help_text="Set at creation.")
    created_by = StaffField()
    referred_on = serializers.DateField(required=False, help_text="Defaults to today.")
    due_by = serializers.DateField(
        required=False, help_text="Defaults to 14 days after the referral if urgent, 42 if routine."
    )
    status_history = ReferralStatusChangeSerializer(source="status_changes", many=True, read_only=True)

    class Meta:
        model = Referral
        fields = [
            "id",
            "patient",
            "to_service",
            "reason",
            "urgency",
            "referred_on",
            "due_by",
            "status",
            "status_history",
            "created_by",
            "created_at",
            "updated_at",
            *ENTERED_IN_ERROR_FIELDS,
        ]
        read_only_fields = ["status"]
        fixed_fields = ["patient"]
        extra_kwargs = {"reason": BOUNDED_TEXT}


class ReminderSubjectSerializer(StrictSerializer):
    type = serializers.ChoiceField(choices=[field for field in SUBJECT_FIELD_OF_KIND.values() if field])
    id = serializers.IntegerField()


class ReminderSerializer(StrictModelSerializer):
    subject = serializers.SerializerMethodField(
        help_text="The referral, device, fall, assessment or exercise plan the reminder is about; "
        "null for a reassessment."
    )
    recipients = serializers.SlugRelatedField(slug_field="username", many=True, read_only=True)
    acknowledged_by = StaffField(allow_null=True)

    class Meta:
        model = Reminder
        fields = [
            "id",
            "kind",
            "patient",
            "subject",
            "due_on",
            "recipients",
            "status",
            "sent_at",
            "acknowledged_by",
            "acknowledged_at",
            "resolved_at",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(ReminderSubjectSerializer(allow_null=True))
    def get_subject(self, reminder):
        # By the id on the row: no query for the subject itself.
        field = SUBJECT_FIELD_OF_KIND[ReminderKind(reminder.kind)]
        return None if field is None else {"type": field, "id": getattr(reminder, f"{field}_id")}


class EnteredInErrorSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=TEXT_MAX_LENGTH, help_text="Why the record is in error.")


class AcknowledgeSerializer(StrictSerializer):
    """Acknowledging takes no fields: a body with any is refused rather than ignored."""


class TransitionSerializer(StrictSerializer):
    status = serializers.ChoiceField(choices=Referral.Status.choices)


class CredentialsSerializer(StrictInputMixin, AuthTokenSerializer):
    """A username and password to sign in with; a misspelt field is named, not read as missing.

    The username is bounded like the account's own field: a longer one can be nobody's, and
    django-axes would fail to record the attempt in its 255 characters.
    """

    username = serializers.CharField(
        label="Username", write_only=True, max_length=get_user_model().username.field.max_length
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True, help_text="Send it as `Authorization: Token <token>`.")
    expiry = serializers.DateTimeField(read_only=True, help_text="When the token stops working.")


# Enough of a token to tell a user's tokens apart; never enough to use one.
TOKEN_KEY_SHOWN = 8


class LiveTokenSerializer(serializers.Serializer):
    token_key = serializers.SerializerMethodField()
    created = serializers.DateTimeField(read_only=True)
    expiry = serializers.DateTimeField(read_only=True, help_text="When the token stops working.")

    @extend_schema_field(
        {
            "type": "string",
            "minLength": TOKEN_KEY_SHOWN,
            "maxLength": TOKEN_KEY_SHOWN,
            "description": "The token's first 8 characters, to tell it apart; never the whole token.",
        }
    )
    def get_token_key(self, token):
        return token.token_key[:TOKEN_KEY_SHOWN]


# GET patients/{id}/trends/ (SPEC §4): the shape of ``clinical_rules.trends.patient_trends``.


class GradeLabelField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=GRADE_LABELS, **kwargs)


class MuscleSideSerializer(serializers.Serializer):
    muscle_group = serializers.ChoiceField(choices=MuscleGroup.choices)
    side = serializers.ChoiceField(choices=Side.choices)


class TrendPointSerializer(serializers.Serializer):
    assessed_on = serializers.DateField()
    grade = GradeLabelField()
    thirds = serializers.IntegerField(help_text="The grade's value in thirds of a whole grade.")


class TrendSeriesSerializer(MuscleSideSerializer):
    points = TrendPointSerializer(many=True)


class MrcSumPointSerializer(serializers.Serializer):
    assessed_on = serializers.DateField()
    score = serializers.IntegerField(allow_null=True)


class DeclineSerializer(MuscleSideSerializer):
    from_grade = GradeLabelField()
    to_grade = GradeLabelField()
    from_date = serializers.DateField()
    to_date = serializers.DateField()


class AsymmetrySerializer(serializers.Serializer):
    muscle_group = serializers.ChoiceField(choices=MuscleGroup.choices)
    left = GradeLabelField()
    right = GradeLabelField()


class GuidanceSerializer(MuscleSideSerializer):
    weakness_type = serializers.ChoiceField(choices=WeaknessType.choices)
    text = serializers.CharField()


class DeclineFromBestSerializer(MuscleSideSerializer):
    best_grade = GradeLabelField(
        help_text="The muscle-side's highest grade in the assessments before the latest dated from "
        "365 days before it to its day."
    )
    best_date = serializers.DateField(help_text="The latest date on which best_grade was recorded.")
    to_grade = GradeLabelField(help_text="The grade in the latest assessment.")
    to_date = serializers.DateField(help_text="The date of the latest assessment.")


class EdssPointSerializer(serializers.Serializer):
    assessed_on = serializers.DateField()
    edss = serializers.DecimalField(max_digits=3, decimal_places=1, min_value=0, max_value=10)


class TimedWalkPointSerializer(serializers.Serializer):
    assessed_on = serializers.DateField()
    seconds = serializers.DecimalField(
        max_digits=6,
        decimal_places=2,
        min_value=T25FW_SECONDS[0],
        max_value=T25FW_SECONDS[1],
        help_text="The timed 25-foot walk, in seconds.",
    )


class MASLabelField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=MAS_LABELS, **kwargs)


class SpasticityPointSerializer(serializers.Serializer):
    assessed_on = serializers.DateField()
    mas = MASLabelField()
    step = serializers.IntegerField(
        min_value=0, max_value=5, help_text="The score's position in 0 < 1 < 1+ < 2 < 3 < 4."
    )


class SpasticitySeriesSerializer(MuscleSideSerializer):
    points = SpasticityPointSerializer(many=True)


class SpasticityIncreaseSerializer(MuscleSideSerializer):
    from_mas = MASLabelField()
    to_mas = MASLabelField()
    from_date = serializers.DateField()
    to_date = serializers.DateField()


class CurrentMedicationSerializer(serializers.Serializer):
    drug = serializers.ChoiceField(choices=Drug.choices)
    drug_name = serializers.CharField(help_text="The name given for other; empty for a catalogue drug.")
    dose = serializers.CharField(help_text="The dose of the drug's latest event.")
    since = serializers.DateField(
        allow_null=True, help_text="The date of the drug's latest start, if recorded."
    )


class MedicationReviewSerializer(serializers.Serializer):
    drug = serializers.ChoiceField(choices=Drug.choices)
    event = serializers.ChoiceField(choices=MedicationEventKind.choices)
    occurred_on = serializers.DateField()
    dose = serializers.CharField()


class ActivePlanSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    muscle_group = serializers.ChoiceField(choices=MuscleGroup.choices)
    side = serializers.ChoiceField(choices=PlanSide.choices)
    kind = serializers.ChoiceField(choices=PlanKind.choices)
    review_on = serializers.DateField()


class PlanConflictSerializer(MuscleSideSerializer):
    plan = serializers.IntegerField(help_text="The exercise plan's id.")


class FootDropSerializer(serializers.Serializer):
    side = serializers.ChoiceField(choices=Side.choices)
    grade = GradeLabelField(help_text="The side's most recent ankle dorsiflexion grade (3 or below).")
    supported = serializers.BooleanField(
        help_text="The patient has an active AFO or FES for this side or both."
    )


class TrendsSerializer(serializers.Serializer):
    patient = serializers.IntegerField()
    series = TrendSeriesSerializer(many=True)
    mrc_sum = MrcSumPointSerializer(many=True)
    declines = DeclineSerializer(many=True)
    mrc_sum_drop = serializers.BooleanField()
    asymmetries = AsymmetrySerializer(many=True)
    walking_slowed = serializers.BooleanField()
    falls_in_window = serializers.IntegerField()
    near_falls_in_window = serializers.IntegerField()
    fall_rate_per_month = serializers.DecimalField(max_digits=6, decimal_places=2)
    high_fall_risk = serializers.BooleanField()
    next_assessment_due = serializers.DateField()
    guidance = GuidanceSerializer(
        many=True,
        help_text="Rule 10: each muscle-side of the latest assessment graded below 5, weakest first, "
        "then head to toe, then left before right.",
    )
    declines_from_best = DeclineFromBestSerializer(
        many=True,
        help_text="Rule 11: muscle-sides of the latest assessment at least one whole grade (3 thirds) "
        "below their best grade of the 365 days before it.",
    )
    mrc_sum_drop_from_best = serializers.BooleanField(
        help_text="Rule 12: the latest MRC sum is at least MRC_SUM_DROP_POINTS below the highest of "
        "the assessments before it dated within the 365 days before it."
    )
    improvements = DeclineSerializer(
        many=True,
        help_text="Rule 13: muscle-sides of the latest assessment at least one whole grade (3 thirds) "
        "above the previous assessment that graded them; from_grade is that earlier grade.",
    )
    edss = EdssPointSerializer(many=True, help_text="Every recorded EDSS, oldest first.")
    edss_worsening = serializers.BooleanField(
        help_text="Rule 14: the latest recorded EDSS is above the previous recorded one by at least "
        "1.5 when that was 0, 1.0 when it was 0.5–5.5, 0.5 when it was 6.0 or more."
    )
    timed_25ft_walk = TimedWalkPointSerializer(
        many=True, help_text="Every recorded timed 25-foot walk, oldest first."
    )
    spasticity_series = SpasticitySeriesSerializer(
        many=True, help_text="Each muscle-side's Modified Ashworth scores, oldest first."
    )
    spasticity_increases = SpasticityIncreaseSerializer(
        many=True,
        help_text="Rule 15: muscle-sides whose MAS in the latest assessment that recorded spasticity is at "
        "least one step above the previous assessment that recorded it.",
    )
    current_medications = CurrentMedicationSerializer(
        many=True, help_text="The drugs whose latest event is not a stop."
    )
    medication_review = MedicationReviewSerializer(
        many=True,
        help_text="Rule 16: with a loss of strength in the latest assessment, each start or increase of an "
        "antispasticity drug after the previous assessment and on or before the latest.",
    )
    active_plans = ActivePlanSerializer(many=True, help_text="The active exercise plans, next review first.")
    plan_conflicts = PlanConflictSerializer(
        many=True,
        help_text="Rule 17: active progressive-resistance plans for a muscle-side whose most recent grading "
        "is primary weakness; one row per side.",
    )
    foot_drop = FootDropSerializer(
        many=True, help_text="Rule 19: sides whose most recent ankle dorsiflexion grade is 3 or below."
    )
    reviewed = serializers.BooleanField(
        help_text="Rule 18: a valid trend review of the patient's latest assessment exists."
    )
    last_review = LastReviewSerializer(
        allow_null=True,
        help_text="The most recent valid trend review of any of the patient's assessments, or null.",
    )
