"""Staff management by clinic admins (SPEC §5): the list, new accounts, and the four actions.

Besides the named people of tests/conftest.py: Nina, a nurse of north whom Ada manages; Shay,
a physio of north and south (shared, so read-only to Ada); Root, a superuser.
"""

import datetime
import logging
import re

import pytest
import time_machine
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404, HttpRequest
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken

from accounts import staff
from patients.models import Role, StaffMembership, role_of
from patients.services import staff_add
from tests.conftest import PASSWORD
from tests.support.clients import web_client_of

pytestmark = pytest.mark.django_db

User = get_user_model()
STAFF_LIST = reverse("accounts:staff_list")
STAFF_NEW = reverse("accounts:staff_new")


def fail_sign_ins(username, times=5):
    """Wrong passwords for ``username`` at the Django admin's login page, which django-axes counts."""
    client = Client()
    for _ in range(times):
        client.post("/admin/login/", {"username": username, "password": "not-the-password"})


def action_url(action, user):
    return reverse(f"accounts:staff_{action}", args=[user.pk])


@pytest.fixture
def nina(north):
    user = staff_add(username="nina", role="nurse", clinic_code="north", password=PASSWORD)
    user.first_name, user.last_name, user.email = "Nina", "North", "nina@clinic.example"
    user.save()
    return user


@pytest.fixture
def shay(north, south):
    staff_add(username="shay", role="physio", clinic_code="north", password=PASSWORD)
    return staff_add(username="shay", role="physio", clinic_code="south", password=PASSWORD)


@pytest.fixture
def root(db):
    return User.objects.create_superuser("root", "root@clinic.example", PASSWORD)


@pytest.fixture
def ada_web(ada):
    return web_client_of(ada)


NEW_NURSE = {
    "username": "nell",
    "first_name": "Nell",
    "last_name": "Newton",
    "email": "nell@clinic.example",
    "role": "nurse",
    "clinic": "north",
}


# The list ------------------------------------------------------------------------------------


def _row(html, user):
    match = re.search(rf'<tr id="staff-{user.pk}">(.*?)</tr>', html, re.S)
    assert match, f"no row for {user.username}"
    return re.sub(r"\s+", " ", match.group(1))


def test_the_list_shows_each_account_of_the_admins_clinics(ada_web, ada, nina, shay, sam, root):
    nina.last_login = datetime.datetime(2026, 3, 2, 9, 30, tzinfo=datetime.UTC)
    nina.save()
    TOTPDevice.objects.create(user=nina, name="phone", confirmed=True)
    fail_sign_ins("nina")

    html = ada_web.get(STAFF_LIST).content.decode()

    row = _row(html, nina)
    for shown in ("nina", "Nina North", "nina@clinic.example", "MS nurse", "North", "Active", "Locked out"):
        assert shown in row, shown
    assert ">On</td>" in row  # two-factor
    assert "2 Mar 2026 09:30" in row  # last sign-in, clinic time (GMT in March)
    assert action_url("deactivate", nina) in row
    assert action_url("two_factor_reset", nina) in row
    assert action_url("unlock", nina) in row
    assert action_url("reactivate", nina) not in row
    # Shay also works at south: listed (he sees north's patients), read-only, south not named.
    shared = _row(html, shay)
    assert "North, 1 other clinic" in shared and "South" not in shared
    assert "a superuser manages this account" in shared and "/staff/" not in shared
    assert "This is you" in _row(html, ada)
    # Sam works only at south, Root at no clinic: neither is staff of north.
    assert f'id="staff-{sam.pk}"' not in html and f'id="staff-{root.pk}"' not in html


def test_a_superuser_sees_and_manages_every_clinics_staff_but_not_superusers(root, ada, sam, shay):
    other_root = User.objects.create_superuser("root2", "root2@clinic.example", PASSWORD)
    html = web_client_of(root).get(STAFF_LIST).content.decode()
    assert action_url("deactivate", sam) in _row(html, sam)
    assert "North, South" in _row(html, shay) and action_url("deactivate", shay) in html
    assert "Superusers are managed in the Django admin." in _row(html, other_root)
    assert action_url("deactivate", other_root) not in html


