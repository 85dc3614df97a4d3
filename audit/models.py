"""The access log (SPEC §5, HIPAA 164.312(b) audit controls): who read which patients' data.

An ``AccessRecord`` is one request that read patient data: who, when, how (``action``), with
what parameters and from which address. What it read are its ``subjects``: a row per patient
(with the patient's clinic), or a row per clinic for a report, which reads a clinic's figures
rather than named patients. A table of subjects rather than a list of ids on the record: an
index on (patient, record) answers "who looked at this patient" from the index on PostgreSQL and
SQLite alike, and the clinic on each row scopes a clinic admin's view without a join.

Records are only ever added. The models refuse to change or delete one, and so do their
querysets; on PostgreSQL a trigger (migration 0002) refuses UPDATE and DELETE on both tables.
"""

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils import timezone


class AccessAction(models.TextChoices):
    PATIENT_READ = "patient_read", "Read a patient's record"
    PATIENT_LIST = "patient_list", "Listed patients"
    DASHBOARD = "dashboard", "Opened the patient's page"
    TRENDS = "trends", "Read the strength trends"
    REPORT = "report", "Ran a report"
    EXPORT = "export", "Exported a report as CSV"
    FHIR_READ = "fhir_read", "Read through FHIR"
    FHIR_SEARCH = "fhir_search", "Searched through FHIR"
    FHIR_EXPORT = "fhir_export", "Exported through FHIR"
    DIARY = "diary", "The patient used their diary"


class AccessRecordIsFinal(Exception):
    """An access record, once written, is never changed or deleted."""


class AppendOnlyQuerySet(models.QuerySet):
    """Rows are added, never changed or deleted, in bulk as one at a time."""

    def update(self, **kwargs):
        raise AccessRecordIsFinal("Access records are never changed.")

    def delete(self):
        raise AccessRecordIsFinal("Access records are never deleted.")


class AppendOnly(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AccessRecordIsFinal("Access records are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AccessRecordIsFinal("Access records are never deleted.")


class AccessRecordQuerySet(AppendOnlyQuerySet):
    def about_clinics(self, clinic_ids):
        """Records that read a patient of these clinics, or one of these clinics' reports."""
        return self.filter(
            Exists(AccessRecordSubject.objects.filter(record=OuterRef("pk"), clinic_id__in=clinic_ids))
        )

    def about_patient(self, patient_id):
        """Records that read this patient: from the (patient, record) index."""
        return self.filter(
            pk__in=AccessRecordSubject.objects.filter(patient_id=patient_id).values("record_id")
        )

    def by_username(self, username):
        """Records of the user with this name, then or now (a user may have been renamed since)."""
        return self.filter(Q(username=username) | Q(user__username=username))

    def newest_first(self):
        return self.order_by("-at", "-id")

    def with_patient_ids(self, clinic_ids=None):
        """Each record's ``patient_ids``: the patients it read, only those of ``clinic_ids`` if given
        (a superuser's list may span clinics; another clinic's patients are not its admin's business)."""
        subjects = AccessRecordSubject.objects.filter(patient__isnull=False).order_by("patient_id")
        if clinic_ids is not None:
            subjects = subjects.filter(clinic_id__in=clinic_ids)
        return self.prefetch_related(Prefetch("subjects", queryset=subjects, to_attr="patient_subjects"))


class AccessRecord(AppendOnly):
    Action = AccessAction

    # Null for a read without a staff account (the patient's diary); PROTECT: a user who has
    # read patient data is deactivated, never deleted, so the log keeps pointing at them.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The username at the time, so the record reads the same after the user is renamed.
    username = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=20, choices=AccessAction)
    # The request's query parameters (a list where a name is repeated); a report's name is
    # added under "report".
    query = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    objects = AccessRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(action__in=AccessAction.values), name="access_action_valid"),
        ]

    def __str__(self):
        return f"{self.username or 'diary'} {self.action} at {self.at:%Y-%m-%d %H:%M:%S}"

    @property
    def patient_ids(self):
        """The ids of the patients read, as ``with_patient_ids`` loaded them."""
        return [subject.patient_id for subject in self.patient_subjects]


class AccessRecordSubject(AppendOnly):
    """What one access record read: a patient of a clinic, or (``patient`` null) a clinic's report."""

    # Indexed by the unique constraint below, which starts with it.
    record = models.ForeignKey(
        AccessRecord, on_delete=models.PROTECT, related_name="subjects", db_index=False
    )
    clinic = models.ForeignKey("patients.Clinic", on_delete=models.PROTECT, related_name="+")
    # Indexed with the record below: "who looked at this patient" reads the index alone.
    patient = models.ForeignKey(
        "patients.Patient", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["patient", "record"], name="access_subject_patient_idx")]
        constraints = [
            models.UniqueConstraint(fields=["record", "patient"], name="access_subject_patient_once"),
        ]

    def __str__(self):
        return f"patient {self.patient_id}" if self.patient_id else f"clinic {self.clinic_id}"
