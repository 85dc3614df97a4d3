"""Reminders: listed for the clinic, acknowledged by the people they are addressed to."""

import pytest
from django.urls import reverse
from django.utils import timezone

from patients.services import record_mark_entered_in_error
from reminders.models import Reminder
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def reminder(north_patient, nora, phil):
    reminder = factories.ReminderFactory(patient=north_patient)
    reminder.recipients.add(nora, phil)
    return reminder


def acknowledge(client, reminder):
    return client.post(reverse("api:reminder-acknowledge", kwargs={"pk": reminder.pk}))


def test_a_recipient_acknowledges_once_and_the_first_acknowledgement_stands(reminder, nora_api, phil_api):
    response = acknowledge(nora_api, reminder)
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["acknowledged_by"]) == ("acknowledged", "nora")
    assert body["acknowledged_at"] and body["sent_at"]
    again = acknowledge(phil_api, reminder)
    assert again.status_code == 200
    assert again.json()["acknowledged_by"] == "nora"
    assert again.json()["acknowledged_at"] == body["acknowledged_at"]


def test_someone_it_is_not_addressed_to_may_not_acknowledge_it(reminder, ada_api):
    assert acknowledge(ada_api, reminder).status_code == 403
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.PENDING


def test_reminders_filter_by_kind_and_status(reminder, north_patient, nora, nora_api):
    referral = factories.ReferralFactory(patient=north_patient, created_by=nora)
    overdue = factories.ReminderFactory(patient=north_patient, kind="referral_overdue", referral=referral)
    acknowledge(nora_api, reminder)
    url = reverse("api:reminder-list")

    def listed(**params):
        return [r["id"] for r in nora_api.get(url, params).json()["results"]]

    assert listed(kind="referral_overdue") == [overdue.pk]
    assert listed(status="acknowledged") == [reminder.pk]
    assert listed(status="pending") == [overdue.pk]


@pytest.fixture
def one_of_each_status(north, nora, phil):
    """A reassessment reminder in each status, each about a patient of its own."""
    now = timezone.now()
    fields = {
        "pending": {},
        "sent": {"sent_at": now},
        "acknowledged": {"sent_at": now, "acknowledged_at": now, "acknowledged_by": phil},
        "resolved": {"resolved_at": now},
    }
    reminders = {
        status: factories.ReminderFactory(
            patient=factories.PatientFactory(clinic=north), status=status, **extra
        )
        for status, extra in fields.items()
    }
    for reminder in reminders.values():
        reminder.recipients.add(nora)
    return reminders


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("open", {"pending", "sent"}),
        ("resolved", {"resolved"}),
        ("acknowledged", {"acknowledged"}),
        (None, {"pending", "sent", "acknowledged", "resolved"}),
    ],
)
def test_the_status_filter_and_open_meaning_pending_or_sent(one_of_each_status, nora_api, status, expected):
    url = reverse("api:reminder-list")
    body = nora_api.get(url, {"status": status} if status else {}).json()
    assert {r["id"] for r in body["results"]} == {one_of_each_status[name].pk for name in expected}


def test_an_unknown_status_is_refused(one_of_each_status, nora_api):
    response = nora_api.get(reverse("api:reminder-list"), {"status": "closed"})
    assert response.status_code == 400
    assert "status" in response.json()


def test_a_resolved_reminder_stays_readable_and_acknowledging_it_changes_nothing(
    one_of_each_status, nora_api
):
    resolved = one_of_each_status["resolved"]
    url = reverse("api:reminder-detail", kwargs={"pk": resolved.pk})
    body = nora_api.get(url).json()
    assert body["status"] == "resolved" and body["resolved_at"]
    again = acknowledge(nora_api, resolved)
    assert again.status_code == 200
    assert (again.json()["status"], again.json()["acknowledged_by"]) == ("resolved", None)


