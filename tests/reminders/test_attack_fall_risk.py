"""Attacks on the fall-risk signal (``care.signals.fall_saved`` answered by the reminders app):
a fall recorded or changed through the API or the pages reminds the clinic's physios exactly
once per high-risk episode, never about a patient entered in error, and a reminder about a fall
entered in error does not stand in for a real episode that follows."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from care.models import FallEvent
from patients.clock import clinic_date, clinic_today
from reminders.models import Reminder
from reminders.sweep import fall_risk_check, reminder_sweep
from tests import factories
from tests.support.clients import web_client_of

pytestmark = pytest.mark.django_db


def _days_ago(days, hour=11):
    moment = datetime.datetime.combine(clinic_today() - datetime.timedelta(days=days), datetime.time(hour))
    return timezone.make_aware(moment)


def _post_fall(client, patient, days_ago, **fields):
    body = {"patient": patient.pk, "occurred_at": _days_ago(days_ago).isoformat(), **fields}
    return client.post(reverse("api:fall-list"), body, format="json")


def _fall_risk_reminders(patient):
    return Reminder.objects.filter(kind="fall_risk", patient=patient)


def _open_in_the_api(client, patient):
    """The open fall-risk reminders the API lists about ``patient``."""
    response = client.get(reverse("api:reminder-list"), {"kind": "fall_risk", "status": "open"})
    assert response.status_code == 200
    return [r for r in response.json()["results"] if r["patient"] == patient.pk]


def test_a_fall_recorded_through_the_api_reminds_the_physios_exactly_once(north_patient, nora_api, phil, ada):
    first = _post_fall(nora_api, north_patient, 3, injury="severe")
    assert first.status_code == 201
    (reminder,) = _fall_risk_reminders(north_patient)
    assert reminder.fall_id == first.json()["id"]
    # Due a week after the day the fall was recorded (today), not the day it happened.
    assert reminder.due_on == clinic_today() + datetime.timedelta(days=7)
    assert list(reminder.recipients.values_list("username", flat=True)) == ["phil"]

    # A second fall and an edit of the first, in the same episode: nothing more.
    assert _post_fall(nora_api, north_patient, 1).status_code == 201
    url = reverse("api:fall-detail", kwargs={"pk": first.json()["id"]})
    assert nora_api.patch(url, {"notes": "Tripped on the kerb"}, format="json").status_code == 200
    reminder_sweep(today=clinic_today())
    assert _fall_risk_reminders(north_patient).count() == 1


def test_a_fall_recorded_through_the_page_reminds_the_physios_exactly_once(north_patient, nora, phil):
    client = web_client_of(nora)
    url = reverse("web:fall_new", args=[north_patient.pk])
    for days_ago, injury in ((2, "moderate"), (1, "none")):
        data = {
            "occurred_at": timezone.localtime(_days_ago(days_ago)).strftime("%Y-%m-%dT%H:%M"),
            "injury": injury,
            "location": "home",
            "device_in_use": "none",
        }
        assert client.post(url, data).status_code == 302
    (reminder,) = _fall_risk_reminders(north_patient)
    assert reminder.fall == FallEvent.objects.get(injury="moderate")
    assert list(reminder.recipients.values_list("username", flat=True)) == ["phil"]


def test_a_fall_edited_into_a_serious_one_reminds_at_once(north_patient, nora, nora_api, phil):
    fall = factories.FallFactory(patient=north_patient, recorded_by=nora, occurred_at=_days_ago(5))
    assert not _fall_risk_reminders(north_patient).exists()
    url = reverse("api:fall-detail", kwargs={"pk": fall.pk})
    etag = nora_api.get(url)["ETag"]
    response = nora_api.patch(url, {"injury": "severe"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200
    (reminder,) = _fall_risk_reminders(north_patient)
    assert (reminder.fall, reminder.due_on) == (
        fall,
        clinic_date(fall.created_at) + datetime.timedelta(days=7),
    )


def test_a_stale_edit_of_a_fall_is_refused_and_reminds_nobody(north_patient, nora, nora_api, ada_api, phil):
    fall = factories.FallFactory(patient=north_patient, recorded_by=nora, occurred_at=_days_ago(5))
    url = reverse("api:fall-detail", kwargs={"pk": fall.pk})
    etag = nora_api.get(url)["ETag"]
    assert ada_api.patch(url, {"notes": "Seen by the GP"}, format="json").status_code == 200
    response = nora_api.patch(url, {"injury": "severe"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 412
    assert FallEvent.objects.get().injury == "none"
    assert not _fall_risk_reminders(north_patient).exists()


def test_no_fall_and_no_reminder_for_a_patient_entered_in_error(north_patient, nora, ada, nora_api, phil):
    north_patient.mark_entered_in_error(by=ada, reason="Registered twice")
    response = _post_fall(nora_api, north_patient, 2, injury="severe")
    assert response.status_code == 400 and "patient" in response.json()
    page = web_client_of(nora).post(
        reverse("web:fall_new", args=[north_patient.pk]),
        {"occurred_at": timezone.localtime(_days_ago(2)).strftime("%Y-%m-%dT%H:%M"), "injury": "severe"},
    )
    assert page.status_code == 404
    assert not FallEvent.objects.exists()

    # Even falls written past the front ends (an import, a shell) remind nobody about them.
    for days_ago in (3, 2):
        factories.FallFactory(patient=north_patient, occurred_at=_days_ago(days_ago), injury="severe")
    assert fall_risk_check(patient=north_patient, today=clinic_today()) == []
    reminder_sweep(today=clinic_today())
    assert not _fall_risk_reminders(north_patient).exists()


def test_a_reminder_about_a_fall_entered_in_error_does_not_hide_a_real_episode(
    north_patient, nora_api, ada_api, phil, phil_api
):
    mistaken = _post_fall(nora_api, north_patient, 20, injury="severe").json()
    assert len(_open_in_the_api(phil_api, north_patient)) == 1
    url = reverse("api:fall-entered-in-error", kwargs={"pk": mistaken["id"]})
    assert ada_api.post(url, {"reason": "Another patient's fall"}, format="json").status_code == 200
    # The reminder about it resolved with it: nobody is told about a fall that did not happen.
    assert _open_in_the_api(phil_api, north_patient) == []
    assert Reminder.objects.get(fall=mistaken["id"]).status == "resolved"

    # Then the patient really falls twice: a high-risk episode the physios must hear about.
    for days_ago in (5, 2):
        assert _post_fall(nora_api, north_patient, days_ago).status_code == 201
    patient = nora_api.get(reverse("api:patient-detail", kwargs={"pk": north_patient.pk})).json()
    assert patient["high_fall_risk"]
    (reminder,) = _open_in_the_api(phil_api, north_patient)
    assert reminder["due_on"] == (clinic_today() + datetime.timedelta(days=7)).isoformat()
    reminder_sweep(today=clinic_today())
    assert len(_open_in_the_api(phil_api, north_patient)) == 1


def test_the_sweep_too_finds_an_episode_after_a_fall_entered_in_error(north, nora, ada, phil):
    patient = factories.PatientFactory(clinic=north)
    mistaken = factories.FallFactory(patient=patient, occurred_at=_days_ago(30), injury="severe")
    reminder_sweep(today=clinic_today())
    assert _fall_risk_reminders(patient).get().fall == mistaken
    mistaken.mark_entered_in_error(by=ada, reason="Wrong patient")
    real = [factories.FallFactory(patient=patient, occurred_at=_days_ago(days)) for days in (9, 4)]
    reminder_sweep(today=clinic_today())
    assert Reminder.objects.valid().filter(kind="fall_risk", patient=patient).get().fall == real[-1]