def test_a_deactivated_account_offers_reactivation_and_a_new_one_says_it_has_no_password(
    ada_web, nina, north
):
    nina.is_active = False
    nina.save()
    invited = User.objects.create_user("ivy")
    StaffMembership.objects.create(user=invited, clinic=north)

    html = ada_web.get(STAFF_LIST).content.decode()

    row = _row(html, nina)
    assert "Deactivated" in row and action_url("reactivate", nina) in row
    assert action_url("deactivate", nina) not in row
    assert "No password yet" in _row(html, invited) and "Never" in _row(html, invited)


def test_the_lockout_shown_ends_with_axes_cool_off(ada_web, nina):
    with time_machine.travel(datetime.datetime(2026, 5, 4, 9, 0, tzinfo=datetime.UTC), tick=False):
        fail_sign_ins("nina")
        assert staff.staff_locked_out(nina)
        assert "Locked out" in _row(ada_web.get(STAFF_LIST).content.decode(), nina)
    with time_machine.travel(datetime.datetime(2026, 5, 4, 9, 16, tzinfo=datetime.UTC), tick=False):
        assert not staff.staff_locked_out(nina)
        assert "Locked out" not in _row(ada_web.get(STAFF_LIST).content.decode(), nina)


def test_four_failures_are_not_a_lockout(nina):
    fail_sign_ins("nina", times=4)
    assert not staff.staff_locked_out(nina)


def test_the_list_costs_the_same_queries_for_many_staff(ada_web, north):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert ada_web.get(STAFF_LIST).status_code == 200
        return len(captured)

    few = queries()
    for n in range(12):
        user = staff_add(username=f"extra{n}", role="physio", clinic_code="north", password=PASSWORD)
        TOTPDevice.objects.create(user=user, name="phone", confirmed=n % 2 == 0)
    assert queries() == few


def test_the_header_links_to_the_staff_page_for_admins_only(ada_web, nora):
    assert f'href="{STAFF_LIST}"' in ada_web.get(reverse("web:patient_list")).content.decode()
    assert f'href="{STAFF_LIST}"' not in web_client_of(nora).get(reverse("web:patient_list")).content.decode()


# Creating an account -------------------------------------------------------------------------


def test_an_admin_creates_a_nurse_who_chooses_her_password_through_the_emailed_link(
    ada_web, ada, north_patient
):
    response = ada_web.post(STAFF_NEW, NEW_NURSE)

    assert response.status_code == 302 and response["Location"] == STAFF_LIST
    nell = User.objects.get(username="nell")
    assert (nell.first_name, nell.last_name, nell.email) == ("Nell", "Newton", "nell@clinic.example")
    assert role_of(nell) == Role.NURSE and not nell.is_staff and nell.is_active
    assert list(nell.clinic_memberships.values_list("clinic__code", flat=True)) == ["north"]
    assert not nell.has_usable_password()
    [email] = mail.outbox
    assert email.to == ["nell@clinic.example"]
    assert "nell" in email.body and "MS nurse at North" in email.body
    # No patient data in the email.
    for private in (north_patient.given_name, north_patient.family_name, north_patient.mrn):
        assert private not in email.body and private not in email.subject
    messages = [str(m) for m in ada_web.get(STAFF_LIST).context["messages"]]
    assert messages == [
        "Account nell created for Nell Newton. A link to choose a password was emailed to "
        "nell@clinic.example; it works once."
    ]

    link = re.search(r"http://testserver(/account/password/reset/\S+/)", email.body).group(1)
    newcomer = Client()
    set_password_page = newcomer.get(link, follow=True)
    assert set_password_page.context["validlink"]
    done = newcomer.post(
        set_password_page.redirect_chain[-1][0],
        {"new_password1": "a-fresh-long-passphrase", "new_password2": "a-fresh-long-passphrase"},
    )
    assert done.status_code == 302
    nell.refresh_from_db()
    assert nell.check_password("a-fresh-long-passphrase")
    # Single use: the same link no longer works.
    assert not Client().get(link, follow=True).context["validlink"]


