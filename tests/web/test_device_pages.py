"""The device pages: a review from the dashboard's device row, and "Discontinue" — both written
through the care services, every error shown in words by its field."""

import datetime

import pytest
from django.urls import reverse

from audit.models import AccessRecord
from care.models import DeviceReview
from care.services import device_review
from patients.services import record_mark_entered_in_error
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 1)


@pytest.fixture(autouse=True)
def today(clock):
    clock.move_to(datetime.datetime.combine(TODAY, datetime.time(12), tzinfo=datetime.UTC))


@pytest.fixture
def afo(assessed_patient, phil):
    return factories.DeviceFactory(
        patient=assessed_patient,
        prescribed_by=phil,
        prescribed_on=datetime.date(2026, 1, 10),
        review_due_on=datetime.date(2026, 4, 10),
    )


def _dashboard(device):
    return reverse("web:patient_dashboard", args=[device.patient_id])


def test_the_review_form_starts_today_with_the_next_review_in_90_days(phil_web, afo):
    response = phil_web.get(reverse("web:device_review", args=[afo.pk]))
    assert response.status_code == 200
    form = response.context["form"]
    assert (form["reviewed_on"].value(), form["next_review_due_on"].value()) == (
        TODAY,
        datetime.date(2026, 8, 30),
    )
    html = response.content.decode()
    assert "Review: Ankle-foot orthosis (AFO) (left)" in html and "review due 10 Apr 2026" in html
    record = AccessRecord.objects.with_patient_ids().latest("id")
    assert (record.action, record.patient_ids) == ("patient_read", [afo.patient_id])


def test_a_physio_records_a_review_and_the_dashboard_shows_it(phil_web, phil, afo):
    data = {"reviewed_on": "2026-06-01", "next_review_due_on": "2026-12-01", "note": "Strap replaced."}
    response = phil_web.post(reverse("web:device_review", args=[afo.pk]), data)
    assert response.status_code == 302
    assert response["Location"] == _dashboard(afo) + "#devices"
    review = DeviceReview.objects.get()
    assert (review.device, review.reviewed_by, review.note) == (afo, phil, "Strap replaced.")
    afo.refresh_from_db()
    assert afo.review_due_on == datetime.date(2026, 12, 1)
    html = phil_web.get(response["Location"]).content.decode()
    assert "Review of the Ankle-foot orthosis (AFO) recorded; next review due 01 Dec 2026." in html
    assert "Reviews (1)" in html and "1 Jun 2026 by phil; next due 1 Dec 2026: Strap replaced." in html


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"reviewed_on": "2026-06-02"}, "reviewed_on", "Must not be in the future."),
        ({"reviewed_on": "2026-01-09"}, "reviewed_on", "Must not be before the prescription date."),
        ({"reviewed_on": "1899-12-31"}, "reviewed_on", "Must not be before 1 Jan 1900."),
        ({"next_review_due_on": "2026-05-31"}, "next_review_due_on", "Must not be before the review date."),
        (
            {"next_review_due_on": "2031-01-11"},
            "next_review_due_on",
            "Must be at most 5 years after the prescription date: 10 Jan 2031 at the latest.",
        ),
        ({"next_review_due_on": ""}, "next_review_due_on", "This field is required."),
    ],
)
def test_a_bad_review_is_shown_in_words_by_its_field_and_kept(phil_web, afo, data, field, message):
    data = {"reviewed_on": "2026-06-01", "next_review_due_on": "2026-12-01", "note": "Kept note"} | data
    response = phil_web.post(reverse("web:device_review", args=[afo.pk]), data)
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert "Kept note" in response.content.decode()
    assert not DeviceReview.objects.exists()


def test_a_physio_discontinues_a_device(phil_web, afo):
    response = phil_web.get(reverse("web:device_discontinue", args=[afo.pk]))
    assert response.context["form"]["discontinued_on"].value() == TODAY
    response = phil_web.post(
        reverse("web:device_discontinue", args=[afo.pk]), {"discontinued_on": "2026-05-20"}
    )
    assert response.status_code == 302
    afo.refresh_from_db()
    assert (afo.status, afo.discontinued_on) == ("discontinued", datetime.date(2026, 5, 20))
    assert afo.history.latest("history_id").history_user.username == "phil"
    html = phil_web.get(response["Location"]).content.decode()
    assert "Ankle-foot orthosis (AFO) discontinued on 20 May 2026." in html
    # No review or discontinuation is offered for it any more, and neither page takes it.
    assert reverse("web:device_review", args=[afo.pk]) not in html
    assert reverse("web:device_discontinue", args=[afo.pk]) not in html
    for name in ("device_review", "device_discontinue"):
        response = phil_web.get(reverse(f"web:{name}", args=[afo.pk]))
        assert response.status_code == 409
        assert "Ankle-foot orthosis (AFO) prescribed 10 Jan 2026 was discontinued on 20 May 2026." in (
            response.content.decode()
        )


@pytest.mark.parametrize(
    ("day", "message"),
    [
        ("2026-06-02", "Must not be in the future."),
        ("2026-01-09", "Must not be before the prescription date."),
        ("", "This field is required."),
    ],
)
def test_a_bad_discontinuation_date_is_shown_in_words(phil_web, afo, day, message):
    response = phil_web.post(reverse("web:device_discontinue", args=[afo.pk]), {"discontinued_on": day})
    assert response.status_code == 200
    assert response.context["form"].errors["discontinued_on"] == [message]
    afo.refresh_from_db()
    assert afo.status == "active"


def test_a_device_entered_in_error_has_no_pages(phil_web, phil, afo):
    record_mark_entered_in_error(record=afo, by=phil, reason="Wrong patient")
    for name in ("device_review", "device_discontinue"):
        assert phil_web.get(reverse(f"web:{name}", args=[afo.pk])).status_code == 404


def test_a_review_marked_entered_in_error_from_the_dashboard_gives_the_date_back(phil_web, phil, afo):
    review = device_review(
        device=afo, by=phil, reviewed_on=TODAY, next_review_due_on=datetime.date(2026, 12, 1)
    )
    url = reverse("web:entered_in_error", args=["device_review", review.pk])
    html = phil_web.get(_dashboard(afo)).content.decode()
    assert url in html
    response = phil_web.get(url)
    assert "Ankle-foot orthosis (AFO) reviewed 01 Jun 2026" in response.content.decode()
    response = phil_web.post(url, {"reason": "Reviewed the wrong device"})
    assert response.status_code == 302 and response["Location"] == _dashboard(afo)
    afo.refresh_from_db()
    assert afo.review_due_on == datetime.date(2026, 4, 10)
    assert "Reviews (" not in phil_web.get(_dashboard(afo)).content.decode()
