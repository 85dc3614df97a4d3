"""The pages that change a medication event or an exercise plan.

Both carry the version the user started from: a save over someone else's change made
meanwhile is held back, with the user's values kept, as on the patient and assessment pages.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse

from care.selectors import medication_list, plan_list
from care.services import MEDICATION_EDITABLE, PLAN_EDITABLE, medication_update, plan_update
from patients import policy
from patients.concurrency import EditedMeanwhile, record_version
from patients.forms import add_service_errors

from .. import forms
from .shared import keep_typed_over, render_patient_page, require


def _change_page(request, record, *, form_class, editable, update, saved, template, anchor):
    """The shared shape: the form drawn from the record as stored, written by ``update``."""
    patient = record.patient
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            changes = {name: value for name, value in form.cleaned_data.items() if name in editable}
            try:
                record = update(
                    record, by=request.user, expected_version=form.cleaned_data["version"] or None, **changes
                )
            except EditedMeanwhile as exc:
                keep_typed_over(form, exc.current, EDITED_MEANWHILE)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, saved(record))
                return redirect(reverse("web:patient_dashboard", args=[patient.pk]) + anchor)
    else:
        initial = {field: getattr(record, field) for field in editable}
        form = form_class(initial=initial | {"version": record_version(record)})
    return render_patient_page(
        request, patient, template, {"patient": patient, "record": record, "form": form}
    )


EDITED_MEANWHILE = (
    "Someone else changed this record while you were editing. Your values are kept below; "
    "save again to replace theirs, or cancel to see what is stored now."
)


@login_required
def medication_edit(request, pk):
    """404 for an event outside the user's clinics (or entered in error), 403 for a role that may
    not record medication events; then the event's fields, written by ``medication_update``."""
    medication = get_object_or_404(medication_list(request.user).listable().select_related("patient"), pk=pk)
    require(policy.may_record_medication(request.user))
    return _change_page(
        request,
        medication,
        form_class=forms.MedicationEventChangeForm,
        editable=MEDICATION_EDITABLE,
        update=lambda record, **kwargs: medication_update(medication=record, **kwargs),
        saved=lambda record: f"{record.describe()} saved.",
        template="web/medication_change_form.html",
        anchor="#medications",
    )


@login_required
def plan_edit(request, pk):
    """404 for a plan outside the user's clinics (or entered in error), 403 for a role that may not
    change plans; then the plan's fields, written by ``plan_update``."""
    plan = get_object_or_404(plan_list(request.user).listable().select_related("patient"), pk=pk)
    require(policy.may_prescribe_plan(request.user))

    def saved(plan):
        status = "ended" if plan.ended_on else f"saved; review on {plan.review_on:%d %b %Y}"
        return f"{plan.describe()} {status}."

    return _change_page(
        request,
        plan,
        form_class=forms.PlanChangeForm,
        editable=PLAN_EDITABLE,
        update=lambda record, **kwargs: plan_update(plan=record, **kwargs),
        saved=saved,
        template="web/plan_change_form.html",
        anchor="#plans",
    )
