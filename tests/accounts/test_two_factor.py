"""Two-factor sign-in (SPEC §5): the second step, enrolment, who must, and what it does not touch.

Nora (nurse) and Phil (physio) need no second factor by default but may turn it on; Ada (clinic
admin) and superusers must sign in with one.
"""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.support.clients import api_client_of

from ..conftest import PASSWORD
from .conftest import code_from_secret, code_of, enrol, log_in, secret_on

pytestmark = pytest.mark.django_db

VERIFY = reverse("accounts:two_factor_verify")
ENROL = reverse("accounts:two_factor")
PATIENTS = reverse("web:patient_list")


def verify(client, code, next_url=PATIENTS):
    return client.post(f"{VERIFY}?next={next_url}", {"code": code})


def error_text(response):
    return " ".join(response.context["form"].errors["code"])


# Who is asked for what --------------------------------------------------------------------


def test_a_nurse_without_two_factor_goes_straight_in(nora, clock):
    client, response = log_in("nora")
    assert response["Location"] == PATIENTS
    assert client.get(PATIENTS).status_code == 200


def test_with_two_factor_on_the_password_leads_to_the_code_and_nowhere_else(nora, north_patient, clock):
    device, _ = enrol(nora)
    client, response = log_in("nora")
    assert client.get(response["Location"])["Location"] == f"{VERIFY}?next={PATIENTS}"
    dashboard = reverse("web:patient_dashboard", args=[north_patient.pk])
    for path in (dashboard, reverse("accounts:account"), ENROL, reverse("accounts:password_change")):
        assert client.get(path)["Location"] == f"{VERIFY}?next={path}"
    assert client.get(VERIFY).status_code == 200

    response = verify(client, code_of(device), next_url=dashboard)
    assert response.status_code == 302 and response["Location"] == dashboard
    assert client.get(dashboard).status_code == 200


def test_a_wrong_code_is_refused_in_words_and_guessing_is_slowed(nora, clock):
    device, _ = enrol(nora)
    client, _ = log_in("nora")
    wrong = f"{(int(code_of(device)) + 1) % 1_000_000:06d}"
    response = verify(client, wrong)
    assert response.status_code == 200
    assert "That code is not right" in error_text(response)
    assert client.get(PATIENTS)["Location"].startswith(VERIFY)

    # Right after a wrong code even the right one must wait (1 s, then 2, 4, ...).
    response = verify(client, code_of(device))
    assert "Too many wrong codes in a row. Wait 1 second, then try again." in error_text(response)
    clock.shift(2)
    assert verify(client, code_of(device))["Location"] == PATIENTS


def test_a_code_from_the_app_works_once(nora, clock):
    device, _ = enrol(nora)
    code = code_of(device)
    first, _ = log_in("nora")
    assert verify(first, code)["Location"] == PATIENTS
    second, _ = log_in("nora")
    assert "That code is not right" in error_text(verify(second, code))
    clock.shift(30)  # the app's next code
    assert verify(second, code_of(device))["Location"] == PATIENTS


def test_a_recovery_code_works_once_as_typed(nora, clock):
    _, codes = enrol(nora)
    client, _ = log_in("nora")
    response = client.post(
        f"{VERIFY}?next={PATIENTS}", {"code": codes[0].upper()[:4] + " " + codes[0][4:]}, follow=True
    )
    assert response.redirect_chain[-1][0] == PATIENTS
    assert "You signed in with a recovery code; it cannot be used again. 9 left" in response.content.decode()
    again, _ = log_in("nora")
    assert "That code is not right" in error_text(verify(again, codes[0]))
    assert not StaticToken.objects.filter(token=codes[0]).exists()


