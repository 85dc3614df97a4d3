"""Device prescriptions and their reviews, through the care services (SPEC §2 "Assistive-device
prescription"): an AFO or FES has a side, the review date has a default and a five-year bound,
and a review moves it, kept in history and never deleted."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from care.models import DevicePrescription, DeviceReview
from care.services import device_prescribe, device_review, device_update
from patients.services import record_mark_entered_in_error
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 1)


@pytest.fixture(autouse=True)
def today(clock):
    clock.move_to(datetime.datetime.combine(TODAY, datetime.time(12), tzinfo=datetime.UTC))


def errors_of(call):
    with pytest.raises(ValidationError) as raised:
        call()
    return raised.value.message_dict


def prescribe(patient, by, **fields):
    return device_prescribe(
        patient=patient, prescribed_by=by, **{"device_type": "cane", "prescribed_on": TODAY} | fields
    )


# The prescription ---------------------------------------------------------------------------


@pytest.mark.parametrize("device_type", ["afo", "fes"])
def test_an_afo_or_fes_needs_a_side(north_patient, phil, device_type):
    errors = errors_of(lambda: prescribe(north_patient, phil, device_type=device_type, side="na"))
    assert errors == {"side": ["An AFO or FES device is for a side: choose left, right or bilateral."]}
    for side in ("left", "right", "bilateral"):
        assert prescribe(north_patient, phil, device_type=device_type, side=side).side == side


def test_other_devices_may_be_for_no_side(north_patient, phil):
    assert prescribe(north_patient, phil, device_type="rollator").side == "na"


def test_a_side_cannot_be_taken_off_an_afo_later(north_patient, phil):
    device = prescribe(north_patient, phil, device_type="afo", side="left")
    assert "side" in errors_of(lambda: device_update(device=device, by=phil, side="na"))
    assert "side" in errors_of(
        lambda: device_update(device=prescribe(north_patient, phil), by=phil, device_type="fes")
    )


def test_the_review_is_due_90_days_after_the_prescription_when_not_given(north_patient, phil):
    assert prescribe(
        north_patient, phil, prescribed_on=datetime.date(2026, 3, 3)
    ).review_due_on == datetime.date(2026, 6, 1)


@pytest.mark.parametrize(
    ("prescribed_on", "latest"),
    [
        (datetime.date(2026, 3, 3), datetime.date(2031, 3, 3)),
        # 29 February five years on is 28 February.
        (datetime.date(2024, 2, 29), datetime.date(2029, 2, 28)),
        (datetime.date(2021, 12, 31), datetime.date(2026, 12, 31)),
    ],
)
def test_the_review_is_due_at_most_five_calendar_years_after_the_prescription(
    north_patient, phil, prescribed_on, latest
):
    assert (
        prescribe(north_patient, phil, prescribed_on=prescribed_on, review_due_on=latest).review_due_on
        == latest
    )
    day_after = latest + datetime.timedelta(days=1)
    errors = errors_of(
        lambda: prescribe(north_patient, phil, prescribed_on=prescribed_on, review_due_on=day_after)
    )
    assert errors == {
        "review_due_on": [
            f"Must be at most 5 years after the prescription date: {latest:%d %b %Y} at the latest."
        ]
    }


def test_moving_the_prescription_date_keeps_the_five_year_bound(north_patient, phil):
    device = prescribe(north_patient, phil, prescribed_on=TODAY, review_due_on=datetime.date(2031, 6, 1))
    errors = errors_of(
        lambda: device_update(device=device, by=phil, prescribed_on=datetime.date(2026, 5, 31))
    )
    assert list(errors) == ["review_due_on"]


@pytest.mark.parametrize(
    ("prescribed_on", "message"),
    [
        (datetime.date(1899, 12, 31), "Must not be before 1 Jan 1900."),
        (datetime.date(1975, 5, 16), "Must not be before the patient's date of birth."),
    ],
)
def test_no_prescription_before_1900_or_before_birth(north_patient, phil, prescribed_on, message):
    assert errors_of(lambda: prescribe(north_patient, phil, prescribed_on=prescribed_on))[
        "prescribed_on"
    ] == [message]


# Reviews ------------------------------------------------------------------------------------


@pytest.fixture
def afo(north_patient, phil):
    return prescribe(
        north_patient,
        phil,
        device_type="afo",
        side="left",
        prescribed_on=datetime.date(2026, 1, 10),
        review_due_on=datetime.date(2026, 4, 10),
    )


def review(device, by, reviewed_on=TODAY, next_review_due_on=datetime.date(2026, 12, 1), note=""):
    return device_review(
        device=device, by=by, reviewed_on=reviewed_on, next_review_due_on=next_review_due_on, note=note
    )


def test_a_review_moves_the_review_date_and_is_kept_with_who_and_what(afo, phil, ada):
    first = review(afo, phil, note="Fits; skin intact.")
    afo.refresh_from_db()
    assert afo.review_due_on == datetime.date(2026, 12, 1)
    assert (first.reviewed_by, first.reviewed_on, first.note, first.previous_review_due_on) == (
        phil,
        TODAY,
        "Fits; skin intact.",
        datetime.date(2026, 4, 10),
    )
    second = review(afo, ada, next_review_due_on=datetime.date(2027, 6, 1))
    afo.refresh_from_db()
    assert afo.review_due_on == datetime.date(2027, 6, 1)
    assert list(afo.reviews.all()) == [first, second]
    # The prescription's history says who moved its review date, and when.
    moves = afo.history.order_by("history_id").values_list("review_due_on", "history_user__username")
    assert list(moves) == [
        (datetime.date(2026, 4, 10), "phil"),
        (datetime.date(2026, 12, 1), "phil"),
        (datetime.date(2027, 6, 1), "ada"),
    ]
    assert first.history.get().history_user == phil


@pytest.mark.parametrize(
    ("reviewed_on", "next_review_due_on", "field", "message"),
    [
        (
            TODAY + datetime.timedelta(days=1),
            datetime.date(2026, 12, 1),
            "reviewed_on",
            "Must not be in the future.",
        ),
        (
            datetime.date(2026, 1, 9),
            datetime.date(2026, 12, 1),
            "reviewed_on",
            "Must not be before the prescription date.",
        ),
        (
            datetime.date(1899, 12, 31),
            datetime.date(2026, 12, 1),
            "reviewed_on",
            "Must not be before 1 Jan 1900.",
        ),
        (
            TODAY,
            TODAY - datetime.timedelta(days=1),
            "next_review_due_on",
            "Must not be before the review date.",
        ),
        (
            TODAY,
            datetime.date(2031, 1, 11),
            "next_review_due_on",
            "Must be at most 5 years after the prescription date: 10 Jan 2031 at the latest.",
        ),
    ],
)
def test_a_review_is_refused_with_its_field_named(afo, phil, reviewed_on, next_review_due_on, field, message):
    errors = errors_of(lambda: review(afo, phil, reviewed_on, next_review_due_on))
    assert errors[field] == [message]
    afo.refresh_from_db()
    assert (afo.review_due_on, afo.reviews.count()) == (datetime.date(2026, 4, 10), 0)


def test_the_edges_of_a_review_are_accepted(afo, phil):
    # Reviewed on the day of the prescription, next review that same day; then five years on.
    review(afo, phil, reviewed_on=datetime.date(2026, 1, 10), next_review_due_on=datetime.date(2026, 1, 10))
    review(afo, phil, next_review_due_on=datetime.date(2031, 1, 10))
    afo.refresh_from_db()
    assert afo.review_due_on == datetime.date(2031, 1, 10)


def test_a_discontinued_device_is_not_reviewed(afo, phil):
    device_update(device=afo, by=phil, status="discontinued", discontinued_on=TODAY)
    with pytest.raises(
        ValidationError, match="This device is discontinued: only a device in use is reviewed."
    ):
        review(afo, phil)
    assert not DeviceReview.objects.exists()


def test_a_device_entered_in_error_is_not_reviewed(afo, phil):
    record_mark_entered_in_error(record=afo, by=phil, reason="Wrong patient")
    with pytest.raises(ValidationError, match="marked entered in error"):
        review(afo, phil)
    assert not DeviceReview.objects.exists()


def test_a_review_entered_in_error_puts_the_review_date_back(afo, phil):
    mistaken = review(afo, phil)
    record_mark_entered_in_error(record=mistaken, by=phil, reason="Reviewed the other leg's AFO")
    afo.refresh_from_db()
    assert afo.review_due_on == datetime.date(2026, 4, 10)
    # Kept, marked, and out of the valid reviews.
    mistaken.refresh_from_db()
    assert mistaken.entered_in_error and mistaken.entered_in_error_by == phil
    assert not afo.reviews.valid().exists()
    assert afo.history.latest("history_id").history_user == phil


def test_a_review_entered_in_error_leaves_a_date_moved_since(afo, phil):
    mistaken = review(afo, phil, next_review_due_on=datetime.date(2026, 9, 1))
    later = review(afo, phil, next_review_due_on=datetime.date(2026, 10, 1))
    record_mark_entered_in_error(record=mistaken, by=phil, reason="Wrong device")
    afo.refresh_from_db()
    assert afo.review_due_on == datetime.date(2026, 10, 1)  # the later review still stands
    record_mark_entered_in_error(record=later, by=phil, reason="Wrong device too")
    afo.refresh_from_db()
    # Back past both: the date the first one had set was a mistake too.
    assert afo.review_due_on == datetime.date(2026, 4, 10)

    edited = review(afo, phil, next_review_due_on=datetime.date(2026, 11, 1))
    device_update(device=afo, by=phil, review_due_on=datetime.date(2026, 11, 15))
    record_mark_entered_in_error(record=edited, by=phil, reason="Wrong device")
    afo.refresh_from_db()
    assert afo.review_due_on == datetime.date(2026, 11, 15)  # the edit since stands


def test_reviews_are_never_deleted_with_their_device(afo, phil):
    review(afo, phil)
    with pytest.raises(Exception, match="protected"):
        DevicePrescription.objects.filter(pk=afo.pk).delete()
    assert DeviceReview.objects.count() == 1


def test_the_factory_devices_keep_to_the_rules(north_patient):
    device = factories.DeviceFactory(patient=north_patient)
    assert (device.device_type, device.side) == ("afo", "left")
