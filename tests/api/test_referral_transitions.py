"""Referral status moves (SPEC §2): every allowed move is recorded (who, when, from, to);
every other move is a 409 that names both states and changes nothing."""

import pytest
from django.urls import reverse

from care.models import Referral
from tests import factories

pytestmark = pytest.mark.django_db

ALLOWED = [
    (before, after) for before, afters in Referral.ALLOWED_TRANSITIONS.items() for after in sorted(afters)
]
FORBIDDEN = [
    (before, after)
    for before in Referral.Status
    for after in Referral.Status
    if (before, after) not in ALLOWED
]


def transition(client, referral, status):
    return client.post(
        reverse("api:referral-transition", kwargs={"pk": referral.pk}), {"status": status}, format="json"
    )


@pytest.mark.parametrize(("before", "after"), ALLOWED)
def test_every_allowed_move_is_made_and_recorded(before, after, north_patient, nora, phil_api):
    referral = factories.ReferralFactory(patient=north_patient, created_by=nora, status=before)
    response = transition(phil_api, referral, after)
    assert response.status_code == 200
    assert response.json()["status"] == after
    move = response.json()["status_history"][-1]
    assert (move["from_status"], move["to_status"], move["changed_by"]) == (before, after, "phil")
    assert move["changed_at"]
    referral.refresh_from_db()
    assert referral.status == after


@pytest.mark.parametrize(("before", "after"), FORBIDDEN)
def test_every_other_move_is_a_409_naming_both_states(before, after, north_patient, nora, nora_api):
    referral = factories.ReferralFactory(patient=north_patient, created_by=nora, status=before)
    response = transition(nora_api, referral, after)
    assert response.status_code == 409
    message = response.json()["detail"]
    assert f"from {before} to {after}" in message
    referral.refresh_from_db()
    assert referral.status == before
    assert not referral.status_changes.exists()


def test_a_referral_walks_the_whole_path_and_keeps_its_history(north_patient, nora_api, phil_api):
    created = nora_api.post(
        reverse("api:referral-list"),
        {
            "patient": north_patient.pk,
            "to_service": "physiotherapy",
            "reason": "Foot drop",
            "urgency": "urgent",
        },
        format="json",
    ).json()
    assert created["status"] == "draft"
    referral = Referral.objects.get(pk=created["id"])
    for client, status in [
        (nora_api, "sent"),
        (phil_api, "accepted"),
        (phil_api, "seen"),
        (phil_api, "closed"),
    ]:
        assert transition(client, referral, status).status_code == 200
    history = nora_api.get(reverse("api:referral-detail", kwargs={"pk": referral.pk})).json()[
        "status_history"
    ]
    assert [(h["from_status"], h["to_status"], h["changed_by"]) for h in history] == [
        ("", "draft", "nora"),
        ("draft", "sent", "nora"),
        ("sent", "accepted", "phil"),
        ("accepted", "seen", "phil"),
        ("seen", "closed", "phil"),
    ]


def test_an_unknown_status_is_a_400(north_patient, nora, nora_api):
    referral = factories.ReferralFactory(patient=north_patient, created_by=nora)
    response = transition(nora_api, referral, "lost")
    assert response.status_code == 400
    assert "status" in response.json()


def test_the_status_moves_only_by_transition(north_patient, nora, nora_api):
    referral = factories.ReferralFactory(patient=north_patient, created_by=nora)
    url = reverse("api:referral-detail", kwargs={"pk": referral.pk})
    response = nora_api.patch(url, {"status": "closed", "reason": "Updated"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"status": ["Read-only field: it cannot be set here."]}
    response = nora_api.patch(url, {"reason": "Updated"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "draft"
    assert response.json()["reason"] == "Updated"
