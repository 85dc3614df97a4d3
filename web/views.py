"""The clinician pages: each finds its record through ``visible_to`` (another clinic's is a 404),
asks ``patients.policy`` whether the user may act (403 if not), and writes through one service.

Clinical judgements (due, overdue, high fall risk, declines, guidance) come from
``clinical_rules``; the records come from each app's read functions (``selectors``); the
pages only lay them out.
"""

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from assessments.grades import MRCGrade, MuscleGroup, Side, WeaknessType
from assessments.selectors import assessments_of, latest_assessment_of
from assessments.services import assessment_record
from audit.models import AccessAction
from audit.selectors import patient_access_history
from audit.services import access_record
from care.models import DeviceStatus, Referral
from care.selectors import devices_of, falls_of, referrals_of
from care.services import (
    TransitionNotAllowed,
    device_prescribe,
    fall_record,
    referral_create,
    referral_transition,
)
from clinical_rules import rules
from clinical_rules.selectors import caseload_by_name, patient_list_with_follow_up
from clinical_rules.trends import patient_trends
from patients import policy
from patients import selectors as patient_selectors
from patients.clock import clinic_date, clinic_today
from patients.concurrency import EditedMeanwhile, record_lock, record_version
from patients.forms import add_service_errors
from patients.models import Clinic, Patient
from patients.records import record_model
from patients.services import (
    PATIENT_EDITABLE,
    patient_create,
    patient_update,
    record_mark_entered_in_error,
)
from reminders.models import Reminder, ReminderStatus
from reminders.selectors import reminders_addressed_to
from reminders.services import reminder_acknowledge

from . import forms
from .labels import muscle_label

PATIENTS_PER_PAGE = 25
# How many of the latest reads of a patient their page shows a clinic admin.
ACCESS_HISTORY_SHOWN = 20
# What the button that moves a referral to each status says (no move leads back to draft).
MOVE_LABELS = {
    Referral.Status.SENT: "Mark sent",
    Referral.Status.ACCEPTED: "Accept",
    Referral.Status.SEEN: "Mark seen",
    Referral.Status.CLOSED: "Close",
    Referral.Status.DECLINED: "Decline",
    Referral.Status.CANCELLED: "Cancel",
}
REMINDERS_PER_PAGE = 50


def _require(allowed):
    """403 unless the roles policy allows it (asked only once the record is known to be visible)."""
    if not allowed:
        raise PermissionDenied


def _staff(request):
    """The request's user with their groups loaded once: the policy asks for the role per record."""
    user = request.user
    if user.is_authenticated:
        prefetch_related_objects([user], "groups")
    return user


def _is_htmx(request):
    return request.headers.get("HX-Request") == "true"


def _render_patient_page(request, patient, template, context, *, status=None):
    """A page showing ``patient``'s data; the read is written to the access log (SPEC §5)."""
    response = render(request, template, context, status=status)
    access_record(request=request, action=AccessAction.PATIENT_READ, patient_ids=[patient.pk])
    return response


def _patient_or_404(request, pk):
    """A valid patient of the user's clinics, or 404: records are added only to those."""
    return get_object_or_404(patient_selectors.patient_list(request.user).valid(), pk=pk)


def follow_up_badge(*, next_due, status, today):
    """``"overdue"``, ``"due"`` (rule 6: within a week) or ``None`` for a patient's next assessment."""
    if not rules.reassessment_due(next_due=next_due, status=status, today=today):
        return None
    return "overdue" if next_due < today else "due"


# Home, patients ------------------------------------------------------------------------------


@login_required
def home(request):
    return redirect("web:patient_list")


@dataclass
class PatientRow:
    patient: Patient
    follow_up: str | None


@login_required
def patient_list(request):
    user, today = _staff(request), clinic_today()
    form = forms.PatientFilterForm(request.GET)
    patients = caseload_by_name(user, today=today)
    if form.is_valid():
        patients = form.filter(patients, today=today)
    page = Paginator(patients, PATIENTS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [
        PatientRow(p, follow_up_badge(next_due=p.next_assessment_due, status=p.status, today=today))
        for p in page
    ]
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "today": today,
        "may_register_patient": policy.may_edit_patient(user),
    }
    template = "web/_patient_results.html" if _is_htmx(request) else "web/patient_list.html"
    response = render(request, template, context)
    access_record(
        request=request, action=AccessAction.PATIENT_LIST, patient_ids=[row.patient.pk for row in rows]
    )
    # The same URL answers a fragment to htmx and a page otherwise: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


