"""Fall events, assistive-device prescriptions, referrals with their status history, medication
events and exercise plans."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from patients.anatomy import MuscleGroup
from patients.models import (
    EARLIEST_CLINICAL_DATE,
    ClinicalRecord,
    ClinicalRecordQuerySet,
    RecordType,
    days_after,
)


class DeviceType(models.TextChoices):
    CANE = "cane"
    QUAD_CANE = "quad_cane", "Quad cane"
    CRUTCHES = "crutches"
    WALKER = "walker"
    ROLLATOR = "rollator"
    AFO = "afo", "Ankle-foot orthosis (AFO)"
    FES = "fes", "Functional electrical stimulation (FES)"
    WHEELCHAIR = "wheelchair"
    POWERED_WHEELCHAIR = "powered_wheelchair", "Powered wheelchair"
    GRAB_RAIL = "grab_rail", "Grab rail"
    SHOWER_CHAIR = "shower_chair", "Shower chair"
    OTHER = "other"


# ``device_in_use`` of a fall: a device type, or none.
NO_DEVICE = "none"
DEVICE_IN_USE_CHOICES = [(NO_DEVICE, "None"), *DeviceType.choices]


class Injury(models.TextChoices):
    NONE = "none"
    MINOR = "minor"
    MODERATE = "moderate"
    SEVERE = "severe"


class FallLocation(models.TextChoices):
    HOME = "home"
    OUTDOORS = "outdoors"
    COMMUNITY = "community"
    CLINIC = "clinic"
    OTHER = "other"


class ContributingFactor(models.TextChoices):
    FATIGUE = "fatigue"
    HEAT = "heat"
    SPASTICITY = "spasticity"
    WEAKNESS = "weakness"
    BALANCE = "balance"
    VISION = "vision"
    DIZZINESS = "dizziness"
    BLADDER_URGENCY = "bladder_urgency", "Bladder urgency"
    MEDICATION = "medication"
    ENVIRONMENT = "environment"
    OTHER = "other"


class FallSource(models.TextChoices):
    """Who recorded a fall: the clinic's staff, or the patient in their diary (SPEC §7)."""

    CLINIC = "clinic"
    DIARY = "diary", "The patient's diary"


class FallEvent(ClinicalRecord):
    record_type = RecordType(slug="fall", author_field="recorded_by", reminder_subject=True)
    Injury = Injury
    Location = FallLocation
    ContributingFactor = ContributingFactor
    Source = FallSource
    NO_DEVICE = NO_DEVICE

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="falls")
    occurred_at = models.DateTimeField()
    near_fall = models.BooleanField(
        default=False, help_text="A loss of balance that did not end on the ground."
    )
    injury = models.CharField(max_length=10, choices=Injury, default=Injury.NONE)
    location = models.CharField(max_length=10, choices=Location, default=Location.HOME)
    activity = models.CharField(max_length=200, blank=True)
    device_in_use = models.CharField(max_length=20, choices=DEVICE_IN_USE_CHOICES, default=NO_DEVICE)
    # A JSON list of ContributingFactor values: portable across SQLite and PostgreSQL.
    contributing_factors = models.JSONField(default=list, blank=True)
    medical_attention = models.BooleanField(default=False)
    notes = models.TextField(blank=True)
    source = models.CharField(max_length=10, choices=FallSource, default=FallSource.CLINIC)
    # The staff member who recorded it; none for a fall the patient recorded in their diary.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = ClinicalRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(injury__in=Injury.values), name="fall_injury_valid"),
            models.CheckConstraint(condition=Q(source__in=FallSource.values), name="fall_source_valid"),
            models.CheckConstraint(
                condition=(
                    Q(source=FallSource.CLINIC, recorded_by__isnull=False)
                    | Q(source=FallSource.DIARY, recorded_by__isnull=True)
                ),
                name="fall_recorded_by_staff_or_diary",
            ),
            models.CheckConstraint(condition=Q(location__in=FallLocation.values), name="fall_location_valid"),
            models.CheckConstraint(
                condition=Q(device_in_use__in=[NO_DEVICE, *DeviceType.values]),
                name="fall_device_in_use_valid",
            ),
            ClinicalRecord.entered_in_error_constraint(
                "fall_entered_in_error_complete", marked_by_patient=Q(source=FallSource.DIARY)
            ),
        ]
        indexes = [
            models.Index(fields=["patient", "-occurred_at"], name="fall_patient_occurred"),
            # A patient's falls in the window (fall risk, in lists, reports and the sweep), read
            # from the index alone: near-falls and records entered in error are not in it.
            models.Index(
                fields=["patient", "occurred_at", "injury"],
                condition=Q(entered_in_error_at__isnull=True, near_fall=False),
                name="fall_patient_window",
            ),
        ]

    def __str__(self):
        kind = "Near-fall" if self.near_fall else "Fall"
        return f"{kind} {self.occurred_at:%Y-%m-%d} — {self.patient}"

    def describe(self):
        kind = "Near-fall" if self.near_fall else "Fall"
        described = f"{kind} of {timezone.localtime(self.occurred_at):%d %b %Y %H:%M}"
        return f"{described} (from the patient's diary)" if self.from_diary else described

    @property
    def from_diary(self):
        return self.source == FallSource.DIARY

    @property
    def entered_by_patient(self):
        return self.from_diary


