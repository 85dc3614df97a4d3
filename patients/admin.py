from django.contrib import admin

from .admin_scoping import ClinicalHistoryAdmin, ScopedAdminMixin, SuperuserOnlyMixin
from .models import Clinic, Patient, StaffMembership


class EnteredInErrorFilter(admin.SimpleListFilter):
    title = "entered in error"
    parameter_name = "entered_in_error"

    def lookups(self, request, model_admin):
        return [("no", "No"), ("yes", "Yes")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(entered_in_error_at__isnull=self.value() == "no")
        return queryset


ENTERED_IN_ERROR_FIELDS = ("entered_in_error_at", "entered_in_error_by", "entered_in_error_reason")


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
        ("Record", {"fields": ["created_at", "updated_at", *ENTERED_IN_ERROR_FIELDS]}),
    ]
