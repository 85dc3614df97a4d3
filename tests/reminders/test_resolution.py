"""A reminder whose reason has gone resolves itself (SPEC §2), kind by kind at its boundaries,
whether the sweep or a delivery attempt is the first to see it; nothing is emailed about it."""

from datetime import timedelta

import pytest
from django.core import mail

from assessments.services import trend_review_record
from care.models import DevicePrescription, ExercisePlan, FallEvent, Referral
from patients.models import Patient
from reminders.delivery import reminder_digest_send
from reminders.kinds import KIND_RULES
from reminders.models import Reminder, ReminderKind
from reminders.services import reminder_acknowledge, reminders_resolve
from reminders.sweep import reminder_sweep
from tests.factories import (
    AssessmentFactory,
    DeviceFactory,
    PlanFactory,
    ReferralFactory,
    ReminderFactory,
    UserFactory,
)

from .conftest import TODAY
from .records import assessed_patient, declined_patient, fall_on

pytestmark = pytest.mark.django_db


def reassessment(clinic):
    due_on = TODAY + timedelta(days=3)
    patient = assessed_patient(clinic, last_assessed_on=due_on - timedelta(weeks=12))
    return ReminderFactory(kind="reassessment_due", patient=patient, due_on=due_on), patient, None


def referral(clinic):
    patient = assessed_patient(clinic, last_assessed_on=TODAY)
    subject = ReferralFactory(
        patient=patient,
        status="sent",
        referred_on=TODAY - timedelta(days=47),
        due_by=TODAY - timedelta(days=5),
    )
    reminder = ReminderFactory(
        kind="referral_overdue", patient=patient, referral=subject, due_on=subject.due_by
    )
    return reminder, patient, subject


def device(clinic):
    patient = assessed_patient(clinic, last_assessed_on=TODAY)
    subject = DeviceFactory(
        patient=patient, prescribed_on=TODAY - timedelta(days=85), review_due_on=TODAY + timedelta(days=5)
    )
    reminder = ReminderFactory(
        kind="device_review_due", patient=patient, device=subject, due_on=subject.review_due_on
    )
    return reminder, patient, subject


def fall_risk(clinic):
    """Two falls in the window: high risk; the reminder is about the second."""
    patient = assessed_patient(clinic, last_assessed_on=TODAY)
    fall_on(patient, TODAY - timedelta(days=10))
    subject = fall_on(patient, TODAY - timedelta(days=5))
    reminder = ReminderFactory(
        kind="fall_risk", patient=patient, fall=subject, due_on=TODAY + timedelta(days=2)
    )
    return reminder, patient, subject


def strength_review(clinic):
    """A decline in the latest assessment, not yet reviewed: due a week after the assessment."""
    assessor = UserFactory()
    patient = declined_patient(clinic, assessed_on=TODAY - timedelta(days=2), assessor=assessor)
    subject = patient.assessments.latest_first().first()
    reminder = ReminderFactory(
        kind="strength_review",
        patient=patient,
        assessment=subject,
        due_on=subject.assessed_on + timedelta(days=7),
    )
    return reminder, patient, subject


def plan_review(clinic):
    patient = assessed_patient(clinic, last_assessed_on=TODAY)
    subject = PlanFactory(
        patient=patient, started_on=TODAY - timedelta(days=38), review_on=TODAY + timedelta(days=4)
    )
    reminder = ReminderFactory(
        kind="plan_review_due", patient=patient, exercise_plan=subject, due_on=subject.review_on
    )
    return reminder, patient, subject


def plans(plan, **changes):
    ExercisePlan.objects.filter(pk=plan.pk).update(**changes)


def reviewed(patient, by):
    return trend_review_record(patient=patient, by=by, note="Seen: the ankle is weaker; AFO discussed.")


def patients(patient, **changes):
    Patient.objects.filter(pk=patient.pk).update(**changes)


def in_error(record, by):
    record.mark_entered_in_error(by=by, reason="wrong patient")


KINDS = {
    "reassessment_due": reassessment,
    "referral_overdue": referral,
    "device_review_due": device,
    "fall_risk": fall_risk,
    "strength_review": strength_review,
    "plan_review_due": plan_review,
}