def test_a_clinic_admin_account_may_use_the_django_admin(ada_web):
    assert ada_web.post(STAFF_NEW, NEW_NURSE | {"username": "alma", "role": "admin"}).status_code == 302
    alma = User.objects.get(username="alma")
    assert role_of(alma) == Role.ADMIN and alma.is_staff and not alma.is_superuser


def test_the_creation_is_in_the_users_history_and_the_log(ada_web, ada, caplog):
    with caplog.at_level(logging.INFO, logger="accounts.staff"):
        ada_web.post(STAFF_NEW, NEW_NURSE)
    nell = User.objects.get(username="nell")
    entry = LogEntry.objects.get(object_id=str(nell.pk))
    assert entry.user == ada and entry.is_addition()
    assert entry.change_message == "Created as MS nurse at North."
    assert f"staff: nell (user id {nell.pk}) by ada: Created as MS nurse at North." in caplog.messages


@pytest.mark.parametrize("taken", ["nora", "NORA"])
def test_a_username_that_exists_is_a_field_error_and_the_other_user_is_untouched(ada_web, nora, taken):
    before = User.objects.filter(pk=nora.pk).values().get()

    response = ada_web.post(STAFF_NEW, NEW_NURSE | {"username": taken, "role": "admin"})

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "username": ["This username is already taken; choose another."]
    }
    assert User.objects.filter(pk=nora.pk).values().get() == before
    assert role_of(nora) == Role.NURSE
    assert mail.outbox == []


def test_a_clinic_the_admin_is_not_in_is_a_form_error(ada_web, south):
    response = ada_web.post(STAFF_NEW, NEW_NURSE | {"clinic": "south"})
    assert response.status_code == 200
    assert response.context["form"].errors == {"clinic": ["Choose one of your clinics."]}
    assert "Choose one of your clinics." in response.content.decode()
    assert not User.objects.filter(username="nell").exists()


def test_a_superuser_creates_staff_in_any_clinic(root, south):
    assert web_client_of(root).post(STAFF_NEW, NEW_NURSE | {"clinic": "south"}).status_code == 302
    assert User.objects.get(username="nell").clinic_memberships.get().clinic == south


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"email": "nell-at-clinic"}, {"email": ["Enter a valid email address."]}),
        ({"email": ""}, {"email": ["This field is required."]}),
        (
            {"first_name": "N" * 151},
            {"first_name": ["Ensure this value has at most 150 characters (it has 151)."]},
        ),
        (
            {"last_name": "N" * 151},
            {"last_name": ["Ensure this value has at most 150 characters (it has 151)."]},
        ),
        ({"role": "surgeon"}, {"role": ["Choose one of: MS nurse, Physiotherapist, Clinic admin."]}),
        ({"role": ""}, {"role": ["This field is required."]}),
        ({"clinic": "nowhere"}, {"clinic": ["Choose one of your clinics."]}),
        (
            {"username": "nell newton"},
            {
                "username": [
                    "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."
                ]
            },
        ),
        (
            {"username": "n" * 151},
            {"username": ["Ensure this value has at most 150 characters (it has 151)."]},
        ),
    ],
)
def test_the_form_refuses_bad_input_in_words(ada_web, changes, errors):
    response = ada_web.post(STAFF_NEW, NEW_NURSE | changes)
    assert response.status_code == 200
    assert response.context["form"].errors == errors
    assert "Please correct 1 problem" in response.content.decode()
    assert not User.objects.filter(first_name="Nell").exists()


def test_a_mail_server_that_refuses_leaves_no_account(ada_web, settings):
    settings.EMAIL_BACKEND = "tests.support.email.FailingBackend"
    response = ada_web.post(STAFF_NEW, NEW_NURSE)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "The email with the set-password link could not be sent, so the account was not created. "
        "Try again later; if it keeps failing, ask IT to check the mail server."
    ]
    assert not User.objects.filter(username="nell").exists()
    assert not LogEntry.objects.exists()


