"""Create and send in one step: a referral created with ``send`` is sent by its author in the
same transaction, and a failure on the way leaves nothing behind."""

import pytest

from care import services
from care.models import Referral, ReferralStatusChange
from care.services import referral_create
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


def _create(nora, **kwargs):
    return referral_create(
        patient=PatientFactory(), created_by=nora, to_service="neurology", reason="New weakness", **kwargs
    )


def test_a_referral_created_and_sent_keeps_both_moves_by_its_author(nora):
    referral = _create(nora, send=True)
    stored = Referral.objects.get(pk=referral.pk)
    assert stored.status == "sent"
    assert [(c.from_status, c.to_status, c.changed_by) for c in stored.status_changes.all()] == [
        ("", "draft", nora),
        ("draft", "sent", nora),
    ]
    assert [h.status for h in stored.history.order_by("history_date", "history_id")] == ["draft", "sent"]


def test_without_send_it_stays_a_draft(nora):
    assert Referral.objects.get(pk=_create(nora).pk).status == "draft"


def test_a_failed_send_creates_nothing(nora, monkeypatch):
    def broken_transition(**kwargs):
        raise RuntimeError("the move failed")

    monkeypatch.setattr(services, "referral_transition", broken_transition)
    with pytest.raises(RuntimeError):
        _create(nora, send=True)
    assert not Referral.objects.exists()
    assert not ReferralStatusChange.objects.exists()
    assert not Referral.history.exists()
