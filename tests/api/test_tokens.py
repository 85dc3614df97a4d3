"""API tokens (SPEC §5): a new token per sign-in, at most five live per user (the oldest gives
way), expiring after API_TOKEN_TTL_HOURS, revoked by logout, by a password change and by
deactivation; the user's own live tokens listed without their secrets."""

import datetime

import pytest
from django.contrib.auth.models import update_last_login
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from knox.models import AuthToken

from tests.conftest import PASSWORD
from tests.support.clients import api_client_of

pytestmark = pytest.mark.django_db

TOKEN = reverse("api:auth-token")
LOGOUT = reverse("api:auth-logout")
TOKENS = reverse("api:auth-tokens")
PATIENTS = reverse("api:patient-list")


def sign_in(username="nora"):
    response = api_client_of().post(TOKEN, {"username": username, "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def client_with(token):
    client = api_client_of()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def works(token):
    status = client_with(token).get(PATIENTS).status_code
    assert status in (200, 401)
    return status == 200


def test_every_sign_in_gives_a_new_token_and_the_earlier_ones_keep_working(nora):
    first, second = sign_in(), sign_in()
    assert first != second
    assert works(first) and works(second)


def test_a_token_expires_api_token_ttl_hours_after_sign_in(nora, clock, settings):
    assert settings.API_TOKEN_TTL_HOURS == 10
    signed_in_at = timezone.now()
    response = api_client_of().post(TOKEN, {"username": "nora", "password": PASSWORD}, format="json")
    token = response.json()["token"]
    assert parse_datetime(response.json()["expiry"]) == signed_in_at + datetime.timedelta(hours=10)

    clock.shift(datetime.timedelta(hours=9, minutes=59))
    assert works(token)
    clock.shift(datetime.timedelta(minutes=2))
    response = client_with(token).get(PATIENTS)
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


def test_a_sixth_sign_in_succeeds_and_the_oldest_token_stops_working(nora, clock):
    tokens = []
    for _ in range(6):
        tokens.append(sign_in())
        clock.shift(datetime.timedelta(minutes=1))

    assert not works(tokens[0])
    assert all(works(token) for token in tokens[1:])
    assert AuthToken.objects.filter(user=nora).count() == 5


def test_the_limit_is_per_user(nora, phil, clock):
    phils = sign_in("phil")
    for _ in range(6):
        clock.shift(datetime.timedelta(minutes=1))
        sign_in("nora")
    assert works(phils)


def test_a_sign_in_purges_the_user_s_expired_tokens(nora, clock):
    sign_in()
    clock.shift(datetime.timedelta(hours=11))
    fresh = sign_in()

    assert [t.token_key for t in AuthToken.objects.filter(user=nora)] == [fresh[:15]]


def test_logout_revokes_the_token_used_and_no_other(nora):
    used, other = sign_in(), sign_in()

    response = client_with(used).post(LOGOUT)
    assert response.status_code == 204
    assert not works(used)
    assert works(other)


def test_logout_with_a_browser_session_says_it_revokes_tokens_only(nora, client):
    client.force_login(nora)
    token = sign_in()

    response = client.post(LOGOUT)
    assert response.status_code == 400
    assert "Authorization: Token <token>" in response.json()["detail"]
    assert works(token)


def test_logout_without_credentials_is_401(anonymous):
    assert anonymous.post(LOGOUT).status_code == 401


def test_the_token_list_shows_the_user_s_own_live_tokens_without_their_secrets(nora, phil, clock):
    older = sign_in()
    clock.shift(datetime.timedelta(minutes=5))
    newer = sign_in()
    phils = sign_in("phil")

    response = client_with(newer).get(TOKENS)
    assert response.status_code == 200
    listed = response.json()
    assert [t["token_key"] for t in listed] == [newer[:8], older[:8]]
    assert set(listed[0]) == {"token_key", "created", "expiry"}
    assert parse_datetime(listed[0]["expiry"]) - parse_datetime(listed[0]["created"]) == datetime.timedelta(
        hours=10
    )
    body = response.content.decode()
    for token in AuthToken.objects.all():
        assert token.digest not in body
        assert token.token_key not in body  # knox's 15-character key: more than the 8 shown
    for secret in (older, newer, phils):
        assert secret not in body
    assert phils[:8] not in body


def test_the_token_list_leaves_out_expired_tokens(nora, client, clock):
    live = sign_in()
    client.force_login(nora)
    AuthToken.objects.create(user=nora, expiry=datetime.timedelta(minutes=1))
    clock.shift(datetime.timedelta(minutes=2))

    assert [t["token_key"] for t in client.get(TOKENS).json()] == [live[:8]]


def test_the_token_list_needs_credentials(anonymous):
    assert anonymous.get(TOKENS).status_code == 401


# Revocation by a password change or deactivation: accounts/signals.py, whatever the path.


def test_a_password_change_revokes_the_user_s_tokens(nora, phil):
    token, phils = sign_in(), sign_in("phil")
    nora.set_password("another-long-passphrase")
    nora.save()
    assert not works(token)
    assert works(phils)


def test_a_password_change_saving_only_the_password_revokes_the_tokens(nora):
    token = sign_in()
    nora.set_password("another-long-passphrase")
    nora.save(update_fields=["password"])
    assert not works(token)


def test_deactivation_revokes_the_user_s_tokens(nora):
    token = sign_in()
    nora.is_active = False
    nora.save()
    assert not works(token)
    assert not AuthToken.objects.filter(user=nora).exists()


def test_signing_in_and_other_saves_of_the_user_revoke_nothing(nora):
    token = sign_in()
    update_last_login(None, nora)
    nora.save(update_fields=["last_login"])
    nora.first_name = "Nora"
    nora.save()
    assert works(token)


def test_an_inactive_user_s_token_is_refused(nora):
    token = sign_in()
    # Deactivated without a save (so no signal): the token itself must still be refused.
    type(nora).objects.filter(pk=nora.pk).update(is_active=False)
    response = client_with(token).get(PATIENTS)
    assert response.status_code == 401
    assert response.json() == {"detail": "User inactive or deleted."}
