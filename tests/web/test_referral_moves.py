"""Referral status buttons: only the moves SPEC §2 allows are offered, and only those are made."""

import pytest
from django.urls import reverse

from care.models import Referral
from care.services import referral_transition
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def referral(assessed_patient, nora):
    return factories.ReferralFactory(patient=assessed_patient, created_by=nora)


def _buttons(client, referral):
    html = client.get(reverse("web:patient_dashboard", args=[referral.patient_id])).content.decode()
    form = html.split(f'action="{reverse("web:referral_move", args=[referral.pk])}"')
    if len(form) == 1:
        return set()
    import re

    return set(re.findall(r'name="status" value="(\w+)"', form[1].split("</form>")[0]))


@pytest.mark.parametrize("status", list(Referral.Status))
def test_the_buttons_are_the_allowed_moves(nora_web, nora, referral, status):
    Referral.objects.filter(pk=referral.pk).update(status=status)
    assert _buttons(nora_web, referral) == {s.value for s in Referral.ALLOWED_TRANSITIONS[status]}


@pytest.mark.parametrize(
    ("viewer", "offered"), [("nora", True), ("phil", True), ("ada", True), ("rolf", False)]
)
def test_the_buttons_are_for_the_roles_that_manage_referrals(request, viewer, offered, referral):
    buttons = _buttons(request.getfixturevalue(f"{viewer}_web"), referral)
    assert buttons == ({"sent", "declined", "cancelled"} if offered else set())


def test_an_entered_in_error_patient_has_no_buttons(ada_web, ada, referral):
    referral.patient.mark_entered_in_error(by=ada, reason="Duplicate registration")
    assert _buttons(ada_web, referral) == set()


def test_a_move_is_made_and_recorded(phil_web, phil, referral):
    response = phil_web.post(reverse("web:referral_move", args=[referral.pk]), {"status": "sent"})
    assert response.status_code == 302
    assert response["Location"].endswith("#referrals")
    referral.refresh_from_db()
    assert referral.status == "sent"
    change = referral.status_changes.get()
    assert (change.from_status, change.to_status, change.changed_by) == ("draft", "sent", phil)
    assert "now sent" in phil_web.get(response["Location"]).content.decode()


@pytest.mark.parametrize("to_status", ["seen", "closed", "draft", "nonsense", ""])
def test_a_move_not_allowed_is_a_conflict(nora_web, referral, to_status):
    response = nora_web.post(reverse("web:referral_move", args=[referral.pk]), {"status": to_status})
    assert response.status_code == 409
    assert f"cannot move from draft to {to_status}" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == "draft"


def test_a_move_of_an_entered_in_error_referral_is_a_conflict(ada_web, ada, referral):
    referral.mark_entered_in_error(by=ada, reason="Wrong patient")
    response = ada_web.post(reverse("web:referral_move", args=[referral.pk]), {"status": "sent"})
    assert response.status_code == 409


def test_a_final_referral_has_no_buttons(nora_web, nora, referral):
    for status in ("sent", "accepted", "seen", "closed"):
        referral_transition(referral=referral, to_status=status, by=nora)
    assert _buttons(nora_web, referral) == set()


def test_the_move_is_only_by_post(nora_web, referral):
    assert nora_web.get(reverse("web:referral_move", args=[referral.pk])).status_code == 405


def test_every_move_has_a_button_label_and_no_label_is_for_a_move_never_offered():
    from web.presenters import MOVE_LABELS

    assert set(MOVE_LABELS) == set().union(*Referral.ALLOWED_TRANSITIONS.values())
