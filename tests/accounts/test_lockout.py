"""Login lockout (SPEC §5): five failed sign-ins for a username within 15 minutes lock it for 15
minutes, whatever the password, with one counter across /login/, /admin/login/ and the API's
token endpoint. Real requests through django-axes and its database handler; time moves with
time_machine.
"""

import datetime

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD
from tests.support.clients import api_client_of

pytestmark = pytest.mark.django_db

LOCKED_OUT = (
    "Too many failed sign-in attempts for this username; try again in 15 minutes "
    "or ask a clinic admin to unlock it."
)
TOKEN = reverse("api:auth-token")
ADMIN_LOGIN = reverse("admin:login")
PAGE_LOGIN = "/login/"


def token_sign_in(username, password):
    return api_client_of().post(TOKEN, {"username": username, "password": password}, format="json")


def page_sign_in(client, url, username, password):
    return client.post(url, {"username": username, "password": password})


def fail_on_the_api(username, times):
    for _ in range(times):
        assert token_sign_in(username, "wrong-password").status_code == 400


def lock_out_on_the_api(username):
    fail_on_the_api(username, 4)
    assert_api_locked_out(token_sign_in(username, "wrong-password"))


def assert_api_locked_out(response):
    assert response.status_code == 429
    assert response.json() == {"detail": LOCKED_OUT}
    assert "token" not in response.json()


def assert_page_locked_out(response):
    assert response.status_code == 429
    assert "accounts/locked_out.html" in [t.name for t in response.templates]
    assert LOCKED_OUT in response.content.decode()
    assert "_auth_user_id" not in response.client.session


def test_the_fifth_failed_token_sign_in_locks_the_username_even_for_the_right_password(nora, clock):
    lock_out_on_the_api("nora")

    clock.shift(datetime.timedelta(minutes=1))
    assert_api_locked_out(token_sign_in("nora", PASSWORD))


def test_the_lockout_ends_15_minutes_after_the_last_failure(nora, clock):
    lock_out_on_the_api("nora")

    clock.shift(datetime.timedelta(minutes=14, seconds=59))
    assert_api_locked_out(token_sign_in("nora", PASSWORD))
    clock.shift(datetime.timedelta(seconds=2))
    response = token_sign_in("nora", PASSWORD)
    assert response.status_code == 200
    assert response.json()["token"]


def test_retry_after_says_how_many_seconds_of_the_lockout_are_left(nora, clock):
    lock_out_on_the_api("nora")

    clock.shift(datetime.timedelta(minutes=5))
    response = token_sign_in("nora", PASSWORD)
    assert response.status_code == 429
    assert response["Retry-After"] == str(10 * 60)


def test_failures_during_the_lockout_do_not_prolong_it(nora, clock):
    lock_out_on_the_api("nora")
    clock.shift(datetime.timedelta(minutes=10))
    assert_api_locked_out(token_sign_in("nora", "wrong-password"))

    clock.shift(datetime.timedelta(minutes=5, seconds=1))
    assert token_sign_in("nora", PASSWORD).status_code == 200


def test_failures_more_than_15_minutes_apart_do_not_add_up(nora, clock):
    fail_on_the_api("nora", 4)
    clock.shift(datetime.timedelta(minutes=16))
    fail_on_the_api("nora", 4)
    assert token_sign_in("nora", PASSWORD).status_code == 200


def test_a_wrong_password_under_the_limit_is_an_ordinary_error(nora, client):
    response = token_sign_in("nora", "wrong-password")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Unable to log in with provided credentials."]}

    page = page_sign_in(client, PAGE_LOGIN, "nora", "wrong-password")
    assert page.status_code == 200
    assert page.context["form"].non_field_errors()
    assert LOCKED_OUT not in page.content.decode()


def test_other_usernames_from_the_same_address_are_not_locked_out(nora, phil, client):
    lock_out_on_the_api("nora")

    assert token_sign_in("phil", PASSWORD).status_code == 200
    assert page_sign_in(client, PAGE_LOGIN, "phil", PASSWORD).status_code == 302


def test_a_successful_token_sign_in_clears_the_username_s_failures(nora):
    fail_on_the_api("nora", 4)
    assert token_sign_in("nora", PASSWORD).status_code == 200

    fail_on_the_api("nora", 4)
    assert token_sign_in("nora", PASSWORD).status_code == 200


def test_one_counter_across_the_api_the_admin_and_the_pages(ada, client):
    fail_on_the_api("ada", 2)
    for _ in range(2):
        response = page_sign_in(client, ADMIN_LOGIN, "ada", "wrong-password")
        assert response.status_code == 200
        assert response.context["form"].non_field_errors()
    assert_page_locked_out(page_sign_in(client, PAGE_LOGIN, "ada", "wrong-password"))

    assert_api_locked_out(token_sign_in("ada", PASSWORD))
    assert_page_locked_out(page_sign_in(client, ADMIN_LOGIN, "ada", PASSWORD))
    assert_page_locked_out(page_sign_in(client, PAGE_LOGIN, "ada", PASSWORD))


def test_a_username_locked_out_on_the_api_is_locked_out_of_the_pages_with_retry_after(nora, client, clock):
    lock_out_on_the_api("nora")
    clock.shift(datetime.timedelta(minutes=3))

    response = page_sign_in(client, PAGE_LOGIN, "nora", PASSWORD)
    assert_page_locked_out(response)
    assert response["Retry-After"] == str(12 * 60)


def test_an_unknown_username_is_locked_out_alike_so_the_answer_reveals_no_account(nora):
    lock_out_on_the_api("nobody")
    assert_api_locked_out(token_sign_in("nobody", PASSWORD))
