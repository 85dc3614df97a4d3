"""One definition of what is due (``clinical_rules.querysets.due_follow_ups``): the reminder sweep
and the overdue report find exactly the same follow-ups, and the ones the rules say."""

from datetime import timedelta

import pytest

from clinical_rules.querysets import due_follow_ups
from clinical_rules.rules import FollowUpKind
from patients.clock import clinic_date, clinic_today
from reminders.models import Reminder
from reminders.sweep import reminder_sweep
from reports.queries import REPORTS, Scope
from tests.factories import (
    AssessmentFactory,
    ClinicFactory,
    DeviceFactory,
    PatientFactory,
    PlanFactory,
    ReferralFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def days(n):
    return timedelta(days=n)


@pytest.fixture
def network():
    """Two clinics with follow-ups due, due soon, not due, and due but on records that do not count."""
    today = clinic_today()
    north, south = ClinicFactory(code="north"), ClinicFactory(code="south")
    clerk = UserFactory()

    def assessed(clinic, days_ago, **kwargs):
        patient = PatientFactory(clinic=clinic, **kwargs)
        AssessmentFactory(patient=patient, assessed_on=today - days(days_ago))
        return patient

    never_assessed = PatientFactory(clinic=north)  # due on the day of registration: today
    due_soon = assessed(north, 12 * 7 - 3)  # due in 3 days: within the week
    assessed(south, 10)  # not due for 11 weeks
    assessed(south, 200, status="discharged")  # overdue, but discharged
    assessed(north, 200).mark_entered_in_error(by=clerk, reason="Duplicate")
    overdue_in_south = assessed(south, 100)

    holder = assessed(north, 1)
    overdue = ReferralFactory(
        patient=holder, status="sent", referred_on=today - days(30), due_by=today - days(1)
    )
    ReferralFactory(patient=holder, status="seen", referred_on=today - days(30), due_by=today - days(1))
    ReferralFactory(patient=holder, status="sent", referred_on=today, due_by=today + days(2))
    ReferralFactory(
        patient=holder, status="draft", referred_on=today - days(30), due_by=today - days(2)
    ).mark_entered_in_error(by=clerk, reason="Wrong patient")

    review_soon = DeviceFactory(patient=holder, prescribed_on=today - days(85), review_due_on=today + days(5))
    DeviceFactory(patient=holder, prescribed_on=today, review_due_on=today + days(30))
    DeviceFactory(
        patient=holder,
        prescribed_on=today - days(85),
        review_due_on=today - days(1),
        status="discontinued",
        discontinued_on=today - days(2),
    )

    plan_soon = PlanFactory(patient=holder, started_on=today - days(40), review_on=today + days(7))
    PlanFactory(patient=holder, started_on=today - days(40), review_on=today + days(8))
    PlanFactory(
        patient=holder, started_on=today - days(40), review_on=today - days(1), status="ended", ended_on=today
    )

    gone = assessed(south, 1)
    ReferralFactory(patient=gone, status="sent", referred_on=today - days(30), due_by=today - days(3))
    gone.mark_entered_in_error(by=clerk, reason="Test patient")

    expected = {
        (FollowUpKind.REASSESSMENT_DUE, never_assessed.pk, None, clinic_date(never_assessed.created_at)),
        (FollowUpKind.REASSESSMENT_DUE, due_soon.pk, None, today + days(3)),
        (FollowUpKind.REASSESSMENT_DUE, overdue_in_south.pk, None, today - days(100) + days(12 * 7)),
        (FollowUpKind.REFERRAL_OVERDUE, holder.pk, overdue.pk, today - days(1)),
        (FollowUpKind.DEVICE_REVIEW_DUE, holder.pk, review_soon.pk, today + days(5)),
        (FollowUpKind.PLAN_REVIEW_DUE, holder.pk, plan_soon.pk, today + days(7)),
    }
    return {"today": today, "clinics": (north.pk, south.pk), "expected": expected}


def test_the_sweep_and_the_overdue_report_find_the_same_follow_ups(network):
    today = network["today"]
    reminder_sweep(today=today)
    swept = {
        (r.kind, r.patient_id, r.referral_id or r.device_id or r.exercise_plan_id, r.due_on)
        for r in Reminder.objects.exclude(kind=FollowUpKind.FALL_RISK)
    }
    scope = Scope(clinic_ids=network["clinics"], today=today)
    reported = {
        (kind, patient, subject, due_on)
        for kind, _, patient, *_, subject, _, due_on, _ in REPORTS["overdue"].rows(scope)
    }
    assert swept == network["expected"]
    assert reported == network["expected"]


def test_due_follow_ups_keeps_to_the_clinics_it_is_given(network):
    north, _ = network["clinics"]
    found = {
        due.kind: set(due.records.values_list(due.patient_field("clinic_id"), flat=True))
        for due in due_follow_ups(network["today"], clinic_ids=[north])
    }
    assert found == {
        FollowUpKind.REASSESSMENT_DUE: {north},
        FollowUpKind.REFERRAL_OVERDUE: {north},
        FollowUpKind.DEVICE_REVIEW_DUE: {north},
        FollowUpKind.PLAN_REVIEW_DUE: {north},
    }
