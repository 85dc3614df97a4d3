"""Devices in the API: ``POST devices/{id}/review/`` (SPEC §4), the ``reviews`` a device shows,
marking a review entered in error, and the prescription's own plausibility rules."""

import datetime

import pytest
from django.urls import reverse

from audit.models import AccessRecord
from care.models import DevicePrescription, DeviceReview
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 1)


@pytest.fixture(autouse=True)
def today(clock):
    clock.move_to(datetime.datetime.combine(TODAY, datetime.time(12), tzinfo=datetime.UTC))


@pytest.fixture
def afo(north_patient, phil):
    return factories.DeviceFactory(
        patient=north_patient,
        prescribed_by=phil,
        prescribed_on=datetime.date(2026, 1, 10),
        review_due_on=datetime.date(2026, 4, 10),
    )


def review_url(device):
    return reverse("api:device-review", kwargs={"pk": device.pk})


def a_review(**changes):
    return {
        "reviewed_on": "2026-06-01",
        "next_review_due_on": "2026-12-01",
        "note": "Fits; skin intact.",
    } | changes


def test_a_physio_reviews_a_device_and_it_shows_its_reviews(afo, phil_api):
    response = phil_api.post(review_url(afo), a_review(), format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["review_due_on"]) == (afo.pk, "2026-12-01")
    [shown] = body["reviews"]
    review = DeviceReview.objects.get()
    assert shown == {
        "id": review.pk,
        "reviewed_on": "2026-06-01",
        "reviewed_by": "phil",
        "note": "Fits; skin intact.",
        "next_review_due_on": "2026-12-01",
        "created_at": shown["created_at"],
        "entered_in_error": False,
        "entered_in_error_at": None,
        "entered_in_error_by": None,
        "entered_in_error_reason": "",
    }
    # The device read again shows the same, and the read is in the access log.
    read = phil_api.get(reverse("api:device-detail", kwargs={"pk": afo.pk}))
    assert read.json()["reviews"] == [shown]
    record = AccessRecord.objects.with_patient_ids().latest("id")
    assert (record.action, record.patient_ids) == ("patient_read", [afo.patient_id])


def test_every_review_is_kept_oldest_first(afo, phil_api, ada_api):
    phil_api.post(
        review_url(afo), a_review(reviewed_on="2026-05-01", next_review_due_on="2026-08-01"), format="json"
    )
    body = ada_api.post(review_url(afo), a_review(note=""), format="json").json()
    assert [(r["reviewed_on"], r["reviewed_by"], r["next_review_due_on"]) for r in body["reviews"]] == [
        ("2026-05-01", "phil", "2026-08-01"),
        ("2026-06-01", "ada", "2026-12-01"),
    ]
    assert body["review_due_on"] == "2026-12-01"


def test_a_nurse_may_not_review_a_device(afo, nora_api):
    assert nora_api.post(review_url(afo), a_review(), format="json").status_code == 403
    assert not DeviceReview.objects.exists()


def test_a_review_of_another_clinics_device_is_not_found(south_patient, sam, ada_api):
    theirs = factories.DeviceFactory(patient=south_patient, prescribed_by=sam, prescribed_on=TODAY)
    assert ada_api.post(review_url(theirs), a_review(), format="json").status_code == 404
    assert not DeviceReview.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"reviewed_on": "2026-06-02"}, "reviewed_on"),  # tomorrow
        ({"reviewed_on": "2026-01-09"}, "reviewed_on"),  # before the prescription
        ({"reviewed_on": "1899-12-31"}, "reviewed_on"),
        ({"reviewed_on": "soon"}, "reviewed_on"),
        ({"next_review_due_on": "2026-05-31"}, "next_review_due_on"),  # before the review
        ({"next_review_due_on": "2031-01-11"}, "next_review_due_on"),  # five years and a day
        ({"next_review_due_on": None}, "next_review_due_on"),
        ({"note": "x" * 10_001}, "note"),
        ({"reviewed_by": "ada"}, "reviewed_by"),
        ({"next_review_due": "2026-12-01"}, "next_review_due"),
    ],
)
def test_a_bad_review_is_a_400_naming_the_field_and_nothing_changes(afo, phil_api, changes, field):
    response = phil_api.post(review_url(afo), a_review(**changes), format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    afo.refresh_from_db()
    assert (afo.review_due_on, afo.reviews.count()) == (datetime.date(2026, 4, 10), 0)


def test_the_review_fields_are_required(afo, phil_api):
    response = phil_api.post(review_url(afo), {}, format="json")
    assert set(response.json()) == {"reviewed_on", "next_review_due_on"}


def test_a_discontinued_or_mistaken_device_is_not_reviewed(afo, phil, phil_api):
    DevicePrescription.objects.filter(pk=afo.pk).update(status="discontinued", discontinued_on=TODAY)
    response = phil_api.post(review_url(afo), a_review(), format="json")
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["This device is discontinued: only a device in use is reviewed."]
    }
    other = factories.DeviceFactory(patient=afo.patient, prescribed_by=phil, prescribed_on=TODAY)
    marked = phil_api.post(
        reverse("api:device-entered-in-error", kwargs={"pk": other.pk}),
        {"reason": "Duplicate"},
        format="json",
    )
    assert marked.status_code == 200, marked.content
    response = phil_api.post(review_url(other), a_review(), format="json")
    assert response.status_code == 409
    assert "entered in error" in response.json()["detail"]
    assert not DeviceReview.objects.exists()


