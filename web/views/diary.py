"""The patient's diary page (SPEC §7): reached by the secret link the clinic gave, with no account.

Every use is rate-limited (per address first, so guessing links costs as much as using one; then
per link) and written to the access log with no user. An unknown, ended or expired link is the
same 404 page, whichever it is.
"""

import math
import time
from datetime import date, timedelta
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from audit.models import AccessAction
from audit.services import access_record
from diary.selectors import (
    DAYS_BACK,
    diary_days,
    diary_entry_of_day,
    diary_falls_of_day,
    diary_link_by_secret,
    diary_plans,
    secret_hash,
)
from diary.services import FALLS_MAX, DayChangedMeanwhile, diary_day_record
from patients.clock import clinic_today

from ..diary_forms import DiaryDayForm, DiaryFallFormSet

CHANGED_MEANWHILE = (
    "This day was saved from another page while you were filling in this one. "
    "Here is what is saved now: check it and save again."
)


def _over_limit(key, limit):
    """Count a request against ``key`` in the current window; the seconds to wait if over ``limit``."""
    window = settings.DIARY_RATE_WINDOW_SECONDS
    now = time.time()
    bucket = f"diary-rate:{key}:{int(now // window)}"
    cache.add(bucket, 0, timeout=window)
    try:
        count = cache.incr(bucket)
    except ValueError:  # the bucket expired between add and incr
        cache.set(bucket, 1, timeout=window)
        count = 1
    return math.ceil(window - now % window) if count > limit else 0


def _too_many(request, secret):
    wait = _over_limit(f"address:{request.META.get('REMOTE_ADDR', '')}", settings.DIARY_REQUESTS_PER_ADDRESS)
    return wait or _over_limit(f"link:{secret_hash(secret)}", settings.DIARY_REQUESTS_PER_LINK)


def _day_asked(request, today):
    """The day in ``?day=``: today without one; ``None`` for one that cannot be recorded now."""
    value = request.GET.get("day")
    if not value:
        return today
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return day if day in diary_days(today) else None


def _falls_asked(request, stored):
    """How many fall questions to show: ``?falls=`` (what the patient chose), at least the stored falls."""
    try:
        asked = int(request.GET.get("falls", stored))
    except ValueError:
        asked = stored
    return min(max(asked, stored), FALLS_MAX)


def _initial(entry, falls, plans):
    near_falls = sum(1 for fall in falls if fall.near_fall)
    if entry is None:
        return {"revision": 0, "near_falls": near_falls}
    done = {answer["plan"]: answer["done"] for answer in entry.exercises}
    return {
        "revision": entry.revision,
        "near_falls": near_falls,
        "fatigue": entry.fatigue,
        "heat_worse": "yes" if entry.heat_worse else "no",
        "spasms": entry.spasms,
        **{f"plan_{plan.pk}": "yes" if done[plan.pk] else "no" for plan in plans if plan.pk in done},
    }


def _fall_initial(fall):
    return {
        "id": fall.pk,
        "time": timezone.localtime(fall.occurred_at).strftime("%H:%M"),
        "location": fall.location,
        "injury": fall.injury,
        "notes": fall.notes,
    }


def _address_kept_private(view):
    """The page's address is its secret: a Referer carries only the site's origin, never the path,
    to any page or file, even of this site. (Not ``no-referrer``: a browser then sends the form
    with ``Origin: null``, which the CSRF check refuses.)"""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "origin"
        return response

    return wrapped


@never_cache
@_address_kept_private
def diary_day(request, secret):
    if wait := _too_many(request, secret):
        response = render(request, "diary/too_many.html", {"minutes": math.ceil(wait / 60)}, status=429)
        response["Retry-After"] = str(wait)
        return response
    today = clinic_today()
    link = diary_link_by_secret(secret, today=today)
    if link is None:
        return render(request, "diary/not_found.html", status=404)
    patient = link.patient
    day = _day_asked(request, today)
    context = {"patient": patient, "clinic": patient.clinic, "today": today, "days": _days(patient, today)}
    if day is None:
        response = render(request, "diary/day.html", {**context, "day_refused": True}, status=400)
        access_record(request=request, action=AccessAction.DIARY, patient_ids=[patient.pk])
        return response

    entry = diary_entry_of_day(patient, day)
    stored = list(diary_falls_of_day(patient, day))
    stored_falls = [fall for fall in stored if not fall.near_fall]
    plans = list(diary_plans(patient, day))
    fall_kwargs = {"day": day, "now": timezone.now()}
    message = None
    if request.method == "POST":
        form = DiaryDayForm(request.POST, plans=plans)
        falls = DiaryFallFormSet(request.POST, form_kwargs=fall_kwargs, prefix="falls")
        if form.is_valid() and falls.is_valid():
            data = form.cleaned_data
            try:
                diary_day_record(
                    link=link,
                    day=day,
                    fatigue=data["fatigue"],
                    heat_worse=data["heat_worse"],
                    spasms=data["spasms"],
                    exercises=form.exercises(),
                    near_falls=data["near_falls"],
                    falls=falls.falls(),
                    revision=data["revision"],
                )
            except DayChangedMeanwhile:
                message = CHANGED_MEANWHILE
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                access_record(request=request, action=AccessAction.DIARY, patient_ids=[patient.pk])
                return redirect(f"{request.path}?day={day.isoformat()}&saved=1", permanent=False)
        if message:  # draw the day again as it is saved now
            entry = diary_entry_of_day(patient, day)
            stored = list(diary_falls_of_day(patient, day))
            stored_falls = [fall for fall in stored if not fall.near_fall]
    if request.method != "POST" or message:
        form = DiaryDayForm(initial=_initial(entry, stored, plans), plans=plans)
        count = _falls_asked(request, len(stored_falls))
        falls = DiaryFallFormSet(
            initial=[_fall_initial(fall) for fall in stored_falls] + [{}] * (count - len(stored_falls)),
            form_kwargs=fall_kwargs,
            prefix="falls",
        )
    context |= {
        "day": day,
        "entry": entry,
        "form": form,
        "falls": falls,
        "stored_falls": len(stored_falls),
        "changeable_until": day + timedelta(days=DAYS_BACK),
        "fall_choices": range(len(stored_falls), FALLS_MAX + 1),
        "saved": request.GET.get("saved") == "1" and entry is not None and request.method != "POST",
        "message": message,
    }
    response = render(request, "diary/day.html", context, status=200)
    access_record(request=request, action=AccessAction.DIARY, patient_ids=[patient.pk])
    return response


def _days(patient, today):
    """The days the patient may record, newest first, each with whether it has an entry."""
    recorded = set(
        patient.diary_entries.valid().filter(day__gte=diary_days(today)[-1]).values_list("day", flat=True)
    )
    return [
        {"day": day, "recorded": day in recorded, "back": (today - day).days} for day in diary_days(today)
    ]