# (kind, what happens since the reminder was made, does it resolve). Each change is called with
# (patient, subject, ada).
CASES = [
    ("reassessment_due", "nothing", lambda p, s, ada: None, False),
    (
        "reassessment_due",
        "reassessed",
        lambda p, s, ada: AssessmentFactory(patient=p, assessed_on=TODAY),
        True,
    ),
    # The next assessment a week later than the reminder's date, or a week earlier.
    (
        "reassessment_due",
        "interval +1 week",
        lambda p, s, ada: patients(p, reassessment_interval_weeks=13),
        True,
    ),
    (
        "reassessment_due",
        "interval -1 week",
        lambda p, s, ada: patients(p, reassessment_interval_weeks=11),
        False,
    ),
    ("reassessment_due", "discharged", lambda p, s, ada: patients(p, status="discharged"), True),
    ("reassessment_due", "patient in error", lambda p, s, ada: in_error(p, ada), True),
    ("referral_overdue", "still sent", lambda p, s, ada: None, False),
    *(
        (
            "referral_overdue",
            status,
            lambda p, s, ada, status=status: Referral.objects.filter(pk=s.pk).update(status=status),
            resolves,
        )
        for status, resolves in [
            ("draft", False),
            ("accepted", False),
            ("seen", True),
            ("closed", True),
            ("declined", True),
            ("cancelled", True),
        ]
    ),
    (
        "referral_overdue",
        "due a day later",
        lambda p, s, ada: Referral.objects.filter(pk=s.pk).update(due_by=s.due_by + timedelta(days=1)),
        True,
    ),
    (
        "referral_overdue",
        "due a day earlier",
        lambda p, s, ada: Referral.objects.filter(pk=s.pk).update(due_by=s.due_by - timedelta(days=1)),
        False,
    ),
    ("referral_overdue", "referral in error", lambda p, s, ada: in_error(s, ada), True),
    ("referral_overdue", "patient in error", lambda p, s, ada: in_error(p, ada), True),
    ("device_review_due", "still active", lambda p, s, ada: None, False),
    (
        "device_review_due",
        "discontinued",
        lambda p, s, ada: DevicePrescription.objects.filter(pk=s.pk).update(
            status="discontinued", discontinued_on=TODAY
        ),
        True,
    ),
    (
        "device_review_due",
        "review a day later",
        lambda p, s, ada: DevicePrescription.objects.filter(pk=s.pk).update(
            review_due_on=s.review_due_on + timedelta(days=1)
        ),
        True,
    ),
    (
        "device_review_due",
        "review a day earlier",
        lambda p, s, ada: DevicePrescription.objects.filter(pk=s.pk).update(
            review_due_on=s.review_due_on - timedelta(days=1)
        ),
        False,
    ),
    ("device_review_due", "device in error", lambda p, s, ada: in_error(s, ada), True),
    ("device_review_due", "patient in error", lambda p, s, ada: in_error(p, ada), True),
    ("fall_risk", "still two falls", lambda p, s, ada: None, False),
    (
        "fall_risk",
        "the other fall in error",
        lambda p, s, ada: in_error(p.falls.exclude(pk=s.pk).get(), ada),
        True,
    ),
    (
        "fall_risk",
        "the other fall was a near-fall",
        lambda p, s, ada: p.falls.exclude(pk=s.pk).update(near_fall=True),
        True,
    ),
    (
        "fall_risk",
        "the falls left the window",
        lambda p, s, ada: FallEvent.objects.filter(patient=p).update(
            occurred_at=s.occurred_at - timedelta(days=190)
        ),
        True,
    ),
    ("fall_risk", "its fall in error", lambda p, s, ada: in_error(s, ada), True),
    ("fall_risk", "patient in error", lambda p, s, ada: in_error(p, ada), True),
    ("strength_review", "not reviewed", lambda p, s, ada: None, False),
    ("strength_review", "reviewed", lambda p, s, ada: reviewed(p, ada), True),
    (
        "strength_review",
        "its review in error",
        lambda p, s, ada: in_error(reviewed(p, ada), ada),
        False,
    ),
    (
        "strength_review",
        "no longer the latest",
        lambda p, s, ada: AssessmentFactory(patient=p, assessed_on=TODAY),
        True,
    ),
    (
        "strength_review",
        "a later assessment, in error",
        lambda p, s, ada: in_error(AssessmentFactory(patient=p, assessed_on=TODAY), ada),
        False,
    ),
    ("strength_review", "patient discharged", lambda p, s, ada: patients(p, status="discharged"), False),
    ("strength_review", "its assessment in error", lambda p, s, ada: in_error(s, ada), True),
    ("strength_review", "patient in error", lambda p, s, ada: in_error(p, ada), True),
    ("plan_review_due", "still active", lambda p, s, ada: None, False),
    ("plan_review_due", "ended", lambda p, s, ada: plans(s, status="ended", ended_on=TODAY), True),
    (
        "plan_review_due",
        "review a day later",
        lambda p, s, ada: plans(s, review_on=s.review_on + timedelta(days=1)),
        True,
    ),
    (
        "plan_review_due",
        "review a day earlier",
        lambda p, s, ada: plans(s, review_on=s.review_on - timedelta(days=1)),
        False,
    ),
    ("plan_review_due", "plan in error", lambda p, s, ada: in_error(s, ada), True),
    ("plan_review_due", "patient in error", lambda p, s, ada: in_error(p, ada), True),
]


