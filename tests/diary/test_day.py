"""A day of the diary (SPEC §7): recorded and changed for 7 days, falls and near-falls as fall
events with source diary, reconciled without duplicates and never deleted."""

import datetime

import pytest
from django.utils import timezone

from care.models import FallEvent
from care.services import fall_record
from diary.models import DiaryEntry
from diary.selectors import diary_plans
from diary.services import REMOVED_BY_PATIENT
from patients.services import record_mark_entered_in_error

from .conftest import a_fall

pytestmark = pytest.mark.django_db


def falls_of(patient, **filters):
    return FallEvent.objects.filter(patient=patient, **filters).order_by("pk")


def test_a_day_with_a_fall_is_an_entry_and_a_fall_event_from_the_diary(link, iris, phone, clock):
    _, _, path = link
    today = timezone.localdate()
    plans = list(diary_plans(iris, today))
    response = phone.day_post(
        path,
        falls=[a_fall(time="00:05", injury="minor")],
        near_falls=2,
        fatigue=7,
        heat_worse="yes",
        spasms=5,
        plans=plans,
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"?day={today.isoformat()}&saved=1")
    entry = DiaryEntry.objects.get()
    assert (entry.day, entry.fatigue, entry.heat_worse, entry.spasms) == (today, 7, True, 5)
    assert entry.exercises == [{"plan": plans[0].pk, "done": True}]
    assert entry.history.count() == 1
    fall, *near_falls = falls_of(iris)
    assert fall.source == "diary" and fall.recorded_by is None and not fall.near_fall
    assert (fall.injury, fall.location, fall.notes) == ("minor", "home", "Tripped on the rug")
    assert timezone.localtime(fall.occurred_at).time() == datetime.time(0, 5)
    assert [f.near_fall for f in near_falls] == [True, True]
    assert all(f.source == "diary" for f in near_falls)
    page = phone.get(response["Location"])
    assert b"Saved. Thank you" in page.content


def test_changing_the_day_next_day_keeps_changes_and_removes_falls_without_duplicates(
    link, iris, phone, clock
):
    _, _, path = link
    today = timezone.localdate()
    plans = list(diary_plans(iris, today))
    phone.day_post(
        path,
        falls=[a_fall(time="00:05"), a_fall(time="00:10", notes="On the stairs")],
        near_falls=2,
        plans=plans,
    )
    first, second = falls_of(iris, near_fall=False)
    clock.shift(datetime.timedelta(days=1))
    # The day before, as the page draws it: both falls with their ids; the first now hurt, the
    # second taken out, one near-fall fewer.
    response = phone.day_post(
        path,
        today,
        revision=1,
        falls=[
            a_fall(id=first.pk, time="00:05", injury="moderate"),
            a_fall(id=second.pk, time="00:10", DELETE="on"),
        ],
        near_falls=1,
        plans=plans,
    )
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.injury == "moderate" and not first.entered_in_error
    assert second.entered_in_error and second.entered_in_error_reason == REMOVED_BY_PATIENT
    assert second.entered_in_error_by is None
    assert falls_of(iris, near_fall=False).count() == 2  # nothing new, nothing deleted
    near = falls_of(iris, near_fall=True)
    assert near.count() == 2 and near.valid().count() == 1
    assert near.exclude(entered_in_error_at=None).get().entered_in_error_reason == REMOVED_BY_PATIENT
    assert DiaryEntry.objects.get().revision == 2
    assert first.history.count() == 2


def test_a_form_sent_twice_records_the_day_once(link, iris, phone):
    _, _, path = link
    plans = list(diary_plans(iris, timezone.localdate()))
    for _ in range(2):
        phone.day_post(path, falls=[a_fall(time="00:01")], near_falls=1, plans=plans)
    assert DiaryEntry.objects.count() == 1
    assert falls_of(iris).count() == 2  # one fall, one near-fall
    again = phone.day_post(path, falls=[a_fall(time="00:01")], near_falls=1, plans=plans)
    assert again.status_code == 200
    assert b"saved from another page" in again.content


def test_a_day_can_be_changed_for_7_days_then_no_more(link, iris, phone, clock):
    _, _, path = link
    today = timezone.localdate()
    plans = list(diary_plans(iris, today))
    phone.day_post(path, plans=plans, fatigue=2)
    clock.shift(datetime.timedelta(days=7))
    assert phone.day_post(path, today, revision=1, plans=plans, fatigue=3).status_code == 302
    clock.shift(datetime.timedelta(days=1))
    late = phone.day_post(path, today, revision=2, plans=plans, fatigue=9)
    assert late.status_code == 400
    assert b"That day cannot be filled in" in late.content
    assert DiaryEntry.objects.get().fatigue == 3


@pytest.mark.parametrize("offset", [1, -8, -400])
def test_a_future_day_or_one_before_the_week_is_refused(link, phone, offset):
    _, _, path = link
    day = timezone.localdate() + datetime.timedelta(days=offset)
    assert phone.get(f"{path}?day={day.isoformat()}").status_code == 400
    assert phone.day_post(path, day).status_code == 400
    assert not DiaryEntry.objects.exists()


def test_diary_falls_count_for_fall_risk_and_remind_the_physios(link, iris, phone, phil, clock):
    _, _, path = link
    plans = list(diary_plans(iris, timezone.localdate()))
    phone.day_post(path, falls=[a_fall(time="00:01"), a_fall(time="00:02")], plans=plans)
    reminder = iris.reminders.get(kind="fall_risk")
    assert reminder.fall.source == "diary"
    assert list(reminder.recipients.all()) == [phil]


def test_staff_may_mark_a_diary_fall_entered_in_error_and_the_patient_then_sees_it_gone(
    link, iris, phone, nora, clock
):
    _, _, path = link
    plans = list(diary_plans(iris, timezone.localdate()))
    phone.day_post(path, falls=[a_fall(time="00:01")], plans=plans)
    record_mark_entered_in_error(
        record=falls_of(iris).get(), by=nora, reason="The same fall as the one we recorded"
    )
    page = phone.get(path)
    assert page.context["falls"].total_form_count() == 0


def test_clinic_falls_are_not_the_diarys_to_change(link, iris, phone, nora):
    _, _, path = link
    clinic_fall = fall_record(patient=iris, recorded_by=nora, occurred_at=timezone.now())
    plans = list(diary_plans(iris, timezone.localdate()))
    response = phone.day_post(path, falls=[a_fall(id=clinic_fall.pk, time="00:01")], plans=plans)
    assert response.status_code == 200
    assert b"no longer in your diary" in response.content
    assert not DiaryEntry.objects.exists()
    clinic_fall.refresh_from_db()
    assert clinic_fall.notes == "" and not clinic_fall.entered_in_error
