"""Clinics, staff membership and roles, patients, and what every clinical record shares.

Every clinical record belongs to one clinic, either directly (a patient) or through its
patient. ``ClinicalRecordQuerySet.visible_to(user)`` is the one place that scopes records
to the clinics a user belongs to; ``ClinicalRecord`` carries the entered-in-error marking
that replaces deletion, and each kind declares its ``RecordType``.

This is the ground floor: it imports no other app of the project.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from functools import reduce

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from .signals import record_entered_in_error


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
        patient = self.model.record_type.patient_lookup
        if patient is None:
            return self.valid()
        return self.valid().filter(**{f"{patient}__entered_in_error_at__isnull": True})


# Free text is bounded so that no request can store megabytes in a note (the API and the pages alike).
TEXT_MAX_LENGTH = 10_000
# SPEC §2 "Plausible input": no clinical date before this one (a year typed as 0202 for 2020).
EARLIEST_CLINICAL_DATE = date(1900, 1, 1)


def days_after(day, days):
    """``day`` + ``days``, or the last date there is: a start date that late is refused as in the
    future anyway, and the default follow-up worked out on the way must not crash (a 500)."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max


@dataclass(frozen=True)
class RecordType:
    """What a kind of clinical record declares about itself, once, on its model.

    ``slug`` names it in URLs (``records/<slug>/<id>/entered-in-error/``) and, for a reminder
    subject, is the name of the reminder's foreign key to it. ``author_field`` is the user
    who entered it — the one whose mistake it may be; ``None`` for a patient, whose author is
    the user of their first history row. ``patient_lookup`` is the path to the patient, as in
    a query (``"device__patient"`` for a record that belongs to a device; ``None`` for a patient). ``reminder_subject``: a reminder may be about one such record.
    """

    slug: str
    author_field: str | None
    patient_lookup: str | None = "patient"
    reminder_subject: bool = False


class ClinicalRecord(models.Model):
    """A record that is never deleted: a mistake is marked entered-in-error (who, when, why).

    Every concrete subclass declares its ``record_type`` and how it reads in a sentence
    (``describe``); ``patients.records`` finds them all.
    """

    # The path from this model to its clinic, used by ``visible_to``.
    clinic_lookup = "patient__clinic"
    record_type: RecordType
    ENTERED_IN_ERROR_FIELDS = ("entered_in_error_at", "entered_in_error_by", "entered_in_error_reason")

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
    def entered_in_error_constraint(cls, name, *, marked_by_patient=None):
        """Who, when and why are set together, or not at all.

        ``marked_by_patient``: where this condition holds, the record may be marked without a
        staff member (a fall the patient took back out of their diary).
        """
        marked_by = Q(entered_in_error_by__isnull=False)
        if marked_by_patient is not None:
            marked_by |= marked_by_patient
        return models.CheckConstraint(
            condition=(
                Q(entered_in_error_at__isnull=True, entered_in_error_reason="")
                | (Q(entered_in_error_at__isnull=False) & marked_by & ~Q(entered_in_error_reason=""))
            ),
            name=name,
        )

    @property
    def patient_record(self):
        """The patient this record is about (the record itself for a patient)."""
        lookup = self.record_type.patient_lookup
        return reduce(getattr, lookup.split("__"), self) if lookup else self

    @property
    def patient_record_id(self):
        lookup = self.record_type.patient_lookup
        if lookup is None:
            return self.pk
        *path, patient = lookup.split("__")
        return getattr(reduce(getattr, path, self), f"{patient}_id")

    def entered_by_id(self):
        """The id of the user who entered this record (``None`` for one the patient entered)."""
        return getattr(self, f"{self.record_type.author_field}_id")

    @property
    def entered_by_patient(self):
        """Whether the patient entered this record themselves (in their diary), not a staff member."""
        return False

    def describe(self):
        """The record in a few words, for a page that names it ("Fall of 3 Mar 2026 14:05")."""
        raise NotImplementedError

    def mark_entered_in_error(self, *, by, reason):
        self.entered_in_error_at = timezone.now()
        self.entered_in_error_by = by
        self.entered_in_error_reason = reason
        self.save(update_fields=self.ENTERED_IN_ERROR_FIELDS)
        record_entered_in_error.send(sender=type(self), record=self)


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
    record_type = RecordType(slug="patient", author_field=None, patient_lookup=None)

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
    objects = ClinicalRecordQuerySet.as_manager()

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

    def describe(self):
        return f"Patient {self.given_name} {self.family_name} ({self.mrn})"

    def entered_by_id(self):
        """A patient has no author field: the user who registered them wrote their first history row."""
        first = self.history.order_by("history_date", "history_id").first()
        return first.history_user_id if first else None
