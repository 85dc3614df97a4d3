"""The printable exercise sheet a patient takes home from an active plan."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404

from care.models import PlanStatus
from care.selectors import plans_of

from ..exercise_sheet import exercise_sheet
from .shared import patient_or_404, render_patient_page


@login_required
def plan_sheet(request, pk, plan_pk):
    """Every role of the patient's clinic may print it; an ended plan has no sheet (404)."""
    patient = patient_or_404(request, pk)
    plan = get_object_or_404(
        plans_of(patient).filter(status=PlanStatus.ACTIVE).select_related("patient__clinic"), pk=plan_pk
    )
    context = {"patient": patient, "plan": plan, "sheet": exercise_sheet(plan)}
    return render_patient_page(request, patient, "web/exercise_sheet.html", context)
