from django.contrib import admin

from patients import policy
from patients.admin_scoping import ScopedAdminMixin
from patients.models import Clinic

from .models import AccessRecord


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