# Deactivating and reactivating ---------------------------------------------------------------


def test_deactivation_ends_sign_in_sessions_and_api_tokens(ada_web, ada, nina, north_patient, caplog):
    _, token = AuthToken.objects.create(user=nina)
    api = Client(headers={"authorization": f"Token {token}"})
    ninas_browser = web_client_of(nina)
    assert api.get("/api/v1/patients/").status_code == 200
    assert ninas_browser.get(reverse("web:patient_list")).status_code == 200

    confirm = ada_web.get(action_url("deactivate", nina)).content.decode()
    assert "Nina North (nina) will no longer be able to sign in" in confirm
    with caplog.at_level(logging.INFO, logger="accounts.staff"):
        response = ada_web.post(action_url("deactivate", nina))

    assert response.status_code == 302 and response["Location"] == STAFF_LIST
    nina.refresh_from_db()
    assert not nina.is_active
    assert api.get("/api/v1/patients/").status_code == 401
    assert not AuthToken.objects.filter(user=nina).exists()
    assert ninas_browser.get(reverse("web:patient_list")).status_code == 302
    assert [str(m) for m in ada_web.get(STAFF_LIST).context["messages"]] == [
        "Nina North (nina) is deactivated: they can no longer sign in, and their API tokens no longer work."
    ]
    assert LogEntry.objects.get(object_id=str(nina.pk), user=ada).change_message == "Deactivated."
    assert f"staff: nina (user id {nina.pk}) by ada: Deactivated." in caplog.messages
    assert "Deactivated." in ada_web.get(action_url("reactivate", nina)).content.decode()  # its history


def test_a_reactivated_account_signs_in_again(ada_web, nina):
    ada_web.post(action_url("deactivate", nina))
    assert not Client().login(username="nina", password=PASSWORD, request=HttpRequest())

    assert ada_web.post(action_url("reactivate", nina)).status_code == 302

    nina.refresh_from_db()
    assert nina.is_active
    assert Client().login(username="nina", password=PASSWORD, request=HttpRequest())


def test_deactivating_twice_says_so_and_changes_nothing(ada_web, nina):
    ada_web.post(action_url("deactivate", nina))
    response = ada_web.post(action_url("deactivate", nina))
    assert response.status_code == 409
    assert "nina is already deactivated." in response.content.decode()
    assert LogEntry.objects.filter(object_id=str(nina.pk)).count() == 1


def test_reactivating_an_active_account_says_so(ada_web, nina):
    response = ada_web.post(action_url("reactivate", nina))
    assert response.status_code == 409 and "nina is already active." in response.content.decode()


# Two-factor reset ----------------------------------------------------------------------------


def test_a_two_factor_reset_removes_every_device(ada_web, ada, nina, nora):
    TOTPDevice.objects.create(user=nina, name="phone", confirmed=True)
    TOTPDevice.objects.create(user=nina, name="new phone, not confirmed yet", confirmed=False)
    codes = StaticDevice.objects.create(user=nina, name="recovery codes", confirmed=True)
    codes.token_set.create(token="abcd1234")
    TOTPDevice.objects.create(user=nora, name="phone", confirmed=True)

    response = ada_web.post(action_url("two_factor_reset", nina))

    assert response.status_code == 302
    assert list(devices_for_user(nina, confirmed=None)) == []
    assert len(list(devices_for_user(nora))) == 1  # nobody else's
    assert ">Off</td>" in _row(ada_web.get(STAFF_LIST).content.decode(), nina)
    assert LogEntry.objects.get(object_id=str(nina.pk)).change_message == "Two-factor sign-in reset."


def test_a_two_factor_reset_without_devices_says_so(ada_web, nina):
    response = ada_web.post(action_url("two_factor_reset", nina))
    assert response.status_code == 409
    assert "nina has no two-factor sign-in to reset." in response.content.decode()