def _with_entered_in_error_permission(user, records):
    for record in records:
        record.may_mark_in_error = policy.may_mark_entered_in_error(user, record)
    return records


def _guidance(trends):
    """Rule 10's guidance of the latest assessment: its date, and a row per muscle group with both sides.

    Everything comes from the one ``trends`` answer, so it cannot disagree with itself about
    which assessment is the latest. Guidance lists only the muscle-sides the latest assessment
    graded, so the last point of each one's series is that assessment's grade.
    """
    if not trends["guidance"]:
        return None
    last_points = {(s["muscle_group"], s["side"]): s["points"][-1] for s in trends["series"]}
    by_group = {}
    for item in trends["guidance"]:
        point = last_points[(item["muscle_group"], item["side"])]
        by_group.setdefault(item["muscle_group"], {})[item["side"]] = {
            "side": item["side"],
            "assessed_on": point["assessed_on"],
            "grade": point["grade"],
            "weakness_type": WeaknessType(item["weakness_type"]).label,
            "text": item["text"],
        }
    rows = []
    for group in MuscleGroup:
        sides = [by_group[group][side] for side in Side if side in by_group.get(group, {})]
        if sides:
            same = len({s["text"] for s in sides}) == 1
            rows.append({"label": muscle_label(group), "sides": sides, "same_guidance": same})
    return {"assessed_on": rows[0]["sides"][0]["assessed_on"], "rows": rows}


def _chart_data(trends, falls, today):
    """What the charts draw, for ``json_script``: the trends as computed, plus labels and falls."""
    start, _ = rules.fall_window(today)
    return {
        "today": today,
        "fall_window_start": start,
        "grades": [{"label": g.label, "thirds": g.thirds} for g in MRCGrade],
        "muscle_groups": [{"value": g.value, "label": muscle_label(g)} for g in MuscleGroup],
        "series": trends["series"],
        "mrc_sum": trends["mrc_sum"],
        "mrc_sum_drop": trends["mrc_sum_drop"],
        "declines": trends["declines"],
        "falls": [
            {
                "date": clinic_date(f.occurred_at),
                "near_fall": f.near_fall,
                "injury": f.injury,
                "medical_attention": f.medical_attention,
            }
            for f in falls
        ],
    }


