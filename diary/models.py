"""The patient diary (SPEC §7): the links patients open it with, and the day entries they keep.

A link's secret is never stored: only its SHA-256, which is enough for a 256-bit random secret
(nothing to guess, so no salt or slow hash is needed) and lets a request find its link by index.
Falls and near-falls a patient records are ``care.FallEvent`` rows with ``source = diary``
dated on the entry's day; the entry holds the rest of the day.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from patients.models import ClinicalRecord, ClinicalRecordQuerySet, ClinicScopedQuerySet, RecordType


class LinkEnd(models.TextChoices):
    REPLACED = "replaced", "A new link was issued"
    REVOKED = "revoked", "Revoked"
    DISCHARGED = "discharged", "The patient was discharged"
    ENTERED_IN_ERROR = "entered_in_error", "The patient record was marked entered in error"


class DiaryLinkQuerySet(ClinicScopedQuerySet):
    def open(self):
        """Links not ended by anyone (an open link may still have expired)."""
        return self.filter(ended_at__isnull=True)

    def usable(self, today):
        """Open links, not expired, of active patients not entered in error: the ones that open a diary."""
        return self.open().filter(
            expires_on__gt=today,
            patient__status="active",
            patient__entered_in_error_at__isnull=True,
        )


class DiaryLink(models.Model):
    """A link a patient opens their diary with; at most one open link per patient."""

    clinic_lookup = "patient__clinic"
    DAYS_VALID = 120
    End = LinkEnd

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="diary_links")
    secret_hash = models.CharField(max_length=64, unique=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(auto_now_add=True)
    # The first clinic-local date on which the link no longer opens the diary.
    expires_on = models.DateField()
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    end_reason = models.CharField(max_length=20, choices=LinkEnd, blank=True)

    objects = DiaryLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"], condition=Q(ended_at__isnull=True), name="diary_one_open_link_per_patient"
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True, end_reason="")
                | (Q(ended_at__isnull=False) & ~Q(end_reason="")),
                name="diary_link_end_complete",
            ),
        ]

    def __str__(self):
        return f"Diary link of patient {self.patient_id}, issued {self.issued_at:%Y-%m-%d}"


class DiaryEntryQuerySet(ClinicalRecordQuerySet):
    def in_days(self, first, last):
        return self.filter(day__gte=first, day__lte=last)


class DiaryEntry(ClinicalRecord):
    """One day of a patient's diary: fatigue, heat, spasms and the exercise plans done.

    ``exercises`` is ``[{"plan": id, "done": bool}]``, one per exercise plan active that day
    (JSON: the plans asked change over time, and the history keeps what was asked). ``revision``
    counts the patient's saves, so that a form sent twice, or from an older page, changes nothing.
    """

    record_type = RecordType(slug="diary_entry", author_field=None)
    SCALE_MAX = 10

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="diary_entries")
    day = models.DateField()
    link = models.ForeignKey(DiaryLink, on_delete=models.PROTECT, related_name="entries")
    fatigue = models.PositiveSmallIntegerField(validators=[MaxValueValidator(SCALE_MAX)])
    heat_worse = models.BooleanField(help_text="Symptoms were worse in the heat.")
    spasms = models.PositiveSmallIntegerField(validators=[MaxValueValidator(SCALE_MAX)])
    exercises = models.JSONField(default=list, blank=True)
    revision = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = DiaryEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-day", "-id"]
        verbose_name_plural = "diary entries"
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "day"],
                condition=Q(entered_in_error_at__isnull=True),
                name="diary_one_entry_per_day",
            ),
            models.CheckConstraint(condition=Q(fatigue__lte=10), name="diary_fatigue_0_to_10"),
            models.CheckConstraint(condition=Q(spasms__lte=10), name="diary_spasms_0_to_10"),
            ClinicalRecord.entered_in_error_constraint("diary_entry_entered_in_error_complete"),
        ]

    def __str__(self):
        return f"Diary {self.day:%Y-%m-%d} — patient {self.patient_id}"

    def describe(self):
        return f"Diary entry of {self.day:%d %b %Y}"

    def entered_by_id(self):
        return None

    @property
    def entered_by_patient(self):
        return True