@pytest.fixture(params=["sweep", "delivery"])
def check(request, staff):
    """What sees a reminder's reason gone first: the sweep, or a delivery attempt (Phil's digest)."""

    def run():
        if request.param == "sweep":
            reminder_sweep(today=TODAY)
        else:
            reminder_digest_send(user_id=staff["phil"].pk, today=TODAY)

    run.by = request.param
    return run


@pytest.mark.parametrize(
    ("kind", "change", "resolves"),
    [(k, c, r) for k, _, c, r in CASES],
    ids=[f"{k}: {n}" for k, n, _, _ in CASES],
)
def test_an_open_reminder_resolves_once_its_reason_has_gone(north, staff, check, kind, change, resolves):
    reminder, patient, subject = KINDS[kind](north)
    reminder.recipients.add(staff["phil"])
    change(patient, subject, staff["ada"])
    check()
    reminder.refresh_from_db()
    if resolves:
        assert (reminder.status, reminder.sent_at) == ("resolved", None)
        assert reminder.resolved_at is not None
        assert mail.outbox == []  # resolved before it was sent: nothing about it is emailed
    elif check.by == "sweep":
        assert (reminder.status, reminder.resolved_at) == ("pending", None)
    else:
        assert (reminder.status, reminder.resolved_at) == ("sent", None)
        assert [message.to for message in mail.outbox] == [["phil@clinic.example"]]


def test_every_kind_says_when_its_reason_holds():
    assert set(KIND_RULES) == set(ReminderKind)
    assert set(KINDS) == set(ReminderKind)


def test_a_sent_reminder_resolves_too_and_keeps_when_it_was_sent(north, staff):
    reminder, patient, _ = reassessment(north)
    reminder.recipients.add(staff["phil"])
    assert reminder_digest_send(user_id=staff["phil"].pk, today=TODAY) == 1
    AssessmentFactory(patient=patient, assessed_on=TODAY)
    reminder_sweep(today=TODAY)
    reminder.refresh_from_db()
    assert reminder.status == "resolved" and reminder.sent_at is not None and reminder.resolved_at is not None


@pytest.mark.parametrize("kind", KINDS)
def test_an_acknowledged_reminder_stays_acknowledged(north, staff, check, kind):
    reminder, patient, _ = KINDS[kind](north)
    reminder.recipients.add(staff["phil"])
    reminder_acknowledge(reminder=reminder, by=staff["phil"])
    in_error(patient, staff["ada"])
    check()
    reminder.refresh_from_db()
    assert (reminder.status, reminder.resolved_at, reminder.acknowledged_by) == (
        "acknowledged",
        None,
        staff["phil"],
    )


def test_a_digest_announces_only_what_is_still_open(north, staff):
    lapsed, reassessed, _ = reassessment(north)
    waiting, _, _ = reassessment(north)
    for reminder in (lapsed, waiting):
        reminder.recipients.add(staff["phil"])
    AssessmentFactory(patient=reassessed, assessed_on=TODAY)
    assert reminder_digest_send(user_id=staff["phil"].pk, today=TODAY) == 1
    (message,) = mail.outbox
    assert message.subject == "[MS Strength Clinic] 1 new reminder: 1 reassessment due"
    assert dict(Reminder.objects.values_list("pk", "status")) == {lapsed.pk: "resolved", waiting.pk: "sent"}


def test_a_digest_with_nothing_left_open_sends_nothing_and_keeps_the_resolution(north, staff):
    reminder, patient, _ = reassessment(north)
    reminder.recipients.add(staff["phil"])
    patients(patient, status="discharged")
    assert reminder_digest_send(user_id=staff["phil"].pk, today=TODAY) == 0
    assert mail.outbox == []
    assert Reminder.objects.get().status == "resolved"


def test_when_the_fall_it_was_about_is_in_error_a_reminder_about_the_latest_fall_replaces_it(north, staff):
    reminder, patient, subject = fall_risk(north)
    latest = fall_on(patient, TODAY - timedelta(days=1))  # three falls: high risk without the subject
    in_error(subject, staff["ada"])
    reminder_sweep(today=TODAY)
    reminder.refresh_from_db()
    assert reminder.status == "resolved"
    successor = Reminder.objects.get(kind="fall_risk", status="pending")
    assert (successor.fall, successor.due_on) == (latest, TODAY - timedelta(days=1) + timedelta(days=7))
    reminder_sweep(today=TODAY)
    assert Reminder.objects.filter(kind="fall_risk").count() == 2


def test_resolving_is_one_update_per_kind_however_many_reminders(north, staff, django_assert_num_queries):
    for make in KINDS.values():
        for _ in range(3):
            make(north)
    with django_assert_num_queries(len(KIND_RULES)):
        resolved = reminders_resolve(today=TODAY)
    assert resolved == dict.fromkeys(KIND_RULES, 0)
