"""Issuing and ending diary links, and recording a day of the diary (SPEC §7).

A day's falls and near-falls are fall events recorded through ``care.services`` like any
other, so the rules and the fall-risk reminder count them; a change of the day reconciles
them: a fall the patient keeps is the same fall event (changed if they changed it), a new one is
recorded, and one they took out is marked entered in error, never deleted.
"""

import secrets
from datetime import datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from care.models import FallSource
from care.services import fall_record, fall_update
from patients.clock import clinic_today
from patients.models import Patient, PatientStatus
from patients.services import record_mark_entered_in_error, record_validate

from .models import DiaryEntry, DiaryLink, LinkEnd
from .selectors import diary_days, diary_entry_of_day, diary_falls_of_day, diary_plans, secret_hash

REMOVED_BY_PATIENT = "removed by the patient in the diary"
# Near-falls are asked as a number for the day, without a time: each is dated at noon (or at the
# moment it was recorded, on the morning of the same day).
NEAR_FALL_HOUR = 12
NEAR_FALLS_MAX = 20
FALLS_MAX = 10
# The fields of a fall a patient gives, and the name of each on the fall event.
FALL_FIELDS = ("occurred_at", "location", "injury", "notes")


class DayChangedMeanwhile(Exception):
    """The day was saved (from another page, or by a form sent twice) after this form was drawn."""


# Links --------------------------------------------------------------------------------------------


def _end_open_link(patient, *, by, reason):
    return (
        DiaryLink.objects.open()
        .filter(patient=patient)
        .update(ended_at=timezone.now(), ended_by=by, end_reason=reason)
    )


@transaction.atomic
def diary_link_issue(*, patient, by):
    """A new diary link for an active patient, ending the one they had. Returns the link and its
    secret, which is shown once and never stored."""
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    if patient.entered_in_error:
        raise ValidationError("This patient record is marked entered in error: no diary link can be issued.")
    if patient.status != PatientStatus.ACTIVE:
        raise ValidationError("This patient is discharged: a diary link is only for an active patient.")
    _end_open_link(patient, by=by, reason=LinkEnd.REPLACED)
    secret = secrets.token_urlsafe(32)
    link = DiaryLink.objects.create(
        patient=patient,
        secret_hash=secret_hash(secret),
        issued_by=by,
        expires_on=clinic_today() + timedelta(days=DiaryLink.DAYS_VALID),
    )
    return link, secret


@transaction.atomic
def diary_link_revoke(*, patient, by):
    """End the patient's diary link; how many were open (0 or 1)."""
    return _end_open_link(patient, by=by, reason=LinkEnd.REVOKED)


def diary_link_end_on_discharge(sender, *, patient, by, **kwargs):
    """``patients.signals.patient_discharged``: a discharged patient's diary closes."""
    _end_open_link(patient, by=by, reason=LinkEnd.DISCHARGED)


def diary_link_end_on_entered_in_error(sender, *, record, **kwargs):
    """``patients.signals.record_entered_in_error``: a patient marked so takes their link along."""
    if isinstance(record, Patient):
        _end_open_link(record, by=record.entered_in_error_by, reason=LinkEnd.ENTERED_IN_ERROR)


# A day of the diary -------------------------------------------------------------------------------


def fall_moment(day, at):
    """The aware moment of a clinic-local ``day`` at the time of day ``at``."""
    return timezone.make_aware(datetime.combine(day, at))


def _near_fall_moment(day):
    return min(fall_moment(day, time(NEAR_FALL_HOUR)), timezone.now())


def _day_errors(day, patient, today):
    if day not in diary_days(today):
        return {"day": ["Choose today or one of the 7 days before."]}
    if day < patient.date_of_birth:
        return {"day": ["That day is before your date of birth."]}
    return {}


@transaction.atomic
def diary_day_record(
    *, link, day, fatigue, heat_worse, spasms, exercises, near_falls, falls, revision, today=None
):
    """Record or change the patient's diary for ``day``.

    ``exercises`` is ``{plan id: done}`` for each plan the day asks about; ``falls`` a list of
    ``{"id": fall event id or None, "occurred_at", "location", "injury", "notes"}``;
    ``revision`` the entry's revision the form was drawn from (0 for none). Raises
    ``DayChangedMeanwhile`` if it is no longer the stored one, ``ValidationError`` for bad input.
    """
    today = today or clinic_today()
    # One save at a time per link: the revision check and the falls' reconciliation see the
    # day as the previous save left it.
    link = DiaryLink.objects.select_for_update().select_related("patient").get(pk=link.pk)
    patient = link.patient
    if link.ended_at is not None:
        raise ValidationError("This diary link has ended.")
    errors = _day_errors(day, patient, today)
    if errors:
        raise ValidationError(errors)
    entry = diary_entry_of_day(patient, day)
    if revision != (entry.revision if entry else 0):
        raise DayChangedMeanwhile
    plans = list(diary_plans(patient, day).values_list("pk", flat=True))
    if set(exercises) != set(plans):
        raise ValidationError({"exercises": ["Answer for each of your exercise plans."]})
    if not 0 <= near_falls <= NEAR_FALLS_MAX:
        raise ValidationError({"near_falls": [f"Give a number from 0 to {NEAR_FALLS_MAX}."]})
    if len(falls) > FALLS_MAX:
        raise ValidationError({"falls": [f"At most {FALLS_MAX} falls a day."]})

    if entry is None:
        entry = DiaryEntry(patient=patient, day=day, link=link, revision=0)
    entry.link = link
    entry.fatigue, entry.heat_worse, entry.spasms = fatigue, heat_worse, spasms
    entry.exercises = [{"plan": plan, "done": bool(exercises[plan])} for plan in plans]
    entry.revision += 1
    record_validate(entry)
    entry.save()
    _falls_reconcile(patient, day, falls)
    _near_falls_reconcile(patient, day, near_falls)
    return entry


def _falls_reconcile(patient, day, falls):
    stored = {fall.pk: fall for fall in diary_falls_of_day(patient, day).filter(near_fall=False)}
    kept = {fall["id"] for fall in falls if fall["id"] is not None}
    if not kept <= set(stored):
        raise ValidationError(
            {"falls": ["A fall on this page is no longer in your diary: open the day again."]}
        )
    for fall in falls:
        given = {field: fall[field] for field in FALL_FIELDS}
        if fall["id"] is None:
            fall_record(patient=patient, recorded_by=None, source=FallSource.DIARY, **given)
        elif changes := {f: v for f, v in given.items() if getattr(stored[fall["id"]], f) != v}:
            fall_update(fall=stored[fall["id"]], by=None, **changes)
    for pk in set(stored) - kept:
        record_mark_entered_in_error(record=stored[pk], by=None, reason=REMOVED_BY_PATIENT)


def _near_falls_reconcile(patient, day, count):
    stored = list(diary_falls_of_day(patient, day).filter(near_fall=True))
    for _ in range(count - len(stored)):
        fall_record(
            patient=patient,
            recorded_by=None,
            source=FallSource.DIARY,
            near_fall=True,
            occurred_at=_near_fall_moment(day),
        )
    # The most recently recorded go first.
    for near_fall in sorted(stored, key=lambda f: f.pk)[count:]:
        record_mark_entered_in_error(record=near_fall, by=None, reason=REMOVED_BY_PATIENT)
