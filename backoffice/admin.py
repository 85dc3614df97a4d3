"""The admin's pages for the clinic's models; who may do what there is ``backoffice.scoping``."""

from django.contrib import admin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from assessments.grades import MRCGrade
from assessments.models import Assessment, MuscleScore
from audit.models import AccessRecord
from care.models import DevicePrescription, DeviceReview, FallEvent, Referral, ReferralStatusChange
from patients import policy
from patients.models import Clinic, Patient, StaffMembership
from reminders.models import Reminder

from .scoping import (
    ClinicalAdminMixin,
    ClinicalHistoryAdmin,
    ClinicalInline,
    ScopedAdminMixin,
    SuperuserOnlyMixin,
)


class EnteredInErrorFilter(admin.SimpleListFilter):
    title = "entered in error"
    parameter_name = "entered_in_error"

    def lookups(self, request, model_admin):
        return [("no", "No"), ("yes", "Yes")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(entered_in_error_at__isnull=self.value() == "no")
        return queryset


# Clinics, staff and patients ------------------------------------------------------------------


class StaffMembershipInline(SuperuserOnlyMixin, admin.TabularInline):
    model = StaffMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Clinic)
class ClinicAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Superusers manage clinics and their staff; a clinic admin looks at their own clinics."""

    list_display = ["code", "name"]
    search_fields = ["code", "name"]
    inlines = [StaffMembershipInline]

    def get_queryset(self, request):
        return super().get_queryset(request).of(request.user)


@admin.register(Patient)
class PatientAdmin(ClinicalHistoryAdmin):
    list_display = ["mrn", "family_name", "given_name", "clinic", "ms_type", "status", "date_of_birth"]
    list_filter = ["clinic", "status", "ms_type", "sex", EnteredInErrorFilter]
    search_fields = ["mrn", "family_name", "given_name"]
    list_select_related = ["clinic"]
    fieldsets = [
        (None, {"fields": ["clinic", "mrn", ("given_name", "family_name"), ("date_of_birth", "sex")]}),
        ("MS", {"fields": ["ms_type", "diagnosis_date", "status", "reassessment_interval_weeks"]}),
        ("Record", {"fields": ["created_at", "updated_at", *Patient.ENTERED_IN_ERROR_FIELDS]}),
    ]


# Assessments ----------------------------------------------------------------------------------


class MuscleScoreInline(ClinicalInline):
    model = MuscleScore


@admin.register(Assessment)
class AssessmentAdmin(ClinicalHistoryAdmin):
    list_display = ["patient", "assessed_on", "assessor", "mrc_sum_score", "edss", "timed_25ft_walk_seconds"]
    list_filter = ["patient__clinic", "assessor", "assessed_on", EnteredInErrorFilter]
    search_fields = ["patient__mrn", "patient__family_name", "patient__given_name"]
    date_hierarchy = "assessed_on"
    list_select_related = ["patient", "assessor"]
    inlines = [MuscleScoreInline]

    def get_queryset(self, request):
        return super().get_queryset(request).with_mrc_sum()

    @admin.display(description="MRC sum", ordering="mrc_sum_score")
    def mrc_sum_score(self, obj):
        return obj.mrc_sum_score


@admin.register(MuscleScore)
class MuscleScoreAdmin(ClinicalHistoryAdmin):
    list_display = ["assessment", "muscle_group", "side", "grade_label", "weakness_type"]
    list_filter = ["muscle_group", "side", "weakness_type"]
    list_select_related = ["assessment__patient"]
    search_fields = ["assessment__patient__mrn"]

    @admin.display(description="grade", ordering="grade")
    def grade_label(self, obj):
        return MRCGrade(obj.grade).label


# Falls, devices and referrals -----------------------------------------------------------------


@admin.register(FallEvent)
class FallEventAdmin(ClinicalHistoryAdmin):
    list_display = ["patient", "occurred_at", "near_fall", "injury", "location", "medical_attention"]
    list_filter = ["patient__clinic", "recorded_by", "near_fall", "injury", "location", EnteredInErrorFilter]
    search_fields = ["patient__mrn", "patient__family_name", "activity"]
    date_hierarchy = "occurred_at"
    list_select_related = ["patient"]


class DeviceReviewInline(ClinicalInline):
    model = DeviceReview
    fields = [
        "reviewed_on",
        "reviewed_by",
        "note",
        "next_review_due_on",
        *DeviceReview.ENTERED_IN_ERROR_FIELDS,
    ]
    readonly_fields = fields


@admin.register(DevicePrescription)
class DevicePrescriptionAdmin(ClinicalHistoryAdmin):
    list_display = ["patient", "device_type", "side", "prescribed_on", "review_due_on", "status"]
    list_filter = ["patient__clinic", "prescribed_by", "device_type", "status", EnteredInErrorFilter]
    search_fields = ["patient__mrn", "patient__family_name"]
    list_select_related = ["patient"]
    inlines = [DeviceReviewInline]


class ReferralStatusChangeInline(ClinicalInline):
    model = ReferralStatusChange


@admin.register(Referral)
class ReferralAdmin(ClinicalHistoryAdmin):
    list_display = ["patient", "to_service", "urgency", "referred_on", "due_by", "status"]
    list_filter = ["patient__clinic", "created_by", "status", "to_service", "urgency", EnteredInErrorFilter]
    search_fields = ["patient__mrn", "patient__family_name", "reason"]
    list_select_related = ["patient"]
    inlines = [ReferralStatusChangeInline]


# Reminders ------------------------------------------------------------------------------------


@admin.register(Reminder)
class ReminderAdmin(ClinicalAdminMixin, admin.ModelAdmin):
    list_display = ["kind", "patient", "due_on", "status", "sent_at", "acknowledged_at", "resolved_at"]
    list_filter = ["kind", "status", "patient__clinic"]
    search_fields = ["patient__mrn", "patient__family_name"]
    list_select_related = ["patient"]


# The access log -------------------------------------------------------------------------------


@admin.register(AccessRecord)
class AccessRecordAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """The access log, to look up: nobody adds, changes or deletes a record, superusers included.

    Clinic admins see what was read about their clinics, as in the access report.
    """

    list_display = ["at", "username", "action", "patients_read", "ip"]
    list_filter = ["action"]
    search_fields = ["username"]
    date_hierarchy = "at"
    fields = ["at", "user", "username", "action", "patients_read", "query", "ip"]
    readonly_fields = fields

    def get_queryset(self, request):
        records = super().get_queryset(request)
        if request.user.is_superuser:
            return records.with_patient_ids()
        clinic_ids = list(Clinic.objects.of(request.user).values_list("id", flat=True))
        return records.about_clinics(clinic_ids).with_patient_ids(clinic_ids)

    @admin.display(description="patients")
    def patients_read(self, record):
        return ", ".join(str(patient_id) for patient_id in record.patient_ids) or "—"

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_view_permission(self, request, obj=None):
        return policy.may_run_reports(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Second-factor devices ------------------------------------------------------------------------

# django-otp's device admins show each authenticator's secret (and a QR code of it): whoever
# sees it can make that person's codes. Nobody needs it; a lost phone is a two-factor reset on
# the staff pages.
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)
