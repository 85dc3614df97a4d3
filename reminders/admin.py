from django.contrib import admin

from patients.admin_scoping import ClinicalAdminMixin

from .models import Reminder


@admin.register(Reminder)
class ReminderAdmin(ClinicalAdminMixin, admin.ModelAdmin):
    list_display = ["kind", "patient", "due_on", "status", "sent_at", "acknowledged_at"]
    list_filter = ["kind", "status", "patient__clinic"]
    search_fields = ["patient__mrn", "patient__family_name"]
    list_select_related = ["patient"]
