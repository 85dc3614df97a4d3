from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Clinic, Patient, StaffMembership


class ScopedAdminMixin:
    """Shows staff only their clinics' records, offers only those in pickers, and never deletes."""

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if related is Clinic:
            kwargs["queryset"] = Clinic.objects.of(request.user)
        elif hasattr(related.objects, "visible_to"):
            kwargs["queryset"] = related.objects.visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None):
        return False


class ClinicScopedAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    """Admin of a clinical record: scoped, never deleted, with its history."""


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


class StaffMembershipInline(admin.TabularInline):
    model = StaffMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]
    inlines = [StaffMembershipInline]

    def get_queryset(self, request):
        return super().get_queryset(request).of(request.user)


@admin.register(Patient)
class PatientAdmin(ClinicScopedAdmin):
    list_display = ["mrn", "family_name", "given_name", "clinic", "ms_type", "status", "date_of_birth"]
    list_filter = ["clinic", "status", "ms_type", "sex", EnteredInErrorFilter]
    search_fields = ["mrn", "family_name", "given_name"]
    list_select_related = ["clinic"]
    readonly_fields = ["created_at", "updated_at", *ENTERED_IN_ERROR_FIELDS]
    fieldsets = [
        (None, {"fields": ["clinic", "mrn", ("given_name", "family_name"), ("date_of_birth", "sex")]}),
        ("MS", {"fields": ["ms_type", "diagnosis_date", "status", "reassessment_interval_weeks"]}),
        ("Record", {"fields": ["created_at", "updated_at", *ENTERED_IN_ERROR_FIELDS]}),
    ]
