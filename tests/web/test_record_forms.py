"""The fall, device and referral forms: saved through their services, errors shown in place."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from care.models import DevicePrescription, FallEvent, Referral
from reminders.models import Reminder

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(assessed_patient):
    return assessed_patient


def _url(name, patient):
    return reverse(f"web:{name}", args=[patient.pk])


def _dashboard(patient):
    return reverse("web:patient_dashboard", args=[patient.pk])


def _local(text):
    return timezone.make_aware(datetime.datetime.fromisoformat(text))


# Falls ----------------------------------------------------------------------------------------


def test_fall_form_prefills_no_time_no_injury_and_no_place(nora_web, patient):
    response = nora_web.get(_url("fall_new", patient))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'type="datetime-local"' in html
    for label in ("When", "Injury", "Where", "Device in use", "Contributing factors", "Notes"):
        assert label in html
    assert "<legend>Contributing factors:</legend>" in html
    form = response.context["form"]
    assert [form[name].value() for name in ("occurred_at", "injury", "location", "device_in_use")] == [
        None
    ] * 4
    assert 'name="occurred_at" value=' not in html
    for name in ("injury", "location", "device_in_use"):
        select = html.split(f'name="{name}"')[1].split("</select>")[0]
        assert '<option value="" selected>Choose…</option>' in select
        assert "selected" not in select.split("Choose…")[1]


def test_a_fall_without_time_injury_place_or_device_is_refused_in_words(nora_web, patient):
    response = nora_web.post(_url("fall_new", patient), {"activity": "Stairs"})
    assert response.status_code == 200
    html = response.content.decode()
    for message in (
        "Enter the date and time of the fall.",
        "Choose the injury: “None” if there was none.",
        "Choose where it happened.",
        "Choose the device in use: “None” if there was none.",
    ):
        assert message in html
    assert 'value="Stairs"' in html
    assert not FallEvent.objects.exists()


def test_records_a_fall_and_flags_the_risk(nora_web, nora, phil, patient):
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    data = {
        "occurred_at": f"{yesterday}T18:45",
        "injury": "moderate",
        "location": "outdoors",
        "activity": "Walking the dog",
        "device_in_use": "cane",
        "contributing_factors": ["heat", "fatigue"],
        "medical_attention": "on",
        "notes": "Tripped on kerb",
    }
    response = nora_web.post(_url("fall_new", patient), data)
    assert response.status_code == 302 and response["Location"] == _dashboard(patient)
    fall = FallEvent.objects.get(patient=patient)
    assert fall.occurred_at == _local(f"{yesterday}T18:45")
    assert (fall.injury, fall.location, fall.device_in_use) == ("moderate", "outdoors", "cane")
    assert fall.contributing_factors == ["fatigue", "heat"]
    assert fall.medical_attention and not fall.near_fall and fall.recorded_by == nora
    # One moderate injury in the window: high risk, and the physios are reminded.
    assert Reminder.objects.filter(kind="fall_risk", patient=patient, recipients=phil).exists()
    html = nora_web.get(_dashboard(patient)).content.decode()
    assert "High fall risk" in html
    # The message names the fall as its entered-in-error page does.
    assert f"Fall of {_local(f'{yesterday}T18:45'):%d %b %Y} 18:45 recorded." in html


def test_a_near_fall_is_recorded_as_one(nora_web, patient):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    data = {"occurred_at": f"{yesterday:%Y-%m-%d}T00:05", "near_fall": "on", "injury": "none"}
    data |= {"location": "home", "device_in_use": "none"}
    response = nora_web.post(_url("fall_new", patient), data, follow=True)
    messages = [str(message) for message in response.context["messages"]]
    assert messages == [f"Near-fall of {yesterday:%d %b %Y} 00:05 recorded."]


def test_a_fall_in_the_future_is_refused_and_the_form_kept(nora_web, patient):
    data = {
        "occurred_at": "2999-05-01T10:00",
        "near_fall": "on",
        "injury": "none",
        "location": "home",
        "activity": "Gardening",
        "device_in_use": "none",
        "contributing_factors": ["balance"],
    }
    response = nora_web.post(_url("fall_new", patient), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Must not be in the future." in html
    assert 'value="2999-05-01T10:00"' in html and 'value="Gardening"' in html
    assert 'value="balance"' in html and "checked" in html.split('value="balance"')[1].split(">")[0]
    assert 'name="near_fall"' in html and 'id="id_near_fall" checked' in html
    assert not FallEvent.objects.exists()


def test_a_fall_with_a_bad_choice(nora_web, patient):
    response = nora_web.post(
        _url("fall_new", patient),
        {"occurred_at": "2026-01-01T10:00", "injury": "broken", "location": "home", "device_in_use": "none"},
    )
    assert response.status_code == 200
    assert "Select a valid choice. broken is not one of the available choices." in response.content.decode()


# Devices --------------------------------------------------------------------------------------


def test_a_physio_prescribes_an_afo(phil_web, phil, patient):
    today = timezone.localdate()
    response = phil_web.get(_url("device_new", patient))
    assert response.status_code == 200
    assert response.context["form"]["prescribed_on"].value() == today
    data = {
        "device_type": "afo",
        "side": "left",
        "prescribed_on": today.isoformat(),
        "review_due_on": (today + datetime.timedelta(weeks=12)).isoformat(),
        "reason": "Foot drop",
    }
    response = phil_web.post(_url("device_new", patient), data)
    assert response.status_code == 302 and response["Location"] == _dashboard(patient)
    device = DevicePrescription.objects.get(patient=patient)
    assert (device.device_type, device.side, device.prescribed_by, device.status) == (
        "afo",
        "left",
        phil,
        "active",
    )
    assert "Ankle-foot orthosis (AFO) prescribed." in phil_web.get(_dashboard(patient)).content.decode()


def test_an_admin_may_prescribe(ada_web, patient):
    assert ada_web.get(_url("device_new", patient)).status_code == 200


def test_a_review_before_the_prescription_is_refused_and_the_form_kept(phil_web, patient):
    data = {
        "device_type": "rollator",
        "side": "na",
        "prescribed_on": "2026-03-10",
        "review_due_on": "2026-03-01",
        "reason": "Fatigue on long walks",
    }
    response = phil_web.post(_url("device_new", patient), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Must not be before the prescription date." in html
    assert 'value="2026-03-10"' in html and 'value="2026-03-01"' in html
    assert "Fatigue on long walks" in html
    assert '<option value="rollator" selected>' in html
    assert not DevicePrescription.objects.exists()


def test_a_device_must_be_chosen(phil_web, patient):
    response = phil_web.post(_url("device_new", patient), {"device_type": "", "side": "na"})
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"device_type", "prescribed_on"}  # the review date has a default


# Referrals ------------------------------------------------------------------------------------


def test_creates_a_draft_referral_with_the_default_due_date(nora_web, nora, patient):
    today = timezone.localdate()
    data = {
        "to_service": "orthotics",
        "reason": "AFO fitting",
        "urgency": "urgent",
        "referred_on": today.isoformat(),
    }
    response = nora_web.post(_url("referral_new", patient), data)
    assert response.status_code == 302
    referral = Referral.objects.get(patient=patient)
    assert (referral.status, referral.created_by, referral.due_by) == (
        "draft",
        nora,
        today + datetime.timedelta(days=14),
    )
    assert referral.status_changes.get().to_status == "draft"


def test_a_referral_without_a_reason_is_refused_and_the_form_kept(nora_web, patient):
    data = {
        "to_service": "neurology",
        "reason": "",
        "urgency": "routine",
        "referred_on": "2026-02-01",
        "due_by": "2026-01-01",
    }
    response = nora_web.post(_url("referral_new", patient), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert "reason" in form.errors
    html = response.content.decode()
    assert '<option value="neurology" selected>' in html and 'value="2026-01-01"' in html
    # Once the reason is there, the service's own rule (due after referral) shows by its field.
    response = nora_web.post(_url("referral_new", patient), data | {"reason": "Relapse?"})
    assert response.status_code == 200
    assert response.context["form"].errors["due_by"] == ["Must not be before the referral date."]
    assert not Referral.objects.exists()
