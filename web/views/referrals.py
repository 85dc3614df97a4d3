"""The referral pages: one referral in full, and a receiving service's worklist."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from audit.models import AccessAction
from audit.services import access_record
from care.models import ReferralService
from care.selectors import referral_list, referral_worklist
from patients import policy
from patients.clock import clinic_today

from .. import forms, presenters
from .shared import render_patient_page, staff_user

REFERRALS_PER_PAGE = 25


@login_required
def referral_page(request, pk):
    """The whole referral with its history and the moves the user may make; 404 outside the
    user's clinics or once entered in error."""
    user, today = staff_user(request), clinic_today()
    referral = get_object_or_404(referral_list(user).valid().select_related("patient__clinic"), pk=pk)
    patient = referral.patient
    # As on the dashboard: a patient entered in error stays readable, and nothing moves.
    may_manage_referral = not patient.entered_in_error and policy.may_manage_referral(user)
    row = presenters.referral_row(user, referral, today=today, may_manage_referral=may_manage_referral)
    context = {
        "patient": patient,
        "row": row,
        "referral": referral,
        "service": presenters.service_in_sentence(referral.to_service),
        "days_overdue": (today - referral.due_by).days if row.overdue else None,
    }
    return render_patient_page(request, patient, "web/referral_page.html", context)


@login_required
def referral_worklist_page(request):
    """A receiving service's referrals across the user's clinics, oldest first: by default the
    open ones it has received, or those in the status chosen."""
    user, today = staff_user(request), clinic_today()
    services = [(value, presenters.service_in_sentence(value)) for value in ReferralService.values]
    if "service" not in request.GET:
        return render(
            request,
            "web/referral_worklist.html",
            {"form": forms.ReferralWorklistForm(), "services": services},
        )
    form = forms.ReferralWorklistForm(request.GET)
    if not form.is_valid():
        context = {"form": form, "services": services}
        return render(request, "web/referral_worklist.html", context, status=400)
    service = form.cleaned_data["service"]
    referrals = referral_worklist(user, to_service=service, statuses=form.statuses())
    page = Paginator(referrals, REFERRALS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [presenters.referral_row(user, r, today=today, may_manage_referral=False) for r in page]
    context = {
        "form": form,
        "services": services,
        "service": presenters.service_in_sentence(service),
        "showing": dict(form.fields["status"].choices)[form.cleaned_data["status"]],
        "page": page,
        "rows": rows,
    }
    response = render(request, "web/referral_worklist.html", context)
    # A list of many patients' referrals: logged as the patient list is, naming those shown.
    access_record(
        request=request,
        action=AccessAction.PATIENT_LIST,
        patient_ids=[row.referral.patient_id for row in rows],
    )
    return response