def test_the_schema_documents_the_status_filter_and_resolved_at(client):
    schema = client.get(reverse("api:schema"), {"format": "json"}).json()
    parameters = schema["paths"]["/api/v1/reminders/"]["get"]["parameters"]
    (status,) = [p for p in parameters if p["name"] == "status"]
    assert sorted(status["schema"]["enum"]) == ["acknowledged", "open", "pending", "resolved", "sent"]
    assert "open" in status["description"]
    resolved_at = schema["components"]["schemas"]["Reminder"]["properties"]["resolved_at"]
    assert resolved_at["readOnly"] is True and resolved_at["nullable"] is True


def test_a_reminder_shows_its_subject_and_recipients(reminder, nora_api):
    body = nora_api.get(reverse("api:reminder-detail", kwargs={"pk": reminder.pk})).json()
    assert body["kind"] == "reassessment_due"
    assert body["patient"] == reminder.patient_id
    assert body["subject"] is None
    assert sorted(body["recipients"]) == ["nora", "phil"]
    assert not {"referral", "device", "fall"} & body.keys()


@pytest.mark.parametrize(
    ("kind", "subject_type", "make"),
    [
        ("referral_overdue", "referral", lambda p, u: factories.ReferralFactory(patient=p, created_by=u)),
        ("device_review_due", "device", lambda p, u: factories.DeviceFactory(patient=p, prescribed_by=u)),
        ("fall_risk", "fall", lambda p, u: factories.FallFactory(patient=p, recorded_by=u)),
    ],
)
def test_a_reminder_names_the_record_it_is_about(kind, subject_type, make, north_patient, nora, nora_api):
    record = make(north_patient, nora)
    reminder = factories.ReminderFactory(patient=north_patient, kind=kind, **{subject_type: record})
    body = nora_api.get(reverse("api:reminder-detail", kwargs={"pk": reminder.pk})).json()
    assert body["subject"] == {"type": subject_type, "id": record.pk}
    listed = nora_api.get(reverse("api:reminder-list")).json()["results"]
    assert [r["subject"] for r in listed] == [{"type": subject_type, "id": record.pk}]


def test_the_schema_documents_the_subject_as_a_nullable_typed_reference(client):
    schemas = client.get(reverse("api:schema"), {"format": "json"}).json()["components"]["schemas"]
    subject = schemas["Reminder"]["properties"]["subject"]
    assert subject["nullable"] is True and subject["readOnly"] is True
    reference = schemas[subject["allOf"][0]["$ref"].rsplit("/", 1)[1]]
    assert sorted(reference["required"]) == ["id", "type"]
    enum = schemas[reference["properties"]["type"]["$ref"].rsplit("/", 1)[1]]["enum"]
    assert sorted(enum) == ["assessment", "device", "fall", "referral"]


def test_a_reminder_about_a_fall_entered_in_error_resolves_at_once_and_stays_readable(
    north_patient, nora, ada, nora_api
):
    fall = factories.FallFactory(patient=north_patient, recorded_by=nora)
    about_fall = factories.ReminderFactory(patient=north_patient, kind="fall_risk", fall=fall)
    about_fall.recipients.add(nora)
    url = reverse("api:reminder-list")
    assert [r["id"] for r in nora_api.get(url, {"status": "open"}).json()["results"]] == [about_fall.pk]

    record_mark_entered_in_error(record=fall, by=ada, reason="Wrong patient")
    about_fall.refresh_from_db()
    assert about_fall.status == "resolved" and about_fall.resolved_at is not None
    assert nora_api.get(url, {"status": "open"}).json()["results"] == []
    # SPEC §2: resolved reminders stay readable by their recipients; nothing is left to acknowledge.
    resolved = nora_api.get(url, {"status": "resolved"}).json()["results"]
    assert [(r["id"], r["status"]) for r in resolved] == [(about_fall.pk, "resolved")]
    detail = nora_api.get(reverse("api:reminder-detail", kwargs={"pk": about_fall.pk}))
    assert (detail.status_code, detail.json()["status"]) == (200, "resolved")
    acknowledge(nora_api, about_fall)
    about_fall.refresh_from_db()
    assert about_fall.status == "resolved"
