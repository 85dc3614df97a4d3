"""Clinics, staff membership and roles, patients, and what every clinical record shares.

Every clinical record belongs to one clinic, either directly (a patient) or through its
patient. ``ClinicalRecordQuerySet.visible_to(user)`` is the one place that scopes records
to the clinics a user belongs to; ``ClinicalRecord`` carries the entered-in-error marking
that replaces deletion.
"""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from simple_history.models import HistoricalRecords


class Role(models.TextChoices):
    """Staff roles; each is a Django group of the same name."""

    NURSE = "nurse", "MS nurse"
    PHYSIO = "physio", "Physiotherapist"
    ADMIN = "admin", "Clinic admin"


class ClinicQuerySet(models.QuerySet):
    def of(self, user):
        """The clinics ``user`` is a member of (every clinic for a superuser)."""
        if user.is_superuser:
            return self
        if not user.is_authenticated:
            return self.none()
        return self.filter(id__in=clinic_ids_of(user))


class Clinic(models.Model):
    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)

    objects = ClinicQuerySet.as_manager()

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return self.name


class StaffMembership(models.Model):
    """A staff user's membership of a clinic: what they may see."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="clinic_memberships"
    )
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="memberships")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "clinic"], name="unique_membership"),
        ]

    def __str__(self):
        return f"{self.user} @ {self.clinic.code}"


def clinic_ids_of(user):
    """The ids of the clinics ``user`` belongs to, as a subquery."""
    return StaffMembership.objects.filter(user=user).values("clinic_id")


def role_of(user):
    """The user's ``Role``, or ``None`` for a user in no role group."""
    names = {group.name for group in user.groups.all()}
    return next((role for role in Role if role.value in names), None)


class ClinicScopedQuerySet(models.QuerySet):
    """Scoping by clinic; the model names its path to the clinic in ``clinic_lookup``."""

    def visible_to(self, user):
        """Records of the clinics ``user`` is a member of (superusers see every clinic)."""
        if user.is_superuser:
            return self
        if not user.is_authenticated:
            return self.none()
        lookup = f"{self.model.clinic_lookup}_id__in"
        return self.filter(**{lookup: clinic_ids_of(user)})


class ClinicalRecordQuerySet(ClinicScopedQuerySet):
    def valid(self):
        """Records not marked entered-in-error: the ones lists, rules and reports use."""
        return self.filter(entered_in_error_at__isnull=True)

    def listable(self):
        """Valid records of valid patients: a patient marked entered-in-error takes their records along."""
        if self.model.clinic_lookup == Patient.clinic_lookup:
            return self.valid()
        return self.valid().filter(patient__entered_in_error_at__isnull=True)


class ClinicalRecord(models.Model):
    """A record that is never deleted: a mistake is marked entered-in-error (who, when, why)."""

    # The path from this model to its clinic, used by ``visible_to``.
    clinic_lookup = "patient__clinic"

    entered_in_error_at = models.DateTimeField(null=True, blank=True, editable=False)
    entered_in_error_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    entered_in_error_reason = models.TextField(blank=True, editable=False)

    objects = ClinicalRecordQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def entered_in_error(self):
        return self.entered_in_error_at is not None

    @classmethod
    def entered_in_error_constraint(cls, name):
        """Who, when and why are set together, or not at all."""
        return models.CheckConstraint(
            condition=(
                Q(entered_in_error_at__isnull=True, entered_in_error_reason="")
                | (
                    Q(entered_in_error_at__isnull=False, entered_in_error_by__isnull=False)
                    & ~Q(entered_in_error_reason="")
                )
            ),
            name=name,
        )

    def mark_entered_in_error(self, *, by, reason):
        self.entered_in_error_at = timezone.now()
        self.entered_in_error_by = by
        self.entered_in_error_reason = reason
        self.save(update_fields=["entered_in_error_at", "entered_in_error_by", "entered_in_error_reason"])


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


def local_midnight(day):
    """The first moment of a clinic-local date, as an aware datetime."""
    return timezone.make_aware(datetime.combine(day, time.min))


