"""The reminder sweep, kind by kind at its boundaries, and delivery exactly once (in process)."""

import io
from datetime import date, datetime, time, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from reminders.delivery import reminder_deliver
from reminders.models import Reminder
from reminders.sweep import fall_risk_check, queue_pending_deliveries, reminder_sweep
from tests.factories import (
    AssessmentFactory,
    DeviceFactory,
    FallFactory,
    PatientFactory,
    ReferralFactory,
    ReminderFactory,
)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 22)


@pytest.fixture
def staff(nora, phil, ada, sam):
    for user in (nora, phil, ada, sam):
        user.email = f"{user.username}@clinic.example"
        user.save()
    return {"nora": nora, "phil": phil, "ada": ada, "sam": sam}


def recipients(reminder):
    return sorted(reminder.recipients.values_list("username", flat=True))


def assessed_patient(clinic, *, last_assessed_on, interval_weeks=12, **kwargs):
    patient = PatientFactory(clinic=clinic, reassessment_interval_weeks=interval_weeks, **kwargs)
    AssessmentFactory(patient=patient, assessed_on=last_assessed_on)
    return patient


def fall_on(patient, day, **kwargs):
    return FallFactory(
        patient=patient, occurred_at=timezone.make_aware(datetime.combine(day, time(11))), **kwargs
    )


# Reassessment due ------------------------------------------------------------------------
@pytest.mark.parametrize(("next_due_in_days", "created"), [(7, True), (8, False), (-20, True)])
def test_reassessment_reminder_a_week_ahead_goes_to_the_clinics_nurses_and_physios(
    north, staff, next_due_in_days, created
):
    next_due = TODAY + timedelta(days=next_due_in_days)
    patient = assessed_patient(north, last_assessed_on=next_due - timedelta(weeks=12))
    reminder_sweep(today=TODAY)
    reminders = Reminder.objects.filter(kind="reassessment_due", patient=patient)
    assert reminders.exists() is created
    if created:
        (reminder,) = reminders
        assert reminder.due_on == next_due
        assert recipients(reminder) == ["nora", "phil"]


def test_no_reassessment_reminder_for_discharged_or_entered_in_error_patients(north, staff):
    assessed_patient(north, last_assessed_on=TODAY - timedelta(weeks=20), status="discharged")
    mistake = assessed_patient(north, last_assessed_on=TODAY - timedelta(weeks=20))
    mistake.mark_entered_in_error(by=staff["ada"], reason="test patient")
    reminder_sweep(today=TODAY)
    assert not Reminder.objects.exists()


# Referral overdue ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("status", "due_in_days", "created"),
    [
        ("sent", -1, True),
        ("sent", 0, False),
        ("accepted", -10, True),
        ("seen", -10, False),
        ("draft", -1, True),
    ],
)
def test_referral_overdue_reminder_goes_to_its_creator(north, staff, status, due_in_days, created):
    patient = assessed_patient(north, last_assessed_on=TODAY)
    referral = ReferralFactory(
        patient=patient,
        status=status,
        referred_on=TODAY - timedelta(days=60),
        due_by=TODAY + timedelta(days=due_in_days),
        created_by=staff["phil"],
    )
    reminder_sweep(today=TODAY)
    reminders = Reminder.objects.filter(kind="referral_overdue")
    assert reminders.exists() is created
    if created:
        assert reminders.get().referral == referral
        assert recipients(reminders.get()) == ["phil"]


# Device review due -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("status", "review_in_days", "created"),
    [("active", 7, True), ("active", 8, False), ("active", -5, True), ("discontinued", 0, False)],
)
def test_device_review_reminder_goes_to_the_prescriber(north, staff, status, review_in_days, created):
    patient = assessed_patient(north, last_assessed_on=TODAY)
    prescribed = TODAY - timedelta(days=100)
    device = DeviceFactory(
        patient=patient,
        prescribed_on=prescribed,
        review_due_on=TODAY + timedelta(days=review_in_days),
        status=status,
        discontinued_on=prescribed if status == "discontinued" else None,
        prescribed_by=staff["phil"],
    )
    reminder_sweep(today=TODAY)
    reminders = Reminder.objects.filter(kind="device_review_due")
    assert reminders.exists() is created
    if created:
        assert (reminders.get().device, reminders.get().due_on) == (device, device.review_due_on)
        assert recipients(reminders.get()) == ["phil"]


