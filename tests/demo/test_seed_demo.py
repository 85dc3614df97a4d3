import datetime
import io
import re
from base64 import b32decode

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp

from assessments.models import Assessment, MuscleScore, SpasticityScore, TrendReview
from care.models import (
    DevicePrescription,
    ExercisePlan,
    FallEvent,
    MedicationEvent,
    Referral,
    ReferralStatusChange,
)
from clinical_rules.trends import patient_trends
from patients.models import Clinic, Patient

pytestmark = pytest.mark.django_db

COUNTED = [
    Clinic,
    Patient,
    Assessment,
    MuscleScore,
    TrendReview,
    FallEvent,
    DevicePrescription,
    Referral,
    ReferralStatusChange,
    SpasticityScore,
    MedicationEvent,
    ExercisePlan,
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
    assert first["SpasticityScore"] > 0
    assert set(MedicationEvent.objects.values_list("event", flat=True)) == set(MedicationEvent.Event.values)
    assert set(ExercisePlan.objects.values_list("status", flat=True)) == set(ExercisePlan.Status.values)
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


def test_one_patient_slides_a_third_of_a_grade_per_visit_which_only_the_best_of_the_year_catches():
    call_command("seed_demo", stdout=io.StringIO())
    patient = Patient.objects.get(clinic__code="north", mrn="N100007")
    trends = patient_trends(patient, today=timezone.localdate())
    (ankle,) = [
        s for s in trends["series"] if (s["muscle_group"], s["side"]) == ("ankle_dorsiflexion", "left")
    ]
    thirds = [point["thirds"] for point in ankle["points"]]
    assert len(thirds) == 8
    assert thirds == list(range(thirds[0], thirds[0] - 8, -1))
    assert trends["declines"] == []
    assert ("ankle_dorsiflexion", "left") in {
        (d["muscle_group"], d["side"]) for d in trends["declines_from_best"]
    }