class DeviceSide(models.TextChoices):
    LEFT = "left"
    RIGHT = "right"
    BILATERAL = "bilateral"
    NA = "na", "Not applicable"


class DeviceStatus(models.TextChoices):
    ACTIVE = "active"
    DISCONTINUED = "discontinued"


# Worn or fitted on one leg or both: never "not applicable" (SPEC §2).
SIDED_DEVICE_TYPES = (DeviceType.AFO, DeviceType.FES)


class DevicePrescription(ClinicalRecord):
    record_type = RecordType(slug="device", author_field="prescribed_by", reminder_subject=True)
    Side = DeviceSide
    Status = DeviceStatus
    DAYS_TO_REVIEW = 90

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="devices")
    device_type = models.CharField(max_length=20, choices=DeviceType)
    side = models.CharField(max_length=10, choices=DeviceSide, default=DeviceSide.NA)
    prescribed_on = models.DateField()
    prescribed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(blank=True)
    review_due_on = models.DateField()
    status = models.CharField(max_length=15, choices=Status, default=Status.ACTIVE)
    discontinued_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = ClinicalRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-prescribed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(review_due_on__gte=F("prescribed_on")), name="device_review_after_prescription"
            ),
            models.CheckConstraint(
                condition=(
                    Q(status="active", discontinued_on__isnull=True)
                    | Q(status="discontinued", discontinued_on__isnull=False)
                ),
                name="device_discontinued_on_iff_discontinued",
            ),
            models.CheckConstraint(
                condition=Q(discontinued_on__isnull=True) | Q(discontinued_on__gte=F("prescribed_on")),
                name="device_discontinued_after_prescription",
            ),
            models.CheckConstraint(condition=Q(device_type__in=DeviceType.values), name="device_type_valid"),
            models.CheckConstraint(condition=Q(side__in=DeviceSide.values), name="device_side_valid"),
            models.CheckConstraint(
                condition=~Q(device_type__in=SIDED_DEVICE_TYPES, side=DeviceSide.NA),
                name="device_afo_fes_has_side",
            ),
            models.CheckConstraint(
                condition=Q(prescribed_on__gte=EARLIEST_CLINICAL_DATE), name="device_prescribed_from_1900"
            ),
            ClinicalRecord.entered_in_error_constraint("device_entered_in_error_complete"),
        ]
        indexes = [models.Index(fields=["status", "review_due_on"], name="device_status_review")]

    def __str__(self):
        return f"{self.get_device_type_display()} ({self.side}) — {self.patient}"

    def describe(self):
        return f"{self.get_device_type_display()} prescribed {self.prescribed_on:%d %b %Y}"

    @classmethod
    def default_review_due_on(cls, prescribed_on):
        return days_after(prescribed_on, cls.DAYS_TO_REVIEW)