def test_a_required_role_without_a_device_enrols_before_anything_else(ada, north_patient, clock):
    client, response = log_in("ada")
    assert client.get(response["Location"])["Location"] == f"{ENROL}?next={PATIENTS}"
    for path in (reverse("web:reports"), reverse("admin:index"), reverse("accounts:account"), VERIFY):
        assert client.get(path)["Location"] == f"{ENROL}?next={path}"

    page = client.get(f"{ENROL}?next={PATIENTS}")
    html = page.content.decode()
    assert "Your role signs in with two factors" in html
    assert '<svg width="' in html and "<script" not in html.split("<main")[1]
    secret = secret_on(page)
    assert secret_on(client.get(ENROL)) == secret  # a reload keeps what may already be scanned

    response = client.post(f"{ENROL}?next={PATIENTS}", {"code": code_from_secret(secret)})
    codes = response.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(code in response.content.decode() for code in codes)
    assert f'href="{PATIENTS}"' in response.content.decode()
    assert response["Cache-Control"].count("no-store") == 1
    assert set(StaticToken.objects.filter(device__user=ada).values_list("token", flat=True)) == set(codes)
    assert TOTPDevice.objects.get(user=ada).confirmed
    assert client.get(PATIENTS).status_code == 200  # verified for this session


def test_before_the_second_step_the_header_shows_nothing_of_the_clinic(ada, clock):
    client, _ = log_in("ada")
    page = client.get(ENROL).content.decode()
    header = page.split("<main")[0]
    assert "North" not in header and "My reminders" not in header and "Patients" not in header
    assert "Log out" in header
    unknown_page = client.get("/no-such-page/")
    assert unknown_page.status_code == 404
    assert "North" not in unknown_page.content.decode().split("<main")[0]

    client.post(ENROL, {"code": code_from_secret(secret_on(client.get(ENROL)))})
    header = client.get(PATIENTS).content.decode().split("<main")[0]
    assert "North" in header and "My reminders" in header


def test_a_wrong_first_code_leaves_two_factor_off(ada, clock):
    client, _ = log_in("ada")
    page = client.get(ENROL)
    wrong = f"{(int(code_from_secret(secret_on(page))) + 1) % 1_000_000:06d}"
    response = client.post(ENROL, {"code": wrong})
    assert response.status_code == 200 and "That code is not right" in error_text(response)
    assert not TOTPDevice.objects.filter(user=ada, confirmed=True).exists()
    assert not StaticToken.objects.exists()
    assert client.get(PATIENTS)["Location"].startswith(ENROL)


def test_after_enrolment_the_next_sign_in_asks_for_the_code(ada, clock):
    client, _ = log_in("ada")
    secret = secret_on(client.get(ENROL))
    client.post(ENROL, {"code": code_from_secret(secret)})
    clock.shift(30)
    again, response = log_in("ada")
    assert again.get(PATIENTS)["Location"].startswith(VERIFY)
    assert verify(again, code_from_secret(secret))["Location"] == PATIENTS


def test_the_admin_site_is_behind_the_same_step(ada, clock):
    admin_index = reverse("admin:index")
    admin_login = reverse("admin:login")
    client, response = log_in("ada", login_url=f"{admin_login}?next={admin_index}", next_url=admin_index)
    assert response["Location"] == admin_index
    assert client.get(admin_index)["Location"] == f"{ENROL}?next={admin_index}"

    device, _ = enrol(get_user_model().objects.get(username="ada"))
    client, _ = log_in("ada", login_url=admin_login, next_url=admin_index)
    patients = reverse("admin:patients_patient_changelist")
    assert client.get(patients)["Location"] == f"{VERIFY}?next={patients}"
    assert verify(client, code_of(device), next_url=patients)["Location"] == patients
    assert client.get(patients).status_code == 200


def test_a_superuser_must_enrol_too(db, clock):
    get_user_model().objects.create_superuser("root", "root@clinic.example", PASSWORD)
    client, _ = log_in("root")
    assert client.get(reverse("admin:index"))["Location"].startswith(ENROL)


def test_which_roles_must_is_a_setting(nora, ada, settings, clock):
    settings.MFA_REQUIRED_ROLES = []
    client, _ = log_in("ada")
    assert client.get(PATIENTS).status_code == 200
    settings.MFA_REQUIRED_ROLES = ["nurse"]
    client, _ = log_in("nora")
    assert client.get(PATIENTS)["Location"].startswith(ENROL)


def test_the_next_address_must_be_on_this_site(nora, clock):
    device, _ = enrol(nora)
    client, _ = log_in("nora")
    assert verify(client, code_of(device), next_url="https://evil.example/")["Location"] == PATIENTS


