"""Who may act on whom on the staff pages: every action × the admin of north and a superuser ×
an account of their own clinic, of another clinic, shared with another clinic, a superuser's,
and their own — by GET (the confirmation page) and POST (the action), checking what happened.

Nurses, physios and anonymous visitors are in tests/web/test_access.py.
"""

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django_otp import devices_for_user
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.staff import staff_locked_out
from patients.services import staff_add
from tests.conftest import PASSWORD
from tests.support.clients import web_client_of

from .test_staff import action_url, fail_sign_ins

pytestmark = pytest.mark.django_db

User = get_user_model()
ACTIONS = ["deactivate", "reactivate", "two_factor_reset", "unlock"]
TARGETS = ["own clinic", "other clinic", "shared", "superuser", "self"]
# Everything else answers 404: not 403, so that no id tells whether an account exists.
MANAGES = {("ada", "own clinic"), ("root", "own clinic"), ("root", "other clinic"), ("root", "shared")}


@pytest.fixture
def people(north, south, ada, sam):
    staff_add(username="shay", role="physio", clinic_code="north", password=PASSWORD)
    return {
        "ada": ada,
        "root": User.objects.create_superuser("root", "root@clinic.example", PASSWORD),
        "own clinic": staff_add(username="nina", role="nurse", clinic_code="north", password=PASSWORD),
        "other clinic": sam,
        "shared": staff_add(username="shay", role="physio", clinic_code="south", password=PASSWORD),
        "superuser": User.objects.create_superuser("root2", "root2@clinic.example", PASSWORD),
    }


def _prepare(action, user):
    """Put ``user`` in the state ``action`` changes, so a refusal is not just "nothing to do"."""
    if action == "reactivate":
        user.is_active = False
        user.save()
    elif action == "two_factor_reset":
        TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    elif action == "unlock":
        fail_sign_ins(user.username)


def _done(action, user):
    user.refresh_from_db()
    return {
        "deactivate": not user.is_active,
        "reactivate": user.is_active,
        "two_factor_reset": not list(devices_for_user(user, confirmed=None)),
        "unlock": not staff_locked_out(user),
    }[action]


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("actor", ["ada", "root"])
@pytest.mark.parametrize("action", ACTIONS)
def test_each_action_reaches_only_the_accounts_the_actor_manages(people, action, actor, target, method):
    by = people[actor]
    user = by if target == "self" else people[target]
    client = web_client_of(by)  # before the failed sign-ins: a successful one clears them
    prepared = not (target == "self" and action == "reactivate")  # an inactive actor could not ask
    if prepared:
        _prepare(action, user)

    response = getattr(client, method)(action_url(action, user))

    manages = (actor, target) in MANAGES
    if not manages:
        assert response.status_code == 404
        assert b"Page not found" in response.content
    elif method == "get":
        assert response.status_code == 200
        assert response.context["row"].user == user
    else:
        assert response.status_code == 302
    if prepared:
        assert _done(action, user) == (manages and method == "post")
    assert LogEntry.objects.filter(object_id=str(user.pk)).exists() == (manages and method == "post")


def test_an_id_that_does_not_exist_is_not_found(people):
    missing = User(pk=User.objects.order_by("-pk").first().pk + 1)
    for action in ACTIONS:
        assert web_client_of(people["root"]).get(action_url(action, missing)).status_code == 404
