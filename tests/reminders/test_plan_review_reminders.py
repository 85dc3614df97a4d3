"""``plan_review_due`` reminders (SPEC §2 Reminder, §3 rule 20): the sweep reminds a plan's
prescriber a week before its review, once, and the reminder names the plan as its subject."""

from datetime import timedelta

import pytest

from patients.models import StaffMembership
from reminders.models import Reminder
from reminders.sweep import reminder_sweep
from tests.factories import PlanFactory

from .conftest import TODAY
from .records import assessed_patient

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("status", "review_in_days", "created"),
    [
        ("active", 6, True),
        ("active", 7, True),
        ("active", 8, False),
        ("active", -5, True),
        ("ended", 0, False),
    ],
)
def test_plan_review_reminder_goes_to_the_prescriber(north, staff, status, review_in_days, created):
    patient = assessed_patient(north, last_assessed_on=TODAY)
    started = TODAY - timedelta(days=40)
    plan = PlanFactory(
        patient=patient,
        started_on=started,
        review_on=TODAY + timedelta(days=review_in_days),
        status=status,
        ended_on=started if status == "ended" else None,
        prescribed_by=staff["phil"],
    )
    reminder_sweep(today=TODAY)
    reminders = Reminder.objects.filter(kind="plan_review_due")
    assert reminders.exists() is created
    if created:
        reminder = reminders.get()
        assert (reminder.exercise_plan, reminder.due_on, reminder.subject) == (plan, plan.review_on, plan)
        assert list(reminder.recipients.values_list("username", flat=True)) == ["phil"]


def test_a_plan_review_reminder_is_made_once_and_shown_with_its_subject(north, staff, phil_api):
    patient = assessed_patient(north, last_assessed_on=TODAY)
    plan = PlanFactory(
        patient=patient, started_on=TODAY - timedelta(days=40), review_on=TODAY, prescribed_by=staff["phil"]
    )
    reminder_sweep(today=TODAY)
    reminder_sweep(today=TODAY)
    reminder = Reminder.objects.get(kind="plan_review_due")
    shown = phil_api.get(f"/api/v1/reminders/{reminder.pk}/").json()
    assert (shown["kind"], shown["subject"]) == ("plan_review_due", {"type": "exercise_plan", "id": plan.pk})
    assert phil_api.get("/api/v1/reminders/", {"kind": "plan_review_due"}).json()["count"] == 1


@pytest.mark.parametrize("gone", ["deactivated", "left the clinic", "moved to another clinic"])
def test_a_prescriber_no_longer_active_staff_of_the_clinic_is_no_recipient(north, south, staff, gone):
    # SPEC §2: recipients are active staff of the patient's clinic. A prescriber who has left
    # would be the reminder's only recipient, and they cannot open it.
    phil = staff["phil"]
    patient = assessed_patient(north, last_assessed_on=TODAY)
    PlanFactory(patient=patient, started_on=TODAY - timedelta(days=40), review_on=TODAY, prescribed_by=phil)
    still_here = PlanFactory(
        patient=patient, started_on=TODAY - timedelta(days=40), review_on=TODAY, prescribed_by=staff["ada"]
    )
    if gone == "deactivated":
        phil.is_active = False
        phil.save()
    else:
        phil.clinic_memberships.all().delete()
        if gone == "moved to another clinic":
            StaffMembership.objects.create(user=phil, clinic=south)
    reminder_sweep(today=TODAY)
    recipients = {
        reminder.exercise_plan_id: list(reminder.recipients.values_list("username", flat=True))
        for reminder in Reminder.objects.filter(kind="plan_review_due")
    }
    assert recipients == {still_here.pk: ["ada"], still_here.pk - 1: []}