# Fall risk -------------------------------------------------------------------------------
def test_fall_risk_reminder_once_per_episode_to_the_clinics_physios(north, staff):
    patient = assessed_patient(north, last_assessed_on=TODAY)
    fall_on(patient, TODAY - timedelta(days=100))
    assert fall_risk_check(patient=patient, today=TODAY) == []  # one uninjured fall: not high risk
    second = fall_on(patient, TODAY - timedelta(days=3))
    (created,) = fall_risk_check(patient=patient, today=TODAY)
    reminder = Reminder.objects.get(pk=created)
    assert (reminder.kind, reminder.fall, reminder.due_on) == ("fall_risk", second, TODAY - timedelta(days=3))
    assert recipients(reminder) == ["phil"]
    fall_on(patient, TODAY - timedelta(days=1))  # still the same high-risk episode
    assert fall_risk_check(patient=patient, today=TODAY) == []
    reminder_sweep(today=TODAY)
    assert Reminder.objects.filter(kind="fall_risk").count() == 1


def test_one_injurious_fall_is_a_fall_risk_but_near_falls_are_not(north, staff):
    injured = assessed_patient(north, last_assessed_on=TODAY)
    fall_on(injured, TODAY - timedelta(days=182), injury="severe")
    near = assessed_patient(north, last_assessed_on=TODAY)
    for days in (1, 2, 3):
        fall_on(near, TODAY - timedelta(days=days), near_fall=True, injury="severe")
    reminder_sweep(today=TODAY)
    assert list(Reminder.objects.filter(kind="fall_risk").values_list("patient", flat=True)) == [injured.pk]


# The sweep as a whole --------------------------------------------------------------------
def test_a_sweep_run_twice_creates_nothing_twice(north, south, staff):
    for clinic in (north, south):
        patient = assessed_patient(clinic, last_assessed_on=TODAY - timedelta(weeks=13))
        ReferralFactory(
            patient=patient,
            status="sent",
            due_by=TODAY - timedelta(days=1),
            referred_on=TODAY - timedelta(days=30),
        )
        DeviceFactory(patient=patient, prescribed_on=TODAY - timedelta(days=90), review_due_on=TODAY)
        fall_on(patient, TODAY - timedelta(days=2))
        fall_on(patient, TODAY - timedelta(days=5))
    first = reminder_sweep(today=TODAY)
    assert {kind: len(ids) for kind, ids in first.items()} == {
        "reassessment_due": 2,
        "referral_overdue": 2,
        "device_review_due": 2,
        "fall_risk": 2,
    }
    snapshot = list(Reminder.objects.order_by("pk").values_list("pk", "kind", "patient", "due_on"))
    recipients_before = Reminder.recipients.through.objects.count()
    second = reminder_sweep(today=TODAY)
    assert all(ids == [] for ids in second.values())
    assert list(Reminder.objects.order_by("pk").values_list("pk", "kind", "patient", "due_on")) == snapshot
    assert Reminder.recipients.through.objects.count() == recipients_before
    # Each clinic's reminders go to its own staff only.
    south_reminder = Reminder.objects.get(kind="reassessment_due", patient__clinic=south)
    assert recipients(south_reminder) == ["sam"]


def test_send_reminders_dry_run_changes_nothing(north, staff):
    assessed_patient(north, last_assessed_on=TODAY - timedelta(weeks=13))
    out = io.StringIO()
    call_command("send_reminders", "--dry-run", stdout=out)
    assert "reassessment_due: 1 new" in out.getvalue()
    assert not Reminder.objects.exists()
    call_command("send_reminders", stdout=io.StringIO())
    assert Reminder.objects.count() == 1


# Delivery --------------------------------------------------------------------------------
def test_delivery_sends_one_email_per_recipient_and_only_once(north, staff):
    patient = assessed_patient(north, last_assessed_on=TODAY - timedelta(weeks=13))
    (reminder_id,) = reminder_sweep(today=TODAY)["reassessment_due"]
    assert reminder_deliver(reminder_id=reminder_id) is True
    assert reminder_deliver(reminder_id=reminder_id) is False
    assert sorted(m.to[0] for m in mail.outbox) == ["nora@clinic.example", "phil@clinic.example"]
    assert mail.outbox[0].subject == "[MS Strength Clinic] 1 reminder waiting: 1 reassessment due"
    assert patient.family_name not in mail.outbox[0].body
    reminder = Reminder.objects.get(pk=reminder_id)
    assert reminder.status == "sent" and reminder.sent_at is not None


