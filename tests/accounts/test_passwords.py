"""Changing one's own password, and resetting a forgotten one by an emailed single-use link (SPEC §5)."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests import factories
from tests.support.clients import api_client_of

from ..conftest import PASSWORD
from .conftest import code_of, enrol, log_in

pytestmark = pytest.mark.django_db

CHANGE = reverse("accounts:password_change")
RESET = reverse("accounts:password_reset")
PATIENTS = reverse("web:patient_list")
NEW_PASSWORD = "a-brand-new-passphrase"


def change(client, *, old=PASSWORD, new=NEW_PASSWORD):
    return client.post(CHANGE, {"old_password": old, "new_password1": new, "new_password2": new})


def password_of(username):
    return get_user_model().objects.get(username=username)


# Changing it --------------------------------------------------------------------------------


def test_changing_the_password_needs_the_old_one(nora, clock):
    client, _ = log_in("nora")
    response = change(client, old="not-my-password")
    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in " ".join(
        response.context["form"].errors["old_password"]
    )
    assert password_of("nora").check_password(PASSWORD)


def test_a_weak_new_password_is_refused_in_words(nora, clock):
    client, _ = log_in("nora")
    response = change(client, new="password123")
    assert "This password is too common." in response.content.decode()
    assert password_of("nora").check_password(PASSWORD)


def test_the_change_keeps_this_session_and_revokes_the_api_tokens(nora, north_patient, clock):
    client, _ = log_in("nora")
    token = Client().post(
        "/api/v1/auth/token/", {"username": "nora", "password": PASSWORD}, content_type="application/json"
    )
    api = Client(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    assert api.get("/api/v1/patients/").status_code == 200

    response = change(client)
    assert response["Location"] == reverse("accounts:password_change_done")
    assert "Your API tokens no longer work" in client.get(response["Location"]).content.decode()
    assert password_of("nora").check_password(NEW_PASSWORD)
    assert client.get(PATIENTS).status_code == 200
    assert api.get("/api/v1/patients/").status_code == 401


def test_the_change_keeps_the_second_factor_of_this_session(ada, clock):
    device, _ = enrol(ada)
    client, _ = log_in("ada")
    client.post(reverse("accounts:two_factor_verify"), {"code": code_of(device)})
    assert change(client).status_code == 302
    assert client.get(reverse("web:reports")).status_code == 200


def test_the_account_page_links_to_the_change(nora, clock):
    client, _ = log_in("nora")
    assert f'href="{CHANGE}"' in client.get(reverse("accounts:account")).content.decode()


# Resetting a forgotten one ------------------------------------------------------------------


@pytest.fixture
def nora_with_email(nora):
    nora.email = "nora@clinic.example"
    nora.save(update_fields=["email"])
    return nora


def request_reset(email):
    return Client().post(RESET, {"email": email})


def reset_link():
    (message,) = mail.outbox
    return re.search(r"https?://testserver(/\S+)", message.body).group(1)


def test_the_answer_is_the_same_whether_or_not_the_address_is_known(nora_with_email):
    unknown = request_reset("nobody@clinic.example")
    known = request_reset("nora@clinic.example")
    assert unknown.status_code == known.status_code == 302
    assert unknown["Location"] == known["Location"] == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["nora@clinic.example"]
    page = Client().get(known["Location"]).content.decode()
    assert "If that address belongs to a staff account" in page


def test_a_malformed_address_is_a_form_error(db):
    response = request_reset("not an address")
    assert response.status_code == 200 and "Enter a valid email address." in response.content.decode()
    assert not mail.outbox


def test_the_email_has_the_link_and_no_patient_data(nora_with_email, north):
    patient = factories.PatientFactory(clinic=north, given_name="Imogen", family_name="Quarry", mrn="N-7777")
    request_reset("nora@clinic.example")
    (message,) = mail.outbox
    assert message.subject == "Set your MS Strength Clinic password"
    assert "nora" in message.body and "/account/password/reset/" in message.body
    for secret in (patient.given_name, patient.family_name, patient.mrn, north.name):
        assert secret not in message.body and secret not in message.subject


def test_the_link_sets_a_new_password_once(nora_with_email, clock):
    token = api_client_of(nora_with_email)
    assert token.get("/api/v1/patients/").status_code == 200
    request_reset("nora@clinic.example")
    link = reset_link()

    browser = Client()
    form_page = browser.get(link, follow=True)
    assert "Set a new password" in form_page.content.decode()
    done = browser.post(
        form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert done["Location"] == reverse("accounts:password_reset_complete")
    assert password_of("nora").check_password(NEW_PASSWORD)
    assert token.get("/api/v1/patients/").status_code == 401
    assert log_in("nora", password=NEW_PASSWORD)[1]["Location"] == PATIENTS

    again = Client().get(link, follow=True)
    assert "This link no longer works" in again.content.decode()
    assert not again.context["validlink"]


def test_a_reset_does_not_skip_the_second_factor(ada, clock):
    ada.email = "ada@clinic.example"
    ada.save(update_fields=["email"])
    enrol(ada)
    request_reset("ada@clinic.example")
    browser = Client()
    form_page = browser.get(reset_link(), follow=True)
    browser.post(
        form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    client, _ = log_in("ada", password=NEW_PASSWORD)
    assert client.get(PATIENTS)["Location"].startswith(reverse("accounts:two_factor_verify"))


def test_the_login_page_links_to_the_reset(db):
    assert f'href="{RESET}"' in Client().get(reverse("web:login")).content.decode()


def test_an_account_that_never_had_a_password_gets_a_link_too(nora_with_email):
    """A new staff member whose set-password link expired asks for another here."""
    nora_with_email.set_unusable_password()
    nora_with_email.save(update_fields=["password"])
    request_reset("NORA@clinic.example")
    assert mail.outbox and mail.outbox[0].to == ["nora@clinic.example"]


def test_a_deactivated_account_gets_no_link(nora_with_email):
    nora_with_email.is_active = False
    nora_with_email.save(update_fields=["is_active"])
    request_reset("nora@clinic.example")
    assert not mail.outbox
