"""A referral's due date: the default by urgency follows the referral, a chosen date stays."""

import datetime

import pytest

from care.models import Referral
from care.services import referral_create, referral_update
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 1)


def referral(nora, **kwargs):
    return referral_create(
        patient=PatientFactory(), created_by=nora, to_service="orthotics", reason="Foot drop", **kwargs
    )


def test_a_referral_created_without_a_due_date_gets_the_default_of_its_urgency(nora):
    assert referral(nora, referred_on=DAY, urgency="urgent").due_by == DAY + datetime.timedelta(days=14)
    assert referral(nora, referred_on=DAY).due_by == DAY + datetime.timedelta(days=42)


def test_a_default_due_date_follows_a_change_of_urgency_or_referral_date(nora):
    record = referral(nora, referred_on=DAY)
    referral_update(referral=record, by=nora, urgency="urgent")
    assert Referral.objects.get(pk=record.pk).due_by == DAY + datetime.timedelta(days=14)
    later = DAY + datetime.timedelta(days=3)
    referral_update(referral=record, by=nora, referred_on=later)
    assert Referral.objects.get(pk=record.pk).due_by == later + datetime.timedelta(days=14)
    latest = record.history.first()
    assert latest.history_user == nora
    assert {(c.field, c.old, c.new) for c in latest.diff_against(latest.prev_record).changes} >= {
        ("referred_on", DAY, later),
        ("due_by", DAY + datetime.timedelta(days=14), later + datetime.timedelta(days=14)),
    }


def test_a_due_date_chosen_by_hand_stays_when_the_urgency_changes(nora):
    chosen = DAY + datetime.timedelta(days=30)
    record = referral(nora, referred_on=DAY, due_by=chosen)
    referral_update(referral=record, by=nora, urgency="urgent", referred_on=DAY + datetime.timedelta(days=1))
    assert Referral.objects.get(pk=record.pk).due_by == chosen


def test_a_due_date_given_with_the_change_wins(nora):
    record = referral(nora, referred_on=DAY)
    chosen = DAY + datetime.timedelta(days=5)
    referral_update(referral=record, by=nora, urgency="urgent", due_by=chosen)
    assert Referral.objects.get(pk=record.pk).due_by == chosen


def test_open_statuses_are_referral_statuses():
    from clinical_rules.rules import OPEN_REFERRAL_STATUSES

    assert set(OPEN_REFERRAL_STATUSES) == {
        Referral.Status.DRAFT,
        Referral.Status.SENT,
        Referral.Status.ACCEPTED,
    }
