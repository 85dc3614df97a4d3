"""The page that changes or ends an exercise plan."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse

from care.selectors import plan_list
from care.services import PLAN_EDITABLE, plan_update
from patients import policy
from patients.forms import add_service_errors

from .. import forms
from .shared import render_patient_page, require


@login_required
def plan_edit(request, pk):
    """404 for a plan outside the user's clinics (or entered in error), 403 for a role that may not
    change plans; then the plan's fields, written by ``plan_update``."""
    plan = get_object_or_404(plan_list(request.user).listable().select_related("patient"), pk=pk)
    require(policy.may_prescribe_plan(request.user))
    patient = plan.patient
    if request.method == "POST":
        form = forms.PlanChangeForm(request.POST)
        if form.is_valid():
            try:
                plan = plan_update(plan=plan, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                status = "ended" if plan.ended_on else f"saved; review on {plan.review_on:%d %b %Y}"
                messages.success(request, f"{plan.describe()} {status}.")
                return redirect(reverse("web:patient_dashboard", args=[patient.pk]) + "#plans")
    else:
        form = forms.PlanChangeForm(initial={field: getattr(plan, field) for field in PLAN_EDITABLE})
    return render_patient_page(
        request, patient, "web/plan_change_form.html", {"patient": patient, "plan": plan, "form": form}
    )
