"""The pages that act on a prescribed device: record a review of it, discontinue it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse

from care.models import DevicePrescription, DeviceStatus
from care.selectors import device_list
from care.services import device_review, device_update
from patients import policy
from patients.clock import clinic_today
from patients.forms import add_service_errors

from .. import forms
from .shared import render_patient_page, require


def _device_form(request, pk, *, form_class, allowed, save, template, initial):
    """The shared shape of the pages about one device in use.

    404 for a device outside the user's clinics (or entered in error), 403 for a role the
    policy refuses, 409 for a device no longer in use; then the form, written by the service.
    """
    device = get_object_or_404(device_list(request.user).listable().select_related("patient"), pk=pk)
    require(allowed(request.user))
    patient = device.patient
    if device.status != DeviceStatus.ACTIVE:
        message = f"{device.describe()} was discontinued on {device.discontinued_on:%d %b %Y}."
        context = {"message": message, "patient": patient}
        return render_patient_page(request, patient, "web/conflict.html", context, status=409)
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            try:
                message = save(request, device, form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, message)
                return redirect(reverse("web:patient_dashboard", args=[patient.pk]) + "#devices")
    else:
        form = form_class(initial=initial())
    context = {"patient": patient, "device": device, "form": form}
    return render_patient_page(request, patient, template, context)


@login_required
def device_review_new(request, pk):
    def save(request, device, data):
        review = device_review(device=device, by=request.user, **data)
        return (
            f"Review of the {device.get_device_type_display()} recorded; "
            f"next review due {review.next_review_due_on:%d %b %Y}."
        )

    def initial():
        today = clinic_today()
        return {"reviewed_on": today, "next_review_due_on": DevicePrescription.default_review_due_on(today)}

    return _device_form(
        request,
        pk,
        form_class=forms.DeviceReviewForm,
        allowed=policy.may_review_device,
        save=save,
        template="web/device_review_form.html",
        initial=initial,
    )


@login_required
def device_discontinue(request, pk):
    def save(request, device, data):
        device = device_update(
            device=device,
            by=request.user,
            status=DeviceStatus.DISCONTINUED,
            discontinued_on=data["discontinued_on"],
        )
        return f"{device.get_device_type_display()} discontinued on {device.discontinued_on:%d %b %Y}."

    return _device_form(
        request,
        pk,
        form_class=forms.DeviceDiscontinueForm,
        allowed=policy.may_prescribe_device,
        save=save,
        template="web/device_discontinue_form.html",
        initial=lambda: {"discontinued_on": clinic_today()},
    )
