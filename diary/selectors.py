"""Reads of diary links and entries: the link a secret opens, what a day asks, the last 28 days."""

import hashlib
from datetime import timedelta

from care.models import ExercisePlan, FallEvent, FallSource, PlanStatus
from patients.clock import local_midnight

from .models import DiaryEntry, DiaryLink

# The days a patient may record or change: today and the 7 before it (SPEC §7).
DAYS_BACK = 7
# The dashboard's diary panel: the last 28 days, today included.
PANEL_DAYS = 28
# A secret is 43 characters (secrets.token_urlsafe(32)); anything much longer is not one.
SECRET_MAX_LENGTH = 100


def secret_hash(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


def diary_link_by_secret(secret, *, today):
    """The usable link ``secret`` opens, with its patient and clinic, or ``None``: unknown, ended
    and expired links, and those of patients no longer active, are all the same ``None``."""
    if not secret or len(secret) > SECRET_MAX_LENGTH:
        return None
    return (
        DiaryLink.objects.usable(today)
        .select_related("patient__clinic")
        .filter(secret_hash=secret_hash(secret))
        .first()
    )


def open_diary_link_of(patient):
    return DiaryLink.objects.open().filter(patient=patient).select_related("issued_by").first()


def diary_days(today):
    """The days a diary entry may be recorded or changed on ``today``, newest first."""
    return [today - timedelta(days=back) for back in range(DAYS_BACK + 1)]


def diary_plans(patient, day):
    """The exercise plans a day's entry asks about: the patient's valid plans active now and
    started by ``day``, in the order they were prescribed."""
    return (
        ExercisePlan.objects.valid()
        .filter(patient=patient, status=PlanStatus.ACTIVE, started_on__lte=day)
        .order_by("started_on", "id")
    )


def diary_falls_of_day(patient, day):
    """The valid falls and near-falls the patient recorded in the diary on the clinic-local ``day``."""
    return (
        FallEvent.objects.valid()
        .filter(
            patient=patient,
            source=FallSource.DIARY,
            occurred_at__gte=local_midnight(day),
            occurred_at__lt=local_midnight(day + timedelta(days=1)),
        )
        .order_by("occurred_at", "id")
    )


def diary_entry_of_day(patient, day):
    return DiaryEntry.objects.valid().filter(patient=patient, day=day).first()


def diary_entry_list(user):
    """Diary entries of ``user``'s clinics, those entered in error too (the API shows them on request)."""
    return DiaryEntry.objects.visible_to(user).select_related("entered_in_error_by")


def diary_recent(patient, *, today):
    """The patient's valid entries of the last ``PANEL_DAYS`` days, oldest first."""
    first = today - timedelta(days=PANEL_DAYS - 1)
    return list(DiaryEntry.objects.valid().filter(patient=patient).in_days(first, today).order_by("day"))


def diary_panel(patient, *, today):
    """The dashboard's diary panel (SPEC §7): days recorded of the last 28, fatigue and spasms by
    day, and exercise adherence: plans done / plans asked, over all recorded days and per plan."""
    entries = diary_recent(patient, today=today)
    per_plan = {}
    for entry in entries:
        for answer in entry.exercises:
            done, asked = per_plan.get(answer["plan"], (0, 0))
            per_plan[answer["plan"]] = (done + bool(answer["done"]), asked + 1)
    plans = ExercisePlan.objects.filter(pk__in=per_plan).order_by("started_on", "id")
    return {
        "first_day": today - timedelta(days=PANEL_DAYS - 1),
        "today": today,
        "days": PANEL_DAYS,
        "days_recorded": len(entries),
        "entries": entries,
        "exercises_done": sum(done for done, _ in per_plan.values()),
        "exercises_asked": sum(asked for _, asked in per_plan.values()),
        "plans": [
            {"plan": plan, "done": per_plan[plan.pk][0], "asked": per_plan[plan.pk][1]} for plan in plans
        ],
    }