def test_half_signed_in_one_can_log_out_or_reset_the_password(nora, clock):
    enrol(nora)
    client, _ = log_in("nora")
    assert client.get(reverse("accounts:password_reset")).status_code == 200
    assert client.post(reverse("web:logout"))["Location"] == reverse("web:login")
    assert client.get(PATIENTS)["Location"].startswith(reverse("web:login"))


# The API ----------------------------------------------------------------------------------


def test_api_tokens_are_not_affected(ada, north_patient, clock):
    assert api_client_of(ada).get("/api/v1/patients/").json()["count"] == 1
    # Even from a browser whose session still owes its second factor: the token signs in.
    client, _ = log_in("ada")
    response = client.post(
        "/api/v1/auth/token/", {"username": "ada", "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert client.get("/api/v1/patients/", HTTP_AUTHORIZATION=f"Token {token}").json()["count"] == 1


def test_an_api_session_that_owes_its_second_factor_gets_403(nora, ada, north_patient, clock):
    enrol(nora)
    for username in ("nora", "ada"):  # to verify; to enrol
        client, _ = log_in(username)
        response = client.get("/api/v1/patients/")
        assert response.status_code == 403
        assert response.json() == {
            "detail": "Finish signing in with your second factor first, or use an API token."
        }
        # A made-up token does not borrow the session either.
        assert client.get("/api/v1/patients/", HTTP_AUTHORIZATION="Token made-up").status_code == 401


def test_a_verified_api_session_reads(nora, north_patient, clock):
    device, _ = enrol(nora)
    client, _ = log_in("nora")
    verify(client, code_of(device))
    assert client.get("/api/v1/patients/").json()["count"] == 1


# Managing one's own two-factor sign-in ----------------------------------------------------


@pytest.fixture
def nora_verified(nora, clock):
    device, codes = enrol(nora)
    client, _ = log_in("nora")
    verify(client, code_of(device))
    clock.shift(30)
    return client, device, codes


def test_new_recovery_codes_replace_the_old_after_a_code(nora_verified, nora, clock):
    client, device, old = nora_verified
    url = reverse("accounts:recovery_codes")
    response = client.post(url, {"codes-code": "000000"})
    assert "That code is not right" in " ".join(response.context["codes_form"].errors["code"])
    assert StaticToken.objects.filter(device__user=nora).count() == 10
    clock.shift(2)

    new = client.post(url, {"codes-code": code_of(device)}).context["codes"]
    assert set(StaticToken.objects.filter(device__user=nora).values_list("token", flat=True)) == set(new)
    assert not set(new) & set(old)
    other, _ = log_in("nora")
    assert "That code is not right" in error_text(verify(other, old[1]))


def test_a_nurse_may_turn_two_factor_off_with_a_code(nora_verified, nora, clock):
    client, device, codes = nora_verified
    url = reverse("accounts:two_factor_off")
    response = client.post(url, {"off-code": "12345678"})
    assert "That code is not right" in " ".join(response.context["off_form"].errors["code"])
    assert TOTPDevice.objects.filter(user=nora).exists()
    clock.shift(2)

    response = client.post(url, {"off-code": codes[0]}, follow=True)
    assert "Two-factor sign-in is off" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=nora).exists() and not StaticToken.objects.exists()
    assert log_in("nora")[0].get(PATIENTS).status_code == 200


def test_a_required_role_may_not_turn_it_off(ada, clock):
    device, _ = enrol(ada)
    client, _ = log_in("ada")
    verify(client, code_of(device))
    page = client.get(ENROL).content.decode()
    assert "cannot be turned off" in page and "Turn off two-factor sign-in" not in page
    clock.shift(30)
    assert client.post(reverse("accounts:two_factor_off"), {"off-code": code_of(device)}).status_code == 403
    assert TOTPDevice.objects.filter(user=ada, confirmed=True).exists()


def test_the_account_page_says_whether_it_is_on(nora, clock):
    account = reverse("accounts:account")
    client, _ = log_in("nora")
    page = client.get(account).content.decode()
    assert "Off." in page and "Set up two-factor sign-in" in page
    assert f'href="{account}">Account</a>' in client.get(PATIENTS).content.decode()

    device, _ = enrol(nora)  # in another browser
    assert client.get(account)["Location"] == f"{VERIFY}?next={account}"  # this session now owes a code
    verify(client, code_of(device))
    assert "On. 10 unused recovery codes." in client.get(account).content.decode()
