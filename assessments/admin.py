from django.contrib import admin

from patients.admin import ENTERED_IN_ERROR_FIELDS, ClinicScopedAdmin, EnteredInErrorFilter

from .grades import MRCGrade
from .models import Assessment, MuscleScore


class MuscleScoreInline(admin.TabularInline):
    model = MuscleScore
    extra = 0
    max_num = 24
    can_delete = False


@admin.register(Assessment)
class AssessmentAdmin(ClinicScopedAdmin):
    list_display = ["patient", "assessed_on", "assessor", "mrc_sum_score", "edss", "timed_25ft_walk_seconds"]
    list_filter = ["patient__clinic", "assessed_on", EnteredInErrorFilter]
    search_fields = ["patient__mrn", "patient__family_name", "patient__given_name"]
    date_hierarchy = "assessed_on"
    list_select_related = ["patient", "assessor"]
    autocomplete_fields = ["patient"]
    readonly_fields = ["created_at", "updated_at", *ENTERED_IN_ERROR_FIELDS]
    inlines = [MuscleScoreInline]

    def get_queryset(self, request):
        return super().get_queryset(request).with_mrc_sum()

    @admin.display(description="MRC sum", ordering="mrc_sum_score")
    def mrc_sum_score(self, obj):
        return obj.mrc_sum_score

    def save_model(self, request, obj, form, change):
        if not change:
            obj.assessor = request.user
        super().save_model(request, obj, form, change)

    def get_exclude(self, request, obj=None):
        return ["assessor"] if obj is None else []


@admin.register(MuscleScore)
class MuscleScoreAdmin(ClinicScopedAdmin):
    list_display = ["assessment", "muscle_group", "side", "grade_label", "weakness_type"]
    list_filter = ["muscle_group", "side", "weakness_type"]
    list_select_related = ["assessment__patient"]
    search_fields = ["assessment__patient__mrn"]

    @admin.display(description="grade", ordering="grade")
    def grade_label(self, obj):
        return MRCGrade(obj.grade).label
