"""The reminder sweep, kind by kind at its boundaries: who is reminded of what, once."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from assessments.services import trend_review_record
from care.services import device_review
from patients.models import Patient
from patients.services import record_mark_entered_in_error
from reminders.models import Reminder, ReminderRecipient
from reminders.sweep import fall_risk_check, reminder_sweep
from tests.factories import DeviceFactory, ReferralFactory

from .conftest import TODAY
from .records import assessed_patient, declined_patient, fall_on

pytestmark = pytest.mark.django_db


def recipients(reminder):
    return sorted(reminder.recipients.values_list("username", flat=True))


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
    assert (reminder.kind, reminder.fall) == ("fall_risk", second)
    assert recipients(reminder) == ["phil"]
    fall_on(patient, TODAY - timedelta(days=1))  # still the same high-risk episode
    assert fall_risk_check(patient=patient, today=TODAY) == []
    reminder_sweep(today=TODAY)
    assert Reminder.objects.filter(kind="fall_risk").count() == 1


@pytest.mark.parametrize(
    ("occurred_days_ago", "recorded_days_ago"), [(3, 3), (20, 0), (40, 1)], ids=["same day", "late", "later"]
)
def test_a_fall_risk_reminder_is_due_a_week_after_the_fall_was_recorded(
    north, staff, occurred_days_ago, recorded_days_ago
):
    patient = assessed_patient(north, last_assessed_on=TODAY)
    fall_on(patient, TODAY - timedelta(days=60))
    made_high_risk = fall_on(
        patient,
        TODAY - timedelta(days=occurred_days_ago),
        recorded_on=TODAY - timedelta(days=recorded_days_ago),
    )
    (created,) = fall_risk_check(patient=patient, today=TODAY)
    reminder = Reminder.objects.get(pk=created)
    assert reminder.fall == made_high_risk
    assert reminder.due_on == TODAY - timedelta(days=recorded_days_ago) + timedelta(days=7)
    assert reminder.due_on > TODAY  # not overdue the moment it appears


def test_the_fall_that_made_the_patient_high_risk_is_the_one_recorded_last(north, staff):
    patient = assessed_patient(north, last_assessed_on=TODAY)
    latest_to_happen = fall_on(patient, TODAY - timedelta(days=2), recorded_on=TODAY - timedelta(days=2))
    # Recorded today, about a fall a month ago: recording it made the patient high-risk.
    recorded_last = fall_on(patient, TODAY - timedelta(days=30), recorded_on=TODAY)
    reminder_sweep(today=TODAY)
    reminder = Reminder.objects.get(kind="fall_risk")
    assert reminder.fall == recorded_last != latest_to_happen
    assert reminder.due_on == TODAY + timedelta(days=7)


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
        "strength_review": 0,
    }
    snapshot = list(Reminder.objects.order_by("pk").values_list("pk", "kind", "patient", "due_on"))
    recipients_before = ReminderRecipient.objects.count()
    second = reminder_sweep(today=TODAY)
    assert all(ids == [] for ids in second.values())
    assert list(Reminder.objects.order_by("pk").values_list("pk", "kind", "patient", "due_on")) == snapshot
    assert ReminderRecipient.objects.count() == recipients_before
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


# Strength review (rule 18) -------------------------------------------------------------------
def test_a_strength_review_reminder_goes_to_the_clinics_physios_a_week_after_the_assessment(
    north, south, staff
):
    patient = declined_patient(north, assessed_on=TODAY - timedelta(days=3), assessor=staff["nora"])
    declined_patient(south, assessed_on=TODAY - timedelta(days=3), assessor=staff["sam"])
    steady = assessed_patient(north, last_assessed_on=TODAY - timedelta(days=3))
    created = reminder_sweep(today=TODAY)["strength_review"]
    assert len(created) == 2  # one per clinic; the steady patient has nothing to review
    reminder = Reminder.objects.get(kind="strength_review", patient=patient)
    latest = patient.assessments.latest_first().first()
    assert (reminder.assessment, reminder.due_on) == (latest, latest.assessed_on + timedelta(days=7))
    assert recipients(reminder) == ["phil"]
    assert not Reminder.objects.filter(kind="strength_review", patient=steady).exists()
    assert reminder_sweep(today=TODAY)["strength_review"] == []


def test_no_strength_review_reminder_once_reviewed_nor_for_a_discharged_patient(north, staff):
    reviewed = declined_patient(north, assessed_on=TODAY, assessor=staff["nora"])
    trend_review_record(patient=reviewed, by=staff["phil"], note="Seen: AFO discussed.")
    discharged = declined_patient(north, assessed_on=TODAY, assessor=staff["nora"])
    Patient.objects.filter(pk=discharged.pk).update(status="discharged")
    assert reminder_sweep(today=TODAY)["strength_review"] == []


def test_a_review_marked_in_error_reopens_the_reminder_it_had_resolved(north, staff):
    patient = declined_patient(north, assessed_on=TODAY - timedelta(days=10), assessor=staff["nora"])
    (created,) = reminder_sweep(today=TODAY)["strength_review"]
    review = trend_review_record(patient=patient, by=staff["phil"], note="Seen.")
    reminder_sweep(today=TODAY)
    reminder = Reminder.objects.get(pk=created)
    assert reminder.status == "resolved"
    record_mark_entered_in_error(record=review, by=staff["phil"], reason="Reviewed the wrong patient")
    assert reminder_sweep(today=TODAY)["strength_review"] == [created]
    reminder.refresh_from_db()
    assert (reminder.status, reminder.resolved_at) == ("pending", None)
    assert Reminder.objects.filter(kind="strength_review").count() == 1  # the same reminder, open again


def test_a_device_review_marked_in_error_reopens_its_sent_reminder_as_sent(north, staff):
    patient = assessed_patient(north, last_assessed_on=TODAY)
    device = DeviceFactory(
        patient=patient,
        prescribed_by=staff["phil"],
        prescribed_on=TODAY - timedelta(days=90),
        review_due_on=TODAY,
    )
    (created,) = reminder_sweep(today=TODAY)["device_review_due"]
    Reminder.objects.filter(pk=created).update(status="sent", sent_at=timezone.now())
    review = device_review(
        device=device, by=staff["phil"], reviewed_on=TODAY, next_review_due_on=TODAY + timedelta(days=90)
    )
    reminder_sweep(today=TODAY)
    assert Reminder.objects.get(pk=created).status == "resolved"
    record_mark_entered_in_error(record=review, by=staff["phil"], reason="Wrong device")
    assert reminder_sweep(today=TODAY)["device_review_due"] == [created]
    reminder = Reminder.objects.get(pk=created)
    assert (reminder.status, reminder.resolved_at) == ("sent", None) and reminder.sent_at is not None
