from django.contrib import admin

from patients.admin import EnteredInErrorFilter
from patients.admin_scoping import ClinicalHistoryAdmin, ClinicalInline

from .models import DevicePrescription, FallEvent, Referral, ReferralStatusChange


@admin.register(FallEvent)
class FallEventAdmin(ClinicalHistoryAdmin):
    list_display = ["patient", "occurred_at", "near_fall", "injury", "location", "medical_attention"]
    list_filter = ["patient__clinic", "recorded_by", "near_fall", "injury", "location", EnteredInErrorFilter]
    search_fields = ["patient__mrn", "patient__family_name", "activity"]
    date_hierarchy = "occurred_at"
    list_select_related = ["patient"]


@admin.register(DevicePrescription)
class DevicePrescriptionAdmin(ClinicalHistoryAdmin):
    list_display = ["patient", "device_type", "side", "prescribed_on", "review_due_on", "status"]
    list_filter = ["patient__clinic", "prescribed_by", "device_type", "status", EnteredInErrorFilter]
    search_fields = ["patient__mrn", "patient__family_name"]
    list_select_related = ["patient"]


class ReferralStatusChangeInline(ClinicalInline):
    model = ReferralStatusChange


@admin.register(Referral)
class ReferralAdmin(ClinicalHistoryAdmin):
    list_display = ["patient", "to_service", "urgency", "referred_on", "due_by", "status"]
    list_filter = ["patient__clinic", "created_by", "status", "to_service", "urgency", EnteredInErrorFilter]
    search_fields = ["patient__mrn", "patient__family_name", "reason"]
    list_select_related = ["patient"]
    inlines = [ReferralStatusChangeInline]
