from django.contrib import admin

from assessments.rules import clinic_today
from patients.admin import ENTERED_IN_ERROR_FIELDS, ClinicScopedAdmin, EnteredInErrorFilter
from reminders.sweep import fall_risk_check

from .models import DevicePrescription, FallEvent, Referral, ReferralStatusChange


@admin.register(FallEvent)
class FallEventAdmin(ClinicScopedAdmin):
    list_display = ["patient", "occurred_at", "near_fall", "injury", "location", "medical_attention"]
    list_filter = ["patient__clinic", "near_fall", "injury", "location", EnteredInErrorFilter]
    search_fields = ["patient__mrn", "patient__family_name", "activity"]
    date_hierarchy = "occurred_at"
    list_select_related = ["patient"]
    autocomplete_fields = ["patient"]
    readonly_fields = ["recorded_by", "created_at", "updated_at", *ENTERED_IN_ERROR_FIELDS]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)
        fall_risk_check(patient=obj.patient, today=clinic_today())


@admin.register(DevicePrescription)
class DevicePrescriptionAdmin(ClinicScopedAdmin):
    list_display = ["patient", "device_type", "side", "prescribed_on", "review_due_on", "status"]
    list_filter = ["patient__clinic", "device_type", "status", EnteredInErrorFilter]
    search_fields = ["patient__mrn", "patient__family_name"]
    list_select_related = ["patient"]
    autocomplete_fields = ["patient"]
    readonly_fields = ["prescribed_by", "created_at", "updated_at", *ENTERED_IN_ERROR_FIELDS]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.prescribed_by = request.user
        super().save_model(request, obj, form, change)


class ReferralStatusChangeInline(admin.TabularInline):
    model = ReferralStatusChange
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "changed_by", "changed_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Referral)
class ReferralAdmin(ClinicScopedAdmin):
    list_display = ["patient", "to_service", "urgency", "referred_on", "due_by", "status"]
    list_filter = ["patient__clinic", "status", "to_service", "urgency", EnteredInErrorFilter]
    search_fields = ["patient__mrn", "patient__family_name", "reason"]
    list_select_related = ["patient"]
    autocomplete_fields = ["patient"]
    # Status moves go through the allowed transitions (API and clinician pages), not free edits.
    readonly_fields = ["status", "created_by", "created_at", "updated_at", *ENTERED_IN_ERROR_FIELDS]
    inlines = [ReferralStatusChangeInline]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