def test_a_review_marked_entered_in_error_gives_the_date_back_and_stays_shown(afo, phil_api, ada_api):
    review = phil_api.post(review_url(afo), a_review(), format="json").json()["reviews"][0]
    url = reverse("api:device-review-entered-in-error", kwargs={"pk": afo.pk, "review_id": review["id"]})
    response = ada_api.post(url, {"reason": "Reviewed the other patient's AFO"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["review_due_on"] == "2026-04-10"
    [shown] = body["reviews"]
    assert (shown["entered_in_error"], shown["entered_in_error_by"]) == (True, "ada")
    assert shown["entered_in_error_reason"] == "Reviewed the other patient's AFO"
    # Once is enough; a reason is needed; the review must be this device's.
    assert ada_api.post(url, {"reason": "again"}, format="json").status_code == 409
    other = factories.DeviceFactory(patient=afo.patient, prescribed_on=TODAY)
    wrong = reverse("api:device-review-entered-in-error", kwargs={"pk": other.pk, "review_id": review["id"]})
    assert ada_api.post(wrong, {"reason": "x"}, format="json").status_code == 404


def test_a_physio_may_not_mark_someone_elses_review_entered_in_error(afo, ada_api, phil_api):
    review = ada_api.post(review_url(afo), a_review(), format="json").json()["reviews"][0]
    url = reverse("api:device-review-entered-in-error", kwargs={"pk": afo.pk, "review_id": review["id"]})
    assert phil_api.post(url, {"reason": "Not mine"}, format="json").status_code == 403
    assert not DeviceReview.objects.get().entered_in_error


# The prescription itself ----------------------------------------------------------------------


def prescription(patient, **changes):
    return {
        "patient": patient.pk,
        "device_type": "afo",
        "side": "left",
        "prescribed_on": "2026-03-03",
    } | changes


def test_the_review_date_defaults_to_90_days_after_the_prescription(north_patient, phil_api):
    response = phil_api.post(reverse("api:device-list"), prescription(north_patient), format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["review_due_on"], response.json()["reviews"]) == ("2026-06-01", [])


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"side": "na"}, "side"),
        ({"device_type": "fes", "side": "na"}, "side"),
        ({"device_type": "fes", "side": None}, "side"),
        ({"review_due_on": "2031-03-04"}, "review_due_on"),
        ({"prescribed_on": "2024-02-29", "review_due_on": "2029-03-01"}, "review_due_on"),
        ({"prescribed_on": "1899-12-31"}, "prescribed_on"),
    ],
)
def test_an_implausible_prescription_is_a_400_naming_the_field(north_patient, phil_api, changes, field):
    response = phil_api.post(
        reverse("api:device-list"), prescription(north_patient, **changes), format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert not DevicePrescription.objects.exists()


def test_an_afo_without_a_side_given_is_refused_by_name(north_patient, phil_api):
    body = prescription(north_patient)
    del body["side"]
    response = phil_api.post(reverse("api:device-list"), body, format="json")
    assert response.json() == {
        "side": ["An AFO or FES device is for a side: choose left, right or bilateral."]
    }


def test_the_edges_of_the_five_years_are_accepted(north_patient, phil_api):
    body = prescription(north_patient, prescribed_on="2024-02-29", review_due_on="2029-02-28")
    assert phil_api.post(reverse("api:device-list"), body, format="json").status_code == 201


@pytest.mark.parametrize("review_id", [10**6, 10**30])
def test_a_review_id_that_is_not_the_devices_is_not_found(afo, ada_api, review_id):
    url = reverse("api:device-review-entered-in-error", kwargs={"pk": afo.pk, "review_id": review_id})
    assert ada_api.post(url, {"reason": "x"}, format="json").status_code == 404
