"""The patients' pages: the list, the dashboard, registering a patient and editing their details."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers

from assessments.selectors import assessments_of, trend_review_list
from audit.models import AccessAction
from audit.selectors import patient_access_history
from audit.services import access_record
from care.models import DeviceStatus
from care.selectors import devices_of, falls_of, medications_of, plans_of, referrals_of
from clinical_rules.selectors import caseload_by_name, patient_list_with_follow_up
from clinical_rules.trends import patient_records, patient_trends
from diary.selectors import diary_panel, open_diary_link_of
from patients import policy
from patients.clock import clinic_today
from patients.concurrency import EditedMeanwhile, record_lock, record_version
from patients.forms import add_service_errors
from patients.models import Clinic
from patients.services import PATIENT_EDITABLE, patient_create, patient_update

from .. import forms, presenters
from .shared import is_htmx, keep_typed_over, patient_or_404, render_patient_page, require, staff_user

PATIENTS_PER_PAGE = 25
# How many of the latest reads of a patient their page shows a clinic admin.
ACCESS_HISTORY_SHOWN = 20


@login_required
def home(request):
    return redirect("web:patient_list")


@login_required
def patient_list(request):
    user, today = staff_user(request), clinic_today()
    form = forms.PatientFilterForm(request.GET)
    patients = caseload_by_name(user, today=today)
    if form.is_valid():
        patients = form.filter(patients, today=today)
    page = Paginator(patients, PATIENTS_PER_PAGE).get_page(request.GET.get("page"))
    rows = presenters.patient_rows(page, today=today)
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "today": today,
        "may_register_patient": policy.may_edit_patient(user),
    }
    template = "web/_patient_results.html" if is_htmx(request) else "web/patient_list.html"
    response = render(request, template, context)
    access_record(
        request=request, action=AccessAction.PATIENT_LIST, patient_ids=[row.patient.pk for row in rows]
    )
    # The same URL answers a fragment to htmx and a page otherwise: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
def patient_dashboard(request, pk):
    user, today = staff_user(request), clinic_today()
    # Entered-in-error patients stay readable (marked as such); nothing can be added to them.
    patient = get_object_or_404(patient_list_with_follow_up(user, today=today), pk=pk)
    records = patient_records(patient)
    trends = patient_trends(patient, today=today, records=records)
    assessments = list(assessments_of(patient))
    falls = list(falls_of(patient))
    devices = list(devices_of(patient))
    medications = list(medications_of(patient))
    writable = not patient.entered_in_error
    may_manage_referral = writable and policy.may_manage_referral(user)
    may_prescribe_plan = writable and policy.may_prescribe_plan(user)
    referrals = presenters.referral_rows(
        user, referrals_of(patient), today=today, may_manage_referral=may_manage_referral
    )
    last_review = records.last_review
    reviews = trend_review_list(user).valid().filter(patient=patient).select_related("assessment")
    context = {
        "patient": patient,
        "today": today,
        "trends": trends,
        "follow_up": presenters.follow_up_badge(
            next_due=trends["next_assessment_due"], status=patient.status, today=today
        ),
        "assessments": presenters.record_rows(user, assessments),
        "latest": assessments[0] if assessments else None,
        "grades": presenters.grades_table(trends),
        "guidance": presenters.guidance_table(trends),
        "findings": presenters.changes_to_review(
            trends,
            records.assessments,
            reviewed=last_review.assessment_id if last_review else None,
            medications=records.medications,
            plans=records.plans,
            supported_sides=records.supported_sides,
            may_refer=may_manage_referral,
            may_change_plan=may_prescribe_plan,
        ),
        "review": {
            "last": last_review,
            "history": presenters.record_rows(user, reviews),
            "form": forms.TrendReviewForm(),
        },
        "falls": presenters.record_rows(user, falls),
        "devices": presenters.device_rows(
            user,
            devices,
            today=today,
            may_review_device=writable and policy.may_review_device(user),
            may_prescribe_device=writable and policy.may_prescribe_device(user),
        ),
        "active_devices": [d for d in devices if d.status == DeviceStatus.ACTIVE],
        "medications": {
            "current": presenters.current_medications(trends),
            "events": presenters.record_rows(user, medications),
        },
        "plans": presenters.plan_panel(
            user, plans_of(patient), today=today, may_change_plan=may_prescribe_plan
        ),
        "referrals": referrals,
        "open_referrals": [row for row in referrals if row.is_open],
        "chart_data": presenters.chart_data(trends, falls, today, medications),
        "mrc_drop_points": settings.MRC_SUM_DROP_POINTS,
        "may": {
            "edit_patient": writable and policy.may_edit_patient(user),
            "record_assessment": writable and policy.may_record_assessment(user),
            "record_fall": writable and policy.may_record_fall(user),
            "prescribe_device": writable and policy.may_prescribe_device(user),
            "manage_referral": may_manage_referral,
            "record_medication": writable and policy.may_record_medication(user),
            "prescribe_plan": may_prescribe_plan,
            "record_trend_review": writable and bool(assessments) and policy.may_record_trend_review(user),
            "mark_patient_in_error": writable and policy.may_mark_entered_in_error(user, patient),
        },
        "access_log": _access_log_of(user, patient),
        "diary": presenters.diary_panel(
            diary_panel(patient, today=today),
            link=open_diary_link_of(patient),
            may_issue_link=writable
            and patient.status == patient.Status.ACTIVE
            and policy.may_issue_diary_link(user),
        ),
    }
    response = render(request, "web/patient_dashboard.html", context)
    access_record(request=request, action=AccessAction.DASHBOARD, patient_ids=[patient.pk])
    return response


def _access_log_of(user, patient):
    """Who looked at ``patient`` lately, and a link to all of it as CSV: for clinic admins only
    (SPEC §4 roles: "see the access log"); ``None`` for everyone else."""
    if not policy.may_run_reports(user):
        return None
    return {
        "records": patient_access_history(patient=patient, limit=ACCESS_HISTORY_SHOWN),
        "csv_url": f"{reverse('api:report-access')}?{urlencode({'patient': patient.pk, 'format': 'csv'})}",
    }


@login_required
def patient_new(request):
    user = staff_user(request)
    require(policy.may_edit_patient(user))
    clinics = Clinic.objects.of(user)
    if request.method == "POST":
        form = forms.PatientRegistrationForm(request.POST, clinics=clinics)
        if form.is_valid():
            try:
                patient = patient_create(created_by=user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                name = presenters.patient_name(patient)
                messages.success(request, f"{name} (MRN {patient.mrn}) registered.")
                return redirect("web:patient_dashboard", pk=patient.pk)
    else:
        form = forms.PatientRegistrationForm(clinics=clinics)
    return render(request, "web/patient_form.html", {"form": form, "patient": None})


def _details(patient):
    return {field: getattr(patient, field) for field in PATIENT_EDITABLE}


@transaction.atomic
def _save_details(*, patient, by, data):
    """Write the fields that differ from what is stored; ``EditedMeanwhile`` if it changed since ``version``.

    The fields are compared with the row locked and read again, so a form that changes nothing
    is no change and no conflict, whatever happened meanwhile; ``patient_update`` checks the
    version. Returns the patient and the names of the fields changed.
    """
    current = record_lock(patient)
    changes = {f: data[f] for f in PATIENT_EDITABLE if data[f] != getattr(current, f)}
    if not changes:
        return current, []
    saved = patient_update(patient=current, by=by, expected_version=data["version"] or None, **changes)
    return saved, list(changes)


@login_required
def patient_edit(request, pk):
    patient = patient_or_404(request, pk)
    require(policy.may_edit_patient(request.user))
    if request.method == "POST":
        form = forms.PatientEditForm(request.POST)
        if form.is_valid():
            try:
                patient, changed = _save_details(patient=patient, by=request.user, data=form.cleaned_data)
            except EditedMeanwhile as exc:
                keep_typed_over(form, exc.current, presenters.edited_meanwhile_message(form, exc.current))
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                name = presenters.patient_name(patient)
                if changed:
                    messages.success(request, f"Details of {name} saved.")
                else:
                    messages.info(request, f"No changes to the details of {name}.")
                return redirect("web:patient_dashboard", pk=patient.pk)
    else:
        form = forms.PatientEditForm(initial=_details(patient) | {"version": record_version(patient)})
    return render_patient_page(request, patient, "web/patient_form.html", {"form": form, "patient": patient})
