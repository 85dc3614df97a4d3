from django.contrib import admin

from patients.admin import ScopedAdminMixin

from .models import Reminder


@admin.register(Reminder)
class ReminderAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["kind", "patient", "due_on", "status", "sent_at", "acknowledged_at"]
    list_filter = ["kind", "status", "patient__clinic"]
    search_fields = ["patient__mrn", "patient__family_name"]
    list_select_related = ["patient"]
    readonly_fields = ["sent_at", "acknowledged_by", "acknowledged_at", "created_at"]
    raw_id_fields = ["patient", "referral", "device", "fall"]
    filter_horizontal = ["recipients"]
