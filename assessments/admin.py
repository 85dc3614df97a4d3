from django.contrib import admin

from patients.admin import EnteredInErrorFilter
from patients.admin_scoping import ClinicalHistoryAdmin, ClinicalInline

from .grades import MRCGrade
from .models import Assessment, MuscleScore


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