class DeviceReview(ClinicalRecord):
    """A review of an assistive device; it sets the prescription's next review date.

    A record of its own rather than an append-only row like a referral's status move: a person
    enters it, with a note, and it can be wrong in itself — recorded against the wrong device,
    say. SPEC §2 lists device reviews among the records marked entered in error; marked so, the
    review gives the prescription back the review date it had before (``mark_entered_in_error``).
    """

    clinic_lookup = "device__patient__clinic"
    record_type = RecordType(
        slug="device_review", author_field="reviewed_by", patient_lookup="device__patient"
    )

    device = models.ForeignKey(DevicePrescription, on_delete=models.PROTECT, related_name="reviews")
    reviewed_on = models.DateField()
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)
    next_review_due_on = models.DateField()
    # The prescription's review date before this review: what marking it entered in error puts back.
    previous_review_due_on = models.DateField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()
    objects = ClinicalRecordQuerySet.as_manager()

    class Meta:
        ordering = ["reviewed_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(next_review_due_on__gte=F("reviewed_on")), name="device_review_next_after_review"
            ),
            models.CheckConstraint(
                condition=Q(reviewed_on__gte=EARLIEST_CLINICAL_DATE), name="device_review_from_1900"
            ),
            ClinicalRecord.entered_in_error_constraint("device_review_entered_in_error_complete"),
        ]

    def __str__(self):
        return f"Review {self.reviewed_on} — {self.device}"

    def describe(self):
        return f"{self.device.get_device_type_display()} reviewed {self.reviewed_on:%d %b %Y}"

    def mark_entered_in_error(self, *, by, reason):
        """Also put the prescription's review date back as it was before this review, unless
        something has moved it since (a later review or an edit of the prescription)."""
        super().mark_entered_in_error(by=by, reason=reason)
        device = DevicePrescription.objects.select_for_update().get(pk=self.device_id)
        unmoved = (
            device.review_due_on == self.next_review_due_on
            and not device.reviews.valid().filter(pk__gt=self.pk).exists()
        )
        before = self._review_due_before()
        # An edit may have moved the prescription date past the old review date since.
        if unmoved and before >= device.prescribed_on:
            device.review_due_on = before
            device._history_user = by
            device.save(update_fields=["review_due_on", "updated_at"])

    def _review_due_before(self):
        """The prescription's review date before this review — and before the reviews just
        ahead of it that set that date and are entered in error too."""
        day = self.previous_review_due_on
        for earlier in DeviceReview.objects.filter(device_id=self.device_id, pk__lt=self.pk).order_by("-pk"):
            if not (earlier.entered_in_error and earlier.next_review_due_on == day):
                break
            day = earlier.previous_review_due_on
        return day


class ReferralService(models.TextChoices):
    PHYSIOTHERAPY = "physiotherapy"
    OCCUPATIONAL_THERAPY = "occupational_therapy", "Occupational therapy"
    GP = "gp", "GP"
    NEUROLOGY = "neurology"
    MS_NURSE = "ms_nurse", "MS nurse"
    CONTINENCE = "continence"
    ORTHOTICS = "orthotics"
    OTHER = "other"


class Urgency(models.TextChoices):
    ROUTINE = "routine"
    URGENT = "urgent"


class ReferralStatus(models.TextChoices):
    DRAFT = "draft"
    SENT = "sent"
    ACCEPTED = "accepted"
    SEEN = "seen"
    CLOSED = "closed"
    DECLINED = "declined"
    CANCELLED = "cancelled"