class PatientQuerySet(ClinicalRecordQuerySet):
    def with_follow_up(self, today):
        """Annotate the derived follow-up fields in the database, as ``assessments.rules`` defines them.

        ``last_assessed_on``, ``next_assessment_due``, ``falls_in_window`` and
        ``high_fall_risk``: correlated subqueries, so a page of patients costs one query
        whatever its size.
        """
        from assessments.models import Assessment
        from assessments.rules import SERIOUS_INJURIES
        from care.models import FallEvent

        last_assessed = (
            Assessment.objects.valid()
            .filter(patient=OuterRef("pk"))
            .order_by("-assessed_on")
            .values("assessed_on")[:1]
        )
        window_falls = FallEvent.objects.in_window(today).filter(patient=OuterRef("pk"))
        fall_count = window_falls.order_by().values("patient").annotate(n=models.Count("pk")).values("n")
        return self.annotate(
            last_assessed_on=Subquery(last_assessed, output_field=models.DateField()),
            # Coalesce rather than CASE WHEN ... IS NULL: the database runs the subquery once, not twice.
            next_assessment_due=Coalesce(
                AddDays("last_assessed_on", models.F("reassessment_interval_weeks") * 7),
                TruncDate("created_at"),
                output_field=models.DateField(),
            ),
            falls_in_window=Coalesce(Subquery(fall_count, output_field=models.IntegerField()), 0),
            high_fall_risk=models.ExpressionWrapper(
                Q(falls_in_window__gte=2) | Exists(window_falls.filter(injury__in=SERIOUS_INJURIES)),
                output_field=models.BooleanField(),
            ),
        )

    def due_for_reassessment(self, today):
        """Rule 6, set-based: active patients due within a week. Needs ``with_follow_up``."""
        from assessments.rules import DUE_SOON_DAYS

        return self.filter(
            status=PatientStatus.ACTIVE, next_assessment_due__lte=today + timedelta(days=DUE_SOON_DAYS)
        )

    def at_high_fall_risk(self):
        """Rule 5, set-based. Needs ``with_follow_up``."""
        return self.filter(high_fall_risk=True)


class Sex(models.TextChoices):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class MSType(models.TextChoices):
    RRMS = "RRMS", "Relapsing-remitting (RRMS)"
    SPMS = "SPMS", "Secondary progressive (SPMS)"
    PPMS = "PPMS", "Primary progressive (PPMS)"
    CIS = "CIS", "Clinically isolated syndrome (CIS)"
    UNKNOWN = "unknown", "Unknown"


class PatientStatus(models.TextChoices):
    ACTIVE = "active"
    DISCHARGED = "discharged"


class Patient(ClinicalRecord):
    clinic_lookup = "clinic"

    Sex = Sex
    MSType = MSType
    Status = PatientStatus

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="patients")
    mrn = models.CharField("MRN", max_length=50)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=10, choices=Sex, default=Sex.UNKNOWN)
    ms_type = models.CharField("MS type", max_length=10, choices=MSType, default=MSType.UNKNOWN)
    diagnosis_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=PatientStatus, default=PatientStatus.ACTIVE)
    reassessment_interval_weeks = models.PositiveSmallIntegerField(
        default=12, validators=[MinValueValidator(1), MaxValueValidator(104)]
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "mrn"], name="unique_mrn_per_clinic"),
            models.CheckConstraint(
                condition=Q(reassessment_interval_weeks__gte=1, reassessment_interval_weeks__lte=104),
                name="patient_interval_1_to_104_weeks",
            ),
            models.CheckConstraint(condition=Q(sex__in=Sex.values), name="patient_sex_valid"),
            models.CheckConstraint(condition=Q(ms_type__in=MSType.values), name="patient_ms_type_valid"),
            models.CheckConstraint(condition=Q(status__in=PatientStatus.values), name="patient_status_valid"),
            models.CheckConstraint(
                condition=Q(diagnosis_date__isnull=True) | Q(diagnosis_date__gte=models.F("date_of_birth")),
                name="patient_diagnosis_after_birth",
            ),
            ClinicalRecord.entered_in_error_constraint("patient_entered_in_error_complete"),
        ]
        indexes = [
            models.Index(fields=["family_name", "given_name"], name="patient_name_idx"),
        ]

    def __str__(self):
        return f"{self.family_name}, {self.given_name} ({self.mrn})"