@login_required
def patient_dashboard(request, pk):
    user, today = _staff(request), clinic_today()
    # Entered-in-error patients stay readable (marked as such); nothing can be added to them.
    patient = get_object_or_404(patient_list_with_follow_up(user, today=today), pk=pk)
    trends = patient_trends(patient, today=today)
    assessments = list(assessments_of(patient))
    falls = list(falls_of(patient))
    devices = list(devices_of(patient))
    referrals = list(referrals_of(patient))
    for device in devices:
        device.review_due = rules.device_review_due(
            status=device.status, review_due_on=device.review_due_on, today=today
        )
    may_manage_referral = policy.may_manage_referral(user) and not patient.entered_in_error
    for referral in referrals:
        referral.overdue = rules.referral_overdue(status=referral.status, due_by=referral.due_by, today=today)
        referral.moves = (
            [(s, MOVE_LABELS[s]) for s in Referral.Status if referral.can_move_to(s)]
            if may_manage_referral
            else []
        )
    for record_list in (assessments, falls, devices, referrals):
        _with_entered_in_error_permission(user, record_list)

    writable = not patient.entered_in_error
    context = {
        "patient": patient,
        "today": today,
        "trends": trends,
        "follow_up": follow_up_badge(
            next_due=trends["next_assessment_due"], status=patient.status, today=today
        ),
        "assessments": assessments,
        "latest": assessments[0] if assessments else None,
        "guidance": _guidance(trends),
        "falls": falls,
        "devices": devices,
        "active_devices": [d for d in devices if d.status == DeviceStatus.ACTIVE],
        "referrals": sorted(referrals, key=lambda r: r.status not in rules.OPEN_REFERRAL_STATUSES),
        "open_referrals": [r for r in referrals if r.status in rules.OPEN_REFERRAL_STATUSES],
        "chart_data": _chart_data(trends, falls, today),
        "mrc_drop_points": settings.MRC_SUM_DROP_POINTS,
        "may": {
            "edit_patient": writable and policy.may_edit_patient(user),
            "record_assessment": writable and policy.may_record_assessment(user),
            "record_fall": writable and policy.may_record_fall(user),
            "prescribe_device": writable and policy.may_prescribe_device(user),
            "manage_referral": may_manage_referral,
            "mark_patient_in_error": writable and policy.may_mark_entered_in_error(user, patient),
        },
        "access_log": _access_log_of(user, patient),
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


# Registering and editing patients -------------------------------------------------------------


def _patient_name(patient):
    return f"{patient.family_name}, {patient.given_name}"


@login_required
def patient_new(request):
    user = _staff(request)
    _require(policy.may_edit_patient(user))
    clinics = Clinic.objects.of(user)
    if request.method == "POST":
        form = forms.PatientRegistrationForm(request.POST, clinics=clinics)
        if form.is_valid():
            try:
                patient = patient_create(created_by=user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"{_patient_name(patient)} (MRN {patient.mrn}) registered.")
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


def _shown(patient, field):
    value = getattr(patient, field)
    if value is None or value == "":
        return "blank"
    if patient._meta.get_field(field).choices:
        return getattr(patient, f"get_{field}_display")()
    return f"{value:%d %b %Y}" if isinstance(value, datetime.date) else str(value)


def _edited_meanwhile(form, current):
    """Keep what the user typed, say what is stored now, and let the next save replace it."""
    form.data = form.data.copy()
    form.data["version"] = record_version(current)
    stored = "; ".join(
        f"{form.fields[f].label}: {_shown(current, f)}"
        for f in PATIENT_EDITABLE
        if form.cleaned_data[f] != getattr(current, f)
    )
    form.add_error(
        None,
        "Someone else changed this patient's details while you were editing. "
        f"Stored now: {stored}. Your values are kept below; save again to replace theirs.",
    )


@login_required
def patient_edit(request, pk):
    patient = _patient_or_404(request, pk)
    _require(policy.may_edit_patient(request.user))
    if request.method == "POST":
        form = forms.PatientEditForm(request.POST)
        if form.is_valid():
            try:
                patient, changed = _save_details(patient=patient, by=request.user, data=form.cleaned_data)
            except EditedMeanwhile as exc:
                _edited_meanwhile(form, exc.current)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                if changed:
                    messages.success(request, f"Details of {_patient_name(patient)} saved.")
                else:
                    messages.info(request, f"No changes to the details of {_patient_name(patient)}.")
                return redirect("web:patient_dashboard", pk=patient.pk)
    else:
        form = forms.PatientEditForm(initial=_details(patient) | {"version": record_version(patient)})
    return _render_patient_page(request, patient, "web/patient_form.html", {"form": form, "patient": patient})


# Recording ------------------------------------------------------------------------------------


def _record_form(request, pk, *, form_class, allowed, save, template, initial=None, form_kwargs=None):
    """The shared shape of the pages that add a record to a patient.

    404 for a patient outside the user's clinics, 403 for a role the policy refuses, then the
    form: parsed by the form, validated and written by the service, every error shown in place.
    """
    patient = _patient_or_404(request, pk)
    _require(allowed(request.user))
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
    return _render_patient_page(request, patient, template, {"patient": patient, "form": form})


def _today_initial(*fields):
    return lambda: dict.fromkeys(fields, clinic_today())


@login_required
def assessment_new(request, pk):
    def save(request, patient, data, form):
        assessment = assessment_record(patient=patient, assessor=request.user, **form.service_kwargs())
        return f"Assessment of {assessment.assessed_on:%d %b %Y} recorded."

    return _record_form(
        request,
        pk,
        form_class=forms.AssessmentForm,
        allowed=policy.may_record_assessment,
        save=save,
        template="web/assessment_form.html",
        initial=_today_initial("assessed_on"),
        form_kwargs=lambda patient: {"previous": latest_assessment_of(patient)},
    )


@login_required
def fall_new(request, pk):
    def save(request, patient, data, form):
        fall = fall_record(patient=patient, recorded_by=request.user, **data)
        kind = "Near-fall" if fall.near_fall else "Fall"
        return f"{kind} of {timezone.localtime(fall.occurred_at):%d %b %Y %H:%M} recorded."

    def initial():
        return {"occurred_at": timezone.localtime().replace(second=0, microsecond=0)}

    return _record_form(
        request,
        pk,
        form_class=forms.FallForm,
        allowed=policy.may_record_fall,
        save=save,
        template="web/fall_form.html",
        initial=initial,
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


@login_required
def referral_new(request, pk):
    def save(request, patient, data, form):
        referral = referral_create(patient=patient, created_by=request.user, **data)
        return f"Referral to {referral.get_to_service_display()} created as a draft."

    return _record_form(
        request,
        pk,
        form_class=forms.ReferralForm,
        allowed=policy.may_manage_referral,
        save=save,
        template="web/referral_form.html",
        initial=_today_initial("referred_on"),
    )


@login_required
@require_POST
def referral_move(request, pk):
    referral = get_object_or_404(Referral.objects.visible_to(request.user).select_related("patient"), pk=pk)
    _require(policy.may_manage_referral(request.user))
    to_status = request.POST.get("status", "")
    try:
        referral = referral_transition(referral=referral, to_status=to_status, by=request.user)
    except (TransitionNotAllowed, ValidationError) as exc:
        message = str(exc) if isinstance(exc, TransitionNotAllowed) else " ".join(exc.messages)
        return _render_patient_page(
            request,
            referral.patient,
            "web/conflict.html",
            {"message": message, "patient": referral.patient},
            status=409,
        )
    messages.success(request, f"Referral to {referral.get_to_service_display()} is now {referral.status}.")
    return redirect(reverse("web:patient_dashboard", args=[referral.patient_id]) + "#referrals")


# Entered in error ----------------------------------------------------------------------------


@login_required
def mark_entered_in_error(request, kind, pk):
    model = record_model(kind)
    if model is None:
        raise Http404
    record = get_object_or_404(model.objects.visible_to(request.user), pk=pk)
    _require(policy.may_mark_entered_in_error(request.user, record))
    patient = record.patient_record
    if record.entered_in_error:
        return _render_patient_page(
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
    return _render_patient_page(request, patient, "web/entered_in_error_form.html", context)


# Reminders -----------------------------------------------------------------------------------


def _reminder_rows(reminders, today):
    for reminder in reminders:
        reminder.overdue = reminder.status != ReminderStatus.ACKNOWLEDGED and reminder.due_on < today
    return reminders


@login_required
def reminder_inbox(request):
    today = clinic_today()
    show = "acknowledged" if request.GET.get("show") == "acknowledged" else "open"
    reminders = reminders_addressed_to(request.user).select_related(
        "patient", "referral", "device", "fall", "acknowledged_by"
    )
    if show == "open":
        reminders = reminders.exclude(status=ReminderStatus.ACKNOWLEDGED).order_by("due_on", "id")
    else:
        reminders = reminders.filter(status=ReminderStatus.ACKNOWLEDGED).order_by("-acknowledged_at", "-id")
    page = Paginator(reminders, REMINDERS_PER_PAGE).get_page(request.GET.get("page"))
    rows = _reminder_rows(list(page), today)
    context = {"page": page, "reminders": rows, "show": show, "today": today}
    response = render(request, "web/reminder_inbox.html", context)
    access_record(request=request, action=AccessAction.PATIENT_LIST, patient_ids={r.patient_id for r in rows})
    return response


@login_required
@require_POST
def reminder_ack(request, pk):
    reminder = get_object_or_404(Reminder.objects.valid().visible_to(request.user), pk=pk)
    _require(policy.may_acknowledge_reminder(request.user, reminder))
    reminder = reminder_acknowledge(reminder=reminder, by=request.user)
    if _is_htmx(request):
        reminder = Reminder.objects.select_related(
            "patient", "referral", "device", "fall", "acknowledged_by"
        ).get(pk=reminder.pk)
        context = {"reminder": _reminder_rows([reminder], clinic_today())[0], "swap_count": True}
        # The row shown again names the patient: a read like the inbox's.
        access_record(request=request, action=AccessAction.PATIENT_READ, patient_ids=[reminder.patient_id])
        return render(request, "web/_reminder_row.html", context)
    messages.success(request, "Reminder acknowledged.")
    return redirect("web:reminder_inbox")
