"""The pages that add a record to a patient (assessment, fall, device, referral, trend review,
medication event, exercise plan), correct an assessment, move a referral's status, and mark a
record entered in error."""

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from assessments.selectors import assessment_list, last_gradings_of, latest_assessment_of
from assessments.services import assessment_record, assessment_update, trend_review_record
from care.models import Referral
from care.services import (
    TransitionNotAllowed,
    device_prescribe,
    fall_record,
    medication_record,
    plan_prescribe,
    referral_create,
    referral_transition,
)
from patients import policy
from patients.clock import clinic_today
from patients.concurrency import EditedMeanwhile, record_version
from patients.forms import add_service_errors
from patients.records import record_model
from patients.services import record_mark_entered_in_error

from .. import forms, presenters
from .shared import keep_typed_over, patient_or_404, render_patient_page, require


def _record_form(request, pk, *, form_class, allowed, save, template, initial=None, form_kwargs=None):
    """The shared shape of the pages that add a record to a patient.

    404 for a patient outside the user's clinics, 403 for a role the policy refuses, then the
    form: parsed by the form, validated and written by the service, every error shown in place.
    """
    patient = patient_or_404(request, pk)
    require(allowed(request.user))
    form_kwargs = form_kwargs(patient) if form_kwargs else {}
    if request.method == "POST":
        form = form_class(request.POST, **form_kwargs)
        if form.is_valid():
            try:
                message = save(request, patient, form.cleaned_data, form)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, message)
                return redirect("web:patient_dashboard", pk=patient.pk)
    else:
        form = form_class(initial=initial() if initial else None, **form_kwargs)
    return render_patient_page(request, patient, template, {"patient": patient, "form": form})


def _today_initial(*fields):
    return lambda: dict.fromkeys(fields, clinic_today())


@login_required
def assessment_new(request, pk):
    def save(request, patient, data, form):
        assessment = assessment_record(patient=patient, assessor=request.user, **form.service_kwargs())
        return f"{assessment.describe()} recorded."

    return _record_form(
        request,
        pk,
        form_class=forms.AssessmentForm,
        allowed=policy.may_record_assessment,
        save=save,
        template="web/assessment_form.html",
        initial=_today_initial("assessed_on"),
        form_kwargs=lambda patient: {
            "previous": latest_assessment_of(patient),
            "last_gradings": partial(last_gradings_of, patient),
        },
    )


@login_required
def assessment_edit(request, pk):
    """Correct a recorded assessment: its details, grades and spasticity scores as stored, saved
    over it as a whole (a cell emptied removes that score)."""
    assessment = get_object_or_404(assessment_list(request.user).listable().select_related("patient"), pk=pk)
    require(policy.may_record_assessment(request.user))
    patient = assessment.patient
    form_kwargs = {"last_gradings": partial(last_gradings_of, patient, excluding=assessment)}
    if request.method == "POST":
        form = forms.AssessmentEditForm(request.POST, **form_kwargs)
        if form.is_valid():
            try:
                assessment = assessment_update(
                    assessment=assessment,
                    by=request.user,
                    expected_version=form.cleaned_data["version"] or None,
                    **form.service_kwargs(),
                )
            except EditedMeanwhile as exc:
                keep_typed_over(form, exc.current, ASSESSMENT_EDITED_MEANWHILE)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"{assessment.describe()} corrected.")
                return redirect("web:patient_dashboard", pk=patient.pk)
    else:
        initial = forms.AssessmentEditForm.initial_of(assessment) | {"version": record_version(assessment)}
        form = forms.AssessmentEditForm(initial=initial, **form_kwargs)
    context = {"patient": patient, "assessment": assessment, "form": form}
    return render_patient_page(request, patient, "web/assessment_form.html", context)


ASSESSMENT_EDITED_MEANWHILE = (
    "Someone else corrected this assessment while you were editing. Your values are kept "
    "below; save again to replace theirs, or cancel to see what is stored now."
)


@login_required
def fall_new(request, pk):
    def save(request, patient, data, form):
        fall = fall_record(patient=patient, recorded_by=request.user, **data)
        return f"{fall.describe()} recorded."

    return _record_form(
        request,
        pk,
        form_class=forms.FallForm,
        allowed=policy.may_record_fall,
        save=save,
        template="web/fall_form.html",
    )


@login_required
def device_new(request, pk):
    def save(request, patient, data, form):
        device = device_prescribe(patient=patient, prescribed_by=request.user, **data)
        return f"{device.get_device_type_display()} prescribed."

    return _record_form(
        request,
        pk,
        form_class=forms.DeviceForm,
        allowed=policy.may_prescribe_device,
        save=save,
        template="web/device_form.html",
        initial=_today_initial("prescribed_on"),
    )