# Unlocking -----------------------------------------------------------------------------------


def _signs_in(username):
    client = Client()
    client.post(reverse("web:login"), {"username": username, "password": PASSWORD})
    return "_auth_user_id" in client.session


def test_an_unlock_lets_a_locked_out_user_sign_in_again(ada_web, ada, phil):
    assert _signs_in("phil")
    fail_sign_ins("phil")
    assert not _signs_in("phil")  # the right password is refused while locked out
    assert staff.staff_locked_out(phil)

    response = ada_web.post(action_url("unlock", phil))

    assert response.status_code == 302
    assert not staff.staff_locked_out(phil)
    assert _signs_in("phil")
    assert [str(m) for m in ada_web.get(STAFF_LIST).context["messages"]] == [
        "phil is unlocked and can sign in again now."
    ]
    assert (
        LogEntry.objects.get(object_id=str(phil.pk), user=ada).change_message
        == "Unlocked after failed sign-ins."
    )


def test_unlocking_one_username_leaves_the_others_locked(ada_web, phil, nina):
    fail_sign_ins("phil")
    fail_sign_ins("nina")
    ada_web.post(action_url("unlock", phil))
    assert staff.staff_locked_out(nina)


def test_unlocking_a_user_who_is_not_locked_out_says_so(ada_web, phil):
    fail_sign_ins("phil", times=2)
    response = ada_web.post(action_url("unlock", phil))
    assert response.status_code == 409 and "phil is not locked out." in response.content.decode()


# The actions are POSTs with CSRF --------------------------------------------------------------


@pytest.mark.parametrize("action", ["deactivate", "reactivate", "two_factor_reset", "unlock"])
def test_an_action_without_a_csrf_token_is_refused(ada, nina, action):
    client = Client(enforce_csrf_checks=True)
    client.force_login(ada)
    assert client.post(action_url(action, nina)).status_code == 403
    nina.refresh_from_db()
    assert nina.is_active
    assert not LogEntry.objects.exists()


def test_the_confirmation_page_posts_with_a_csrf_token(ada_web, nina):
    html = ada_web.get(action_url("deactivate", nina)).content.decode()
    assert re.search(r'<form method="post"[^>]*>\s*<input type="hidden" name="csrfmiddlewaretoken"', html)


def test_an_action_answers_only_get_and_post(ada_web, nina):
    assert ada_web.put(action_url("deactivate", nina)).status_code == 405
    assert ada_web.delete(STAFF_NEW).status_code == 405


# The services check role and scope themselves --------------------------------------------------


def test_services_refuse_a_role_that_manages_nobody(nora, nina, north):
    with pytest.raises(PermissionDenied):
        staff.staff_deactivate(by=nora, user=nina)
    with pytest.raises(PermissionDenied):
        staff.staff_create(by=nora, **(NEW_NURSE | {"clinic": north}), site_url="http://testserver/")
    nina.refresh_from_db()
    assert nina.is_active and not User.objects.filter(username="nell").exists()


@pytest.mark.parametrize(
    "service",
    [staff.staff_deactivate, staff.staff_reactivate, staff.staff_two_factor_reset, staff.staff_unlock],
)
def test_services_answer_not_found_outside_the_admins_scope(ada, sam, shay, root, service):
    for outside in (sam, shay, root, ada):
        with pytest.raises(Http404):
            service(by=ada, user=outside)


def test_a_superuser_cannot_deactivate_a_superuser_or_themselves(root):
    other_root = User.objects.create_superuser("root2", "root2@clinic.example", PASSWORD)
    for user in (other_root, root):
        with pytest.raises(Http404):
            staff.staff_deactivate(by=root, user=user)


def test_the_create_service_refuses_another_clinic(ada, south):
    with pytest.raises(Http404):
        staff.staff_create(by=ada, **(NEW_NURSE | {"clinic": south}), site_url="http://testserver/")
    assert not User.objects.filter(username="nell").exists()
