"""MMT assessments and their scores: one grade per muscle group and side."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, ExpressionWrapper, F, OuterRef, Q, Subquery, Sum
from simple_history.models import HistoricalRecords

from patients.clock import clinic_date
from patients.models import (
    EARLIEST_CLINICAL_DATE,
    TEXT_MAX_LENGTH,
    ClinicalRecord,
    ClinicalRecordQuerySet,
    ClinicScopedQuerySet,
    RecordType,
)

from .grades import MRC_SUM_GROUPS, MASGrade, MRCGrade, MuscleGroup, Side, WeaknessType


class AssessmentQuerySet(ClinicalRecordQuerySet):
    def with_mrc_sum(self):
        """Annotate ``mrc_sum_score`` in the database, exactly as ``grades.mrc_sum_score`` computes it.

        A correlated subquery rather than a join and GROUP BY over every score: a page of a
        list sums only the scores of its own rows, and a count ignores it altogether.
        """
        whole_grade = ExpressionWrapper((F("grade") + 1) / 3, output_field=models.IntegerField())
        items = len(MRC_SUM_GROUPS) * 2
        mrc_sum = (
            MuscleScore.objects.filter(assessment=OuterRef("pk"), muscle_group__in=MRC_SUM_GROUPS)
            .order_by()
            .values("assessment")
            .annotate(_items=Count("pk"), _total=Sum(whole_grade))
            .annotate(
                mrc_sum=models.Case(
                    models.When(_items=items, then=F("_total")),
                    default=None,
                    output_field=models.IntegerField(),
                )
            )
            .values("mrc_sum")
        )
        return self.annotate(mrc_sum_score=Subquery(mrc_sum, output_field=models.IntegerField()))

    def latest_first(self):
        """Newest first: by date, and of two on the same day the one recorded last."""
        return self.order_by("-assessed_on", "-id")


# The timed 25-foot walk in seconds: the test protocol stops at 180 s, and under a second is a typo.
T25FW_SECONDS = (Decimal("1.0"), Decimal("180.0"))
T25FW_RANGE_MESSAGE = "The timed 25-foot walk is from 1.0 to 180.0 seconds (the test stops at 180 s)."


class Assessment(ClinicalRecord):
    record_type = RecordType(slug="assessment", author_field="assessor", reminder_subject=True)
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="assessments")
    assessed_on = models.DateField()
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    notes = models.TextField(blank=True)
    edss = models.DecimalField(
        "EDSS",
        max_digits=3,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
    )
    timed_25ft_walk_seconds = models.DecimalField(
        "timed 25-foot walk (s)",
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[
            MinValueValidator(T25FW_SECONDS[0], message=T25FW_RANGE_MESSAGE),
            MaxValueValidator(T25FW_SECONDS[1], message=T25FW_RANGE_MESSAGE),
        ],
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-assessed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(edss__isnull=True) | Q(edss__gte=0, edss__lte=10),
                name="assessment_edss_0_to_10",
            ),
            # EDSS moves in half steps: twice the score is a whole number.
            models.CheckConstraint(
                condition=Q(edss__isnull=True) | Q(edss__in=[x / 2 for x in range(21)]),
                name="assessment_edss_half_steps",
            ),
            models.CheckConstraint(
                condition=Q(timed_25ft_walk_seconds__isnull=True)
                | Q(
                    timed_25ft_walk_seconds__gte=T25FW_SECONDS[0],
                    timed_25ft_walk_seconds__lte=T25FW_SECONDS[1],
                ),
                name="assessment_t25fw_1_to_180",
            ),
            models.CheckConstraint(
                condition=Q(assessed_on__gte=EARLIEST_CLINICAL_DATE), name="assessment_assessed_from_1900"
            ),
            ClinicalRecord.entered_in_error_constraint("assessment_entered_in_error_complete"),
        ]
        indexes = [
            models.Index(fields=["patient", "-assessed_on", "-id"], name="assessment_patient_latest"),
            # A patient's latest valid assessment (follow-up, caseload, the sweep), read from the
            # index alone: the entered-in-error check needs no visit to the table.
            models.Index(
                fields=["patient", "-assessed_on", "-id"],
                condition=Q(entered_in_error_at__isnull=True),
                name="assessment_patient_latest_ok",
            ),
        ]

    def __str__(self):
        return f"MMT {self.assessed_on} — {self.patient}"

    def describe(self):
        return f"Assessment of {self.assessed_on:%d %b %Y}"


class MuscleScore(models.Model):
    clinic_lookup = "assessment__patient__clinic"

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="scores")
    muscle_group = models.CharField(max_length=24, choices=MuscleGroup)
    side = models.CharField(max_length=5, choices=Side)
    grade = models.PositiveSmallIntegerField(choices=MRCGrade, help_text="MRC grade, stored in thirds")
    weakness_type = models.CharField(max_length=10, choices=WeaknessType, default=WeaknessType.UNKNOWN)

    history = HistoricalRecords()
    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        ordering = ["assessment", "muscle_group", "side"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "muscle_group", "side"], name="one_score_per_muscle_side"
            ),
            models.CheckConstraint(condition=Q(grade__in=MRCGrade.values), name="score_grade_on_scale"),
            models.CheckConstraint(
                condition=Q(muscle_group__in=MuscleGroup.values), name="score_muscle_group_valid"
            ),
            models.CheckConstraint(condition=Q(side__in=Side.values), name="score_side_valid"),
            models.CheckConstraint(
                condition=Q(weakness_type__in=WeaknessType.values), name="score_weakness_type_valid"
            ),
        ]

    def __str__(self):
        return f"{self.get_muscle_group_display()} {self.side}: {MRCGrade(self.grade).label}"


class SpasticityScore(models.Model):
    """The Modified Ashworth score of one muscle group and side in an assessment (optional)."""

    clinic_lookup = "assessment__patient__clinic"

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="spasticity")
    muscle_group = models.CharField(max_length=24, choices=MuscleGroup)
    side = models.CharField(max_length=5, choices=Side)
    mas = models.PositiveSmallIntegerField(
        "MAS", choices=MASGrade, help_text="Modified Ashworth score, stored as its step (0–5)"
    )

    history = HistoricalRecords()
    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        ordering = ["assessment", "muscle_group", "side"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "muscle_group", "side"], name="one_spasticity_per_muscle_side"
            ),
            models.CheckConstraint(condition=Q(mas__in=MASGrade.values), name="spasticity_mas_on_scale"),
            models.CheckConstraint(
                condition=Q(muscle_group__in=MuscleGroup.values), name="spasticity_muscle_group_valid"
            ),
            models.CheckConstraint(condition=Q(side__in=Side.values), name="spasticity_side_valid"),
        ]

    def __str__(self):
        return f"{self.get_muscle_group_display()} {self.side}: MAS {MASGrade(self.mas).label}"


class TrendReview(ClinicalRecord):
    """A clinician's sign-off that they have looked at a patient's findings (SPEC §2 Trend review).

    ``assessment`` is the patient's latest assessment when the review was made (set by the
    service, never by the client). Reviews are never changed; a mistaken one is marked entered
    in error.
    """

    record_type = RecordType(slug="trend_review", author_field="reviewed_by")

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="trend_reviews")
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="reviews")
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(validators=[MaxLengthValidator(TEXT_MAX_LENGTH)])

    history = HistoricalRecords()
    objects = ClinicalRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-reviewed_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(note=""), name="trend_review_note_required"),
            ClinicalRecord.entered_in_error_constraint("trend_review_entered_in_error_complete"),
        ]
        indexes = [
            models.Index(
                fields=["assessment"],
                condition=Q(entered_in_error_at__isnull=True),
                name="trend_review_valid_assessment",
            )
        ]

    def __str__(self):
        return f"Review {self.reviewed_at:%Y-%m-%d} — {self.patient}"

    def describe(self):
        return f"Trend review of {clinic_date(self.reviewed_at):%d %b %Y}"