# What a link may fill in on the new referral page (the dashboard's foot-drop finding does).
REFERRAL_PREFILLED = ("to_service", "reason", "urgency")


# The new referral page's buttons: create and send at once, or keep a draft to send later.
SEND_NOW = "send"


@login_required
def referral_new(request, pk):
    def save(request, patient, data, form):
        send = request.POST.get("action") == SEND_NOW
        referral = referral_create(patient=patient, created_by=request.user, send=send, **data)
        service = presenters.service_in_sentence(referral.to_service)
        return (
            f"Referral to {service} created and sent."
            if send
            else f"Referral to {service} created as a draft."
        )

    def initial():
        prefilled = {name: request.GET[name] for name in REFERRAL_PREFILLED if name in request.GET}
        return {"referred_on": clinic_today(), **prefilled}

    return _record_form(
        request,
        pk,
        form_class=forms.ReferralForm,
        allowed=policy.may_manage_referral,
        save=save,
        template="web/referral_form.html",
        initial=initial,
    )


@login_required
def medication_new(request, pk):
    def save(request, patient, data, form):
        medication = medication_record(patient=patient, recorded_by=request.user, **data)
        return f"{medication.describe()} recorded."

    return _record_form(
        request,
        pk,
        form_class=forms.MedicationEventForm,
        allowed=policy.may_record_medication,
        save=save,
        template="web/medication_form.html",
        initial=_today_initial("occurred_on"),
    )


@login_required
def plan_new(request, pk):
    def save(request, patient, data, form):
        plan = plan_prescribe(patient=patient, prescribed_by=request.user, **data)
        return f"{plan.describe()} prescribed; review on {plan.review_on:%d %b %Y}."

    return _record_form(
        request,
        pk,
        form_class=forms.PlanForm,
        allowed=policy.may_prescribe_plan,
        save=save,
        template="web/plan_form.html",
        initial=_today_initial("started_on"),
    )


@login_required
def trend_review_new(request, pk):
    def save(request, patient, data, form):
        review = trend_review_record(patient=patient, by=request.user, **data)
        return f"Review recorded, as of the assessment of {review.assessment.assessed_on:%d %b %Y}."

    return _record_form(
        request,
        pk,
        form_class=forms.TrendReviewForm,
        allowed=policy.may_record_trend_review,
        save=save,
        template="web/trend_review_form.html",
    )


# A move made from the referral's own page returns to it; from the dashboard, to the dashboard.
BACK_TO_REFERRAL = "referral"


@login_required
@require_POST
def referral_move(request, pk):
    referral = get_object_or_404(Referral.objects.visible_to(request.user).select_related("patient"), pk=pk)
    require(policy.may_manage_referral(request.user))
    to_status = request.POST.get("status", "")
    try:
        referral = referral_transition(referral=referral, to_status=to_status, by=request.user)
    except (TransitionNotAllowed, ValidationError) as exc:
        message = str(exc) if isinstance(exc, TransitionNotAllowed) else " ".join(exc.messages)
        return render_patient_page(
            request,
            referral.patient,
            "web/conflict.html",
            {"message": message, "patient": referral.patient},
            status=409,
        )
    messages.success(
        request,
        f"Referral to {presenters.service_in_sentence(referral.to_service)} is now {referral.get_status_display().lower()}.",
    )
    if request.POST.get("back") == BACK_TO_REFERRAL:
        return redirect("web:referral_page", pk=referral.pk)
    return redirect(reverse("web:patient_dashboard", args=[referral.patient_id]) + "#referrals")


@login_required
def mark_entered_in_error(request, kind, pk):
    model = record_model(kind)
    if model is None:
        raise Http404
    record = get_object_or_404(model.objects.visible_to(request.user), pk=pk)
    require(policy.may_mark_entered_in_error(request.user, record))
    patient = record.patient_record
    if record.entered_in_error:
        return render_patient_page(
            request,
            patient,
            "web/conflict.html",
            {"message": "This record is already marked entered in error.", "patient": patient},
            status=409,
        )
    form = forms.EnteredInErrorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            record_mark_entered_in_error(record=record, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{record.describe()} marked entered in error.")
            if record is patient:
                return redirect("web:patient_list")
            return redirect("web:patient_dashboard", pk=patient.pk)
    context = {"form": form, "record": record, "description": record.describe(), "patient": patient}
    return render_patient_page(request, patient, "web/entered_in_error_form.html", context)
