"""``GET /api/v1/diary-entries/`` (SPEC §7): read-only for staff, by patient and day, scoped to
the user's clinics, logged like every list, in the schema."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessRecord
from care.models import FallEvent
from diary.selectors import diary_plans
from diary.services import diary_day_record, diary_link_issue

pytestmark = pytest.mark.django_db

LIST = "/api/v1/diary-entries/"


def record_days(link, patient, days, **answers):
    for day in days:
        exercises = {plan.pk: True for plan in diary_plans(patient, day)}
        diary_day_record(
            link=link,
            day=day,
            fatigue=answers.get("fatigue", 5),
            heat_worse=False,
            spasms=2,
            exercises=exercises,
            near_falls=0,
            falls=[],
            revision=0,
        )


@pytest.fixture
def entries(link, iris, south_patient, sam):
    today = timezone.localdate()
    record_days(link[0], iris, [today - datetime.timedelta(days=n) for n in range(4)])
    south_link, _ = diary_link_issue(patient=south_patient, by=sam)
    record_days(south_link, south_patient, [today])
    return today


def test_staff_list_their_clinics_entries_filtered_by_patient_and_day(nora_api, iris, entries):
    today = entries
    body = nora_api.get(LIST).json()
    assert body["count"] == 4
    assert {row["patient"] for row in body["results"]} == {iris.pk}
    row = body["results"][0]
    assert row["day"] == today.isoformat()
    assert set(row) >= {"fatigue", "heat_worse", "spasms", "exercises", "entered_in_error"}
    assert row["exercises"][0]["done"] is True
    yesterday = (today - datetime.timedelta(days=1)).isoformat()
    ranged = nora_api.get(LIST, {"patient": iris.pk, "day_after": yesterday, "day_before": yesterday}).json()
    assert [r["day"] for r in ranged["results"]] == [yesterday]


def test_an_outsider_sees_none_of_them(sam_api, iris, entries):
    rows = sam_api.get(LIST).json()["results"]
    assert all(row["patient"] != iris.pk for row in rows)
    assert sam_api.get(LIST, {"patient": iris.pk}).json()["results"] == []
    entry = iris.diary_entries.first()
    assert sam_api.get(f"{LIST}{entry.pk}/").status_code == 404


def test_entries_are_read_only(nora_api, iris, entries):
    entry = iris.diary_entries.first()
    assert nora_api.post(LIST, {"patient": iris.pk}, format="json").status_code == 405
    assert nora_api.patch(f"{LIST}{entry.pk}/", {"fatigue": 1}, format="json").status_code == 405
    assert nora_api.delete(f"{LIST}{entry.pk}/").status_code == 405


def test_an_unknown_filter_is_a_400(nora_api, entries):
    response = nora_api.get(LIST, {"date": "2026-01-01"})
    assert response.status_code == 400
    assert "date" in response.json()


def test_lists_and_reads_are_in_the_access_log(nora_api, iris, entries):
    nora_api.get(LIST, {"patient": iris.pk})
    nora_api.get(f"{LIST}{iris.diary_entries.first().pk}/")
    actions = list(
        AccessRecord.objects.filter(username="nora").order_by("id").values_list("action", flat=True)
    )
    assert actions == ["patient_list", "patient_read"]


def test_the_schema_describes_the_diary_routes(nora_api):
    schema = nora_api.get(reverse("api:schema"), {"format": "json"}).json()
    assert "/api/v1/diary-entries/" in schema["paths"]
    parameters = {p["name"] for p in schema["paths"]["/api/v1/diary-entries/"]["get"]["parameters"]}
    assert {"patient", "day_after", "day_before", "include_errors"} <= parameters
    link = schema["paths"]["/api/v1/patients/{id}/diary-link/"]
    assert set(link) >= {"post", "delete"}
    assert "201" in link["post"]["responses"] and "409" in link["post"]["responses"]


def test_a_diary_fall_in_the_falls_api_has_no_staff_author(nora_api, link, iris):
    diary_day_record(
        link=link[0],
        day=timezone.localdate(),
        fatigue=1,
        heat_worse=False,
        spasms=1,
        exercises={plan.pk: False for plan in diary_plans(iris, timezone.localdate())},
        near_falls=1,
        falls=[],
        revision=0,
    )
    fall = FallEvent.objects.get()
    body = nora_api.get(f"/api/v1/falls/{fall.pk}/").json()
    assert body["recorded_by"] is None
    assert body["near_fall"] is True
