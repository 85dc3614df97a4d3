"""``add_staff``: a clear message and exit code 1 for what it cannot do."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from patients.models import StaffMembership, role_of

pytestmark = pytest.mark.django_db


def test_add_staff_creates_a_member_with_a_role(north):
    out = io.StringIO()
    call_command(
        "add_staff", "rita", "--role", "physio", "--clinic", "north", "--password", "s3cret-pass", stdout=out
    )
    user = get_user_model().objects.get(username="rita")
    assert role_of(user) == "physio"
    assert StaffMembership.objects.filter(user=user, clinic=north).exists()
    assert user.check_password("s3cret-pass")
    assert "rita is a physio in clinic north" in out.getvalue()


def test_add_staff_reads_the_password_from_stdin(north, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("from-stdin-pass\n"))
    call_command("add_staff", "tom", "--role", "nurse", "--clinic", "north", stdout=io.StringIO())
    assert get_user_model().objects.get(username="tom").check_password("from-stdin-pass")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--role", "surgeon", "--clinic", "north"],
            "Unknown role 'surgeon'; choose one of: nurse, physio, admin.",
        ),
        (["--role", "nurse", "--clinic", "east"], "Unknown clinic 'east'; known clinics: north."),
    ],
)
def test_add_staff_refuses_unknown_role_or_clinic(north, args, message):
    with pytest.raises(CommandError, match=message) as error:
        call_command("add_staff", "x", *args, "--password", "pw-123456", stdout=io.StringIO())
    assert error.value.returncode == 1
    assert not get_user_model().objects.filter(username="x").exists()


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short-1", "This password is too short. It must contain at least 8 characters."),
        ("password123", "This password is too common."),
    ],
)
def test_add_staff_refuses_a_weak_password(north, password, message):
    with pytest.raises(CommandError, match=message) as error:
        call_command(
            "add_staff",
            "x",
            "--role",
            "nurse",
            "--clinic",
            "north",
            "--password",
            password,
            stdout=io.StringIO(),
        )
    assert error.value.returncode == 1
    assert not get_user_model().objects.filter(username="x").exists()


def test_a_weak_password_leaves_an_existing_members_password_as_it_was(north):
    args = ["add_staff", "rita", "--role", "physio", "--clinic", "north", "--password"]
    call_command(*args, "s3cret-pass", stdout=io.StringIO())
    with pytest.raises(CommandError, match="too short"):
        call_command(*args, "abc", stdout=io.StringIO())
    assert get_user_model().objects.get(username="rita").check_password("s3cret-pass")


def test_add_staff_prompts_for_the_password_at_a_terminal(north, monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr("sys.stdin", Terminal("not-read-from-here\n"))
    monkeypatch.setattr("getpass.getpass", lambda prompt="Password: ": "typed-unseen-pass")
    call_command("add_staff", "tom", "--role", "nurse", "--clinic", "north", stdout=io.StringIO())
    assert get_user_model().objects.get(username="tom").check_password("typed-unseen-pass")
