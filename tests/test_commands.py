import datetime
import io
import re
from base64 import b32decode

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django_otp.oath import totp

from assessments.models import Assessment, MuscleScore
from care.models import DevicePrescription, FallEvent, Referral, ReferralStatusChange
from patients.models import Clinic, Patient, StaffMembership, role_of

pytestmark = pytest.mark.django_db

COUNTED = [
    Clinic,
    Patient,
    Assessment,
    MuscleScore,
    FallEvent,
    DevicePrescription,
    Referral,
    ReferralStatusChange,
]


def counts():
    return {model.__name__: model.objects.count() for model in COUNTED} | {
        "users": get_user_model().objects.count(),
        "patient history": Patient.history.count(),
    }


def test_seed_demo_is_idempotent_and_realistic():
    call_command("seed_demo", stdout=io.StringIO())
    first = counts()
    call_command("seed_demo", stdout=io.StringIO())
    assert counts() == first

    assert first["Clinic"] == 2
    assert 55 <= first["Patient"] <= 65
    per_patient = [p.assessments.count() for p in Patient.objects.all()]
    assert min(per_patient) >= 2 and max(per_patient) <= 8
    assert set(Referral.objects.values_list("status", flat=True)) == set(Referral.Status.values)
    assert FallEvent.objects.filter(near_fall=True).exists()
    assert DevicePrescription.objects.filter(device_type="afo").exists()
    assert (
        get_user_model()
        .objects.filter(
            username__in=[
                f"{role}_{clinic}" for role in ("nurse", "physio", "admin") for clinic in ("north", "south")
            ]
        )
        .count()
        == 6
    )


def test_seeded_demo_logins_work_with_the_demo_password(settings, time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC), tick=False)
    call_command("seed_demo", stdout=io.StringIO())
    admin = Client()
    response = admin.post("/login/", {"username": "admin_north", "password": settings.DEMO_PASSWORD})
    # A clinic admin must sign in with two factors (MFA_REQUIRED_ROLES): the first time, the
    # authenticator app is set up by typing (or scanning) the key the enrolment page shows.
    enrolment = admin.get(response["Location"], follow=True)
    assert enrolment.redirect_chain[-1][0] == "/account/two-factor/?next=/patients/"
    secret = re.search(r'id="secret-key">([A-Z2-7 ]+)<', enrolment.content.decode()).group(1)
    code = f"{totp(b32decode(secret.replace(' ', ''))):06d}"
    assert len(admin.post("/account/two-factor/", {"code": code}).context["codes"]) == 10
    response = admin.get("/admin/patients/patient/")
    assert response.status_code == 200
    assert response.context["cl"].result_count == Patient.objects.filter(clinic__code="north").count()
    # Nurses and physios work in the pages, with their password alone by default; the Django
    # admin is the clinic admins' look-up tool.
    nurse = Client()
    nurse.post("/login/", {"username": "nurse_north", "password": settings.DEMO_PASSWORD})
    assert nurse.get("/admin/patients/patient/").status_code == 302
    assert nurse.get("/patients/").status_code == 200


def test_without_required_roles_a_demo_admin_signs_in_with_the_password_alone(settings):
    settings.MFA_REQUIRED_ROLES = []
    call_command("seed_demo", stdout=io.StringIO())
    admin = Client()
    admin.post("/login/", {"username": "admin_north", "password": settings.DEMO_PASSWORD})
    assert admin.get("/admin/patients/patient/").status_code == 200


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