def test_the_email_counts_what_waits_in_the_inbox_by_kind_and_names_no_patient(north, staff, settings):
    settings.SITE_URL = "https://clinic.example.org"
    ann = PatientFactory(clinic=north, given_name="Annabel", family_name="Quist", mrn="Q-4417")
    bo = PatientFactory(clinic=north, given_name="Bo", family_name="Lindqvist", mrn="L-0093")
    waiting = [
        ReminderFactory(kind="reassessment_due", patient=ann),
        ReminderFactory(kind="reassessment_due", patient=bo, status="sent", sent_at=timezone.now()),
        ReminderFactory(kind="fall_risk", patient=bo, fall=fall_on(bo, TODAY)),
    ]
    done = ReminderFactory(
        kind="device_review_due",
        patient=ann,
        device=DeviceFactory(patient=ann),
        status="acknowledged",
        sent_at=timezone.now(),
        acknowledged_at=timezone.now(),
        acknowledged_by=staff["phil"],
    )
    for reminder in [*waiting, done]:
        reminder.recipients.add(staff["phil"])

    assert reminder_deliver(reminder_id=waiting[0].pk) is True
    (message,) = mail.outbox
    assert message.subject == "[MS Strength Clinic] 3 reminders waiting: 2 reassessment due, 1 high fall risk"
    assert "3 reminders are waiting for you" in message.body
    assert "  2 × Reassessment due\n  1 × High fall risk\n" in message.body
    assert "https://clinic.example.org/reminders/" in message.body
    for patient in (ann, bo):
        for identifier in (patient.given_name, patient.family_name, patient.mrn, "1975", "17/05"):
            assert identifier not in message.subject + message.body


def test_a_recipient_who_cannot_see_the_reminder_in_their_inbox_gets_no_email(north, staff):
    patient = assessed_patient(north, last_assessed_on=TODAY - timedelta(weeks=13))
    (reminder_id,) = reminder_sweep(today=TODAY)["reassessment_due"]
    # Sam works at clinic south: north's reminders never show in his inbox.
    Reminder.objects.get(pk=reminder_id).recipients.add(staff["sam"])
    assert reminder_deliver(reminder_id=reminder_id) is True
    assert sorted(m.to[0] for m in mail.outbox) == ["nora@clinic.example", "phil@clinic.example"]
    assert patient.family_name not in mail.outbox[0].body


@pytest.mark.parametrize("in_error", ["patient", "referral", "device", "fall"])
def test_a_pending_reminder_about_a_record_entered_in_error_is_neither_queued_nor_sent(
    north, staff, in_error, django_capture_on_commit_callbacks
):
    patient = assessed_patient(north, last_assessed_on=TODAY)
    subjects = {
        "referral_overdue": ("referral", ReferralFactory(patient=patient)),
        "device_review_due": ("device", DeviceFactory(patient=patient)),
        "fall_risk": ("fall", fall_on(patient, TODAY)),
    }
    reminders = {
        kind: ReminderFactory(kind=kind, patient=patient, **{field: subject})
        for kind, (field, subject) in subjects.items()
    }
    reminders["reassessment_due"] = ReminderFactory(kind="reassessment_due", patient=patient)
    for reminder in reminders.values():
        reminder.recipients.add(staff["phil"])
    record = patient if in_error == "patient" else dict(subjects.values())[in_error]
    record.mark_entered_in_error(by=staff["ada"], reason="wrong patient")
    if in_error == "patient":
        refused = set(reminders)
    else:
        refused = {kind for kind, (field, _) in subjects.items() if field == in_error}

    with django_capture_on_commit_callbacks(execute=False):
        queued = queue_pending_deliveries()
    assert sorted(queued) == sorted(r.pk for kind, r in reminders.items() if kind not in refused)
    for kind, reminder in reminders.items():
        assert reminder_deliver(reminder_id=reminder.pk) is (kind not in refused)
    assert len(mail.outbox) == len(reminders) - len(refused)
    statuses = dict(Reminder.objects.values_list("kind", "status"))
    assert {kind for kind, status in statuses.items() if status == "pending"} == refused


def test_a_failed_send_leaves_the_reminder_pending(north, staff, settings):
    settings.EMAIL_BACKEND = "tests.support.email.FailingBackend"
    assessed_patient(north, last_assessed_on=TODAY - timedelta(weeks=13))
    (reminder_id,) = reminder_sweep(today=TODAY)["reassessment_due"]
    with pytest.raises(OSError):
        reminder_deliver(reminder_id=reminder_id)
    reminder = Reminder.objects.get(pk=reminder_id)
    assert (reminder.status, reminder.sent_at) == ("pending", None)


def test_fall_risk_is_delivered_on_commit_and_a_rolled_back_fall_sends_nothing(
    north, staff, django_capture_on_commit_callbacks
):
    patient = assessed_patient(north, last_assessed_on=TODAY)
    fall_on(patient, TODAY - timedelta(days=20))
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        fall_on(patient, TODAY - timedelta(days=2))
        fall_risk_check(patient=patient, today=TODAY)
        transaction.set_rollback(True)
    assert mail.outbox == []
    assert not Reminder.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        fall_on(patient, TODAY - timedelta(days=2))
        fall_risk_check(patient=patient, today=TODAY)
    assert [m.to for m in mail.outbox] == [["phil@clinic.example"]]
    assert Reminder.objects.get().status == "sent"