class Referral(ClinicalRecord):
    record_type = RecordType(slug="referral", author_field="created_by", reminder_subject=True)
    Service = ReferralService
    Urgency = Urgency
    Status = ReferralStatus

    # SPEC §2: the only moves a referral's status may make.
    ALLOWED_TRANSITIONS = {
        Status.DRAFT: {Status.SENT, Status.DECLINED, Status.CANCELLED},
        Status.SENT: {Status.ACCEPTED, Status.DECLINED, Status.CANCELLED},
        Status.ACCEPTED: {Status.SEEN, Status.DECLINED, Status.CANCELLED},
        Status.SEEN: {Status.CLOSED},
        Status.CLOSED: set(),
        Status.DECLINED: set(),
        Status.CANCELLED: set(),
    }
    DAYS_TO_DUE = {Urgency.URGENT: 14, Urgency.ROUTINE: 42}

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="referrals")
    to_service = models.CharField(max_length=25, choices=Service)
    reason = models.TextField()
    urgency = models.CharField(max_length=10, choices=Urgency, default=Urgency.ROUTINE)
    referred_on = models.DateField()
    due_by = models.DateField(
        blank=True, help_text="Defaults to 14 days after referral if urgent, 42 if routine."
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = ClinicalRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-referred_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_by__gte=F("referred_on")), name="referral_due_after_referral"
            ),
            models.CheckConstraint(
                condition=Q(to_service__in=ReferralService.values), name="referral_service_valid"
            ),
            models.CheckConstraint(condition=Q(urgency__in=Urgency.values), name="referral_urgency_valid"),
            models.CheckConstraint(
                condition=Q(referred_on__gte=EARLIEST_CLINICAL_DATE), name="referral_referred_from_1900"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReferralStatus.values), name="referral_status_valid"
            ),
            ClinicalRecord.entered_in_error_constraint("referral_entered_in_error_complete"),
        ]
        indexes = [models.Index(fields=["status", "due_by"], name="referral_status_due")]

    def __str__(self):
        return f"Referral to {self.get_to_service_display()} ({self.status}) — {self.patient}"

    def describe(self):
        return f"Referral to {self.get_to_service_display()} of {self.referred_on:%d %b %Y}"

    @classmethod
    def default_due_by(cls, referred_on, urgency):
        return days_after(referred_on, cls.DAYS_TO_DUE[urgency])

    def save(self, *args, **kwargs):
        # The one place the default is set: a referral saved without a due date gets it.
        if self.due_by is None and self.referred_on is not None:
            self.due_by = self.default_due_by(self.referred_on, self.urgency)
        super().save(*args, **kwargs)

    def can_move_to(self, status):
        return status in self.ALLOWED_TRANSITIONS[self.Status(self.status)]


