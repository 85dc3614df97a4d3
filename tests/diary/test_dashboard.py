"""The staff side of the diary (SPEC §7): the dashboard's panel over the last 28 days, diary
falls marked as such, and the staff who may mark a diary fall entered in error."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from care.models import FallEvent
from care.services import fall_record
from diary.models import DiaryEntry
from diary.selectors import diary_plans
from diary.services import diary_day_record
from tests.support.clients import web_client_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_days(link, iris):
    """Three days recorded: fatigue 2, 5, 8; spasms 1, 2, 3; the plan done on two of them; a
    fall the first day."""
    today = timezone.localdate()
    plan = diary_plans(iris, today).get()
    first_day_fall = {
        "id": None,
        "occurred_at": timezone.now() - datetime.timedelta(days=2),
        "location": "home",
        "injury": "none",
        "notes": "",
    }
    for back, fatigue, spasms, done in ((2, 2, 1, True), (1, 5, 2, False), (0, 8, 3, True)):
        diary_day_record(
            link=link[0],
            day=today - datetime.timedelta(days=back),
            fatigue=fatigue,
            heat_worse=back == 0,
            spasms=spasms,
            exercises={plan.pk: done},
            near_falls=0,
            falls=[first_day_fall] if back == 2 else [],
            revision=0,
        )
    return iris


def _falls(patient):
    return FallEvent.objects.filter(patient=patient)


def test_the_dashboard_shows_the_diary_panel(three_days, nora):
    page = web_client_of(nora).get(reverse("web:patient_dashboard", args=[three_days.pk])).content.decode()
    panel = page.split('id="diary"', 1)[1].split("</section>", 1)[0]
    assert "3 of 28" in panel
    assert "67%: 2 of 3 plan-days done" in panel
    assert "1 day" in panel  # worse in the heat
    fatigue = panel.split("diary-chart--fatigue", 1)[1].split("</figure>", 1)[0]
    assert fatigue.count('class="diary-chart__bar"') == 3
    assert ": 2; " in fatigue and ": 8." in fatigue  # the description holds the data
    falls = page.split('id="falls"', 1)[1].split("</section>", 1)[0]
    assert "From the diary" in falls


def test_a_nurse_may_mark_a_diary_fall_entered_in_error(three_days, nora, nora_api):
    fall = _falls(three_days).get()
    response = nora_api.post(
        f"/api/v1/falls/{fall.pk}/entered-in-error/", {"reason": "Same as the clinic's"}, format="json"
    )
    assert response.status_code == 200
    fall.refresh_from_db()
    assert fall.entered_in_error_by == nora


def test_a_nurse_still_may_not_mark_a_colleagues_clinic_fall(iris, phil, nora_api):
    fall = fall_record(patient=iris, recorded_by=phil, occurred_at=timezone.now())
    response = nora_api.post(
        f"/api/v1/falls/{fall.pk}/entered-in-error/", {"reason": "Not mine"}, format="json"
    )
    assert response.status_code == 403


def test_the_diary_panel_costs_the_same_queries_for_3_days_as_for_28(link, iris, nora):
    page = web_client_of(nora)
    url = reverse("web:patient_dashboard", args=[iris.pk])
    today = timezone.localdate()
    plan = diary_plans(iris, today).get()
    counts = {}
    for days in (3, 28):
        for back in range(DiaryEntry.objects.count(), days):
            DiaryEntry.objects.create(
                patient=iris,
                link=link[0],
                day=today - datetime.timedelta(days=back),
                fatigue=back % 11,
                heat_worse=False,
                spasms=2,
                exercises=[{"plan": plan.pk, "done": back % 2 == 0}],
            )
        with CaptureQueriesContext(connection) as queries:
            assert page.get(url).status_code == 200
        counts[days] = len(queries)
    assert counts[3] == counts[28]