class ReferralStatusChange(models.Model):
    """One move of a referral's status: who, when, from and to."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(max_length=10, choices=Referral.Status, blank=True)
    to_status = models.CharField(max_length=10, choices=Referral.Status)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["changed_at", "id"]
        indexes = [
            # A referral's first move to a status (reports: days from sent to seen).
            models.Index(fields=["referral", "to_status", "changed_at"], name="status_change_first_move"),
        ]

    def __str__(self):
        return f"{self.from_status or '—'} → {self.to_status}"


class DrugClass(models.TextChoices):
    ANTISPASTICITY = "antispasticity"  # can itself add to weakness (SPEC §1)
    WALKING = "walking"
    OTHER = "other"


class Drug(models.TextChoices):
    """The catalogue of medicines that matter to strength and walking (SPEC §2 Medication event)."""

    BACLOFEN = "baclofen"
    BACLOFEN_INTRATHECAL = "baclofen_intrathecal", "Baclofen (intrathecal)"
    TIZANIDINE = "tizanidine"
    DIAZEPAM = "diazepam"
    CLONAZEPAM = "clonazepam"
    DANTROLENE = "dantrolene"
    GABAPENTIN = "gabapentin"
    BOTULINUM_TOXIN = "botulinum_toxin", "Botulinum toxin"
    NABIXIMOLS = "nabiximols"
    FAMPRIDINE = "fampridine"
    OTHER = "other"


# Each drug's class, once: the rules read it (rule 16), as do the reports.
DRUG_CLASS = {
    **{
        drug: DrugClass.ANTISPASTICITY
        for drug in (
            Drug.BACLOFEN,
            Drug.BACLOFEN_INTRATHECAL,
            Drug.TIZANIDINE,
            Drug.DIAZEPAM,
            Drug.CLONAZEPAM,
            Drug.DANTROLENE,
            Drug.GABAPENTIN,
            Drug.BOTULINUM_TOXIN,
            Drug.NABIXIMOLS,
        )
    },
    Drug.FAMPRIDINE: DrugClass.WALKING,
    Drug.OTHER: DrugClass.OTHER,
}
ANTISPASTICITY_DRUGS = tuple(
    drug for drug, drug_class in DRUG_CLASS.items() if drug_class == DrugClass.ANTISPASTICITY
)


class MedicationEventKind(models.TextChoices):
    START = "start"
    INCREASE = "increase"
    DECREASE = "decrease"
    STOP = "stop"


class MedicationEvent(ClinicalRecord):
    """A start, change or stop of a medicine that matters to strength or walking."""

    record_type = RecordType(slug="medication", author_field="recorded_by")
    Drug = Drug
    Event = MedicationEventKind

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="medication_events"
    )
    drug = models.CharField(max_length=25, choices=Drug)
    drug_name = models.CharField(
        max_length=200, blank=True, help_text="The medicine's name: required for other, empty otherwise."
    )
    event = models.CharField(max_length=10, choices=MedicationEventKind)
    occurred_on = models.DateField()
    dose = models.CharField(max_length=200, blank=True, help_text='Such as "10 mg three times a day".')
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = ClinicalRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(drug__in=Drug.values), name="medication_drug_valid"),
            models.CheckConstraint(
                condition=Q(event__in=MedicationEventKind.values), name="medication_event_valid"
            ),
            models.CheckConstraint(
                condition=(Q(drug=Drug.OTHER) & ~Q(drug_name="")) | (~Q(drug=Drug.OTHER) & Q(drug_name="")),
                name="medication_drug_name_iff_other",
            ),
            models.CheckConstraint(
                condition=Q(occurred_on__gte=EARLIEST_CLINICAL_DATE), name="medication_occurred_from_1900"
            ),
            ClinicalRecord.entered_in_error_constraint("medication_entered_in_error_complete"),
        ]
        indexes = [models.Index(fields=["patient", "occurred_on"], name="medication_patient_occurred")]

    def __str__(self):
        return f"{self.name} {self.event} {self.occurred_on} — {self.patient}"

    @property
    def name(self):
        """The drug as a person reads it: its catalogue name, or for other the name given."""
        return self.drug_name if self.drug == Drug.OTHER else self.get_drug_display()

    def describe(self):
        return f"{self.name} {self.event} of {self.occurred_on:%d %b %Y}"


class PlanSide(models.TextChoices):
    LEFT = "left"
    RIGHT = "right"
    BOTH = "both"  # covers left and right


class PlanKind(models.TextChoices):
    PROGRESSIVE_RESISTANCE = "progressive_resistance", "Progressive resistance"
    MAINTENANCE = "maintenance"
    STRETCHING = "stretching"
    BALANCE = "balance"
    AEROBIC = "aerobic"


class PlanStatus(models.TextChoices):
    ACTIVE = "active"
    ENDED = "ended"


class ExercisePlan(ClinicalRecord):
    """An exercise programme for one muscle group on one side or both, prescribed by a physio."""

    record_type = RecordType(slug="exercise_plan", author_field="prescribed_by", reminder_subject=True)
    Side = PlanSide
    Kind = PlanKind
    Status = PlanStatus
    DAYS_TO_REVIEW = 42

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="exercise_plans")
    muscle_group = models.CharField(max_length=24, choices=MuscleGroup)
    side = models.CharField(max_length=5, choices=PlanSide)
    kind = models.CharField(max_length=25, choices=PlanKind)
    prescription = models.TextField(blank=True, help_text="Load, sets, repetitions, frequency, progression.")
    started_on = models.DateField()
    review_on = models.DateField()
    status = models.CharField(max_length=10, choices=PlanStatus, default=PlanStatus.ACTIVE)
    ended_on = models.DateField(null=True, blank=True)
    prescribed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = ClinicalRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-started_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(muscle_group__in=MuscleGroup.values), name="plan_muscle_group_valid"
            ),
            models.CheckConstraint(condition=Q(side__in=PlanSide.values), name="plan_side_valid"),
            models.CheckConstraint(condition=Q(kind__in=PlanKind.values), name="plan_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=PlanStatus.values), name="plan_status_valid"),
            models.CheckConstraint(
                condition=Q(review_on__gte=F("started_on")), name="plan_review_after_start"
            ),
            models.CheckConstraint(
                condition=(
                    Q(status=PlanStatus.ACTIVE, ended_on__isnull=True)
                    | Q(status=PlanStatus.ENDED, ended_on__isnull=False)
                ),
                name="plan_ended_on_iff_ended",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="plan_ended_after_start",
            ),
            models.CheckConstraint(
                condition=Q(started_on__gte=EARLIEST_CLINICAL_DATE), name="plan_started_from_1900"
            ),
            ClinicalRecord.entered_in_error_constraint("plan_entered_in_error_complete"),
        ]
        indexes = [models.Index(fields=["status", "review_on"], name="plan_status_review")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.muscle_group} ({self.side}) — {self.patient}"

    def describe(self):
        return f"{self.get_kind_display()} plan for {self.get_muscle_group_display()} ({self.side}) from {self.started_on:%d %b %Y}"

    @classmethod
    def default_review_on(cls, started_on):
        return days_after(started_on, cls.DAYS_TO_REVIEW)
