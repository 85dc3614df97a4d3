"""Nothing of another clinic can be reached: a 404 on every route about one of its records,
whatever the method, and no record can be created for one of its patients."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment
from care.models import DevicePrescription, ExercisePlan, FallEvent, MedicationEvent, Referral
from tests.support.clients import api_client_of

from .test_permission_matrix import EXPECTED, METHODS, RECORD_ROUTES

pytestmark = pytest.mark.django_db

NURSE, OUTSIDER = 1, 4


@pytest.mark.parametrize("name", RECORD_ROUTES)
def test_every_route_about_a_record_is_a_404_to_an_outsider_for_every_method_it_serves(name):
    served = [m for m in METHODS if EXPECTED[name][m][NURSE] != 405]
    assert served
    assert all(EXPECTED[name][m][OUTSIDER] == 404 for m in served), EXPECTED[name]


def test_an_outsider_gets_404_before_any_precondition_or_validation(north_patient, sam_api):
    url = reverse("api:patient-detail", kwargs={"pk": north_patient.pk})
    response = sam_api.patch(url, {"sex": "robot"}, format="json", HTTP_IF_MATCH='"stale"')
    assert response.status_code == 404


def bodies(patient):
    today = timezone.localdate()
    return {
        "assessment": {
            "patient": patient.pk,
            "assessed_on": today.isoformat(),
            "scores": [{"muscle_group": "grip", "side": "left", "grade": "4"}],
        },
        "fall": {"patient": patient.pk, "occurred_at": timezone.now().isoformat()},
        "device": {
            "patient": patient.pk,
            "device_type": "cane",
            "prescribed_on": today.isoformat(),
            "review_due_on": (today + datetime.timedelta(days=30)).isoformat(),
        },
        "referral": {"patient": patient.pk, "to_service": "gp", "reason": "Dizziness"},
        "medication": {
            "patient": patient.pk,
            "drug": "baclofen",
            "event": "start",
            "occurred_on": today.isoformat(),
        },
        "exercise_plan": {
            "patient": patient.pk,
            "muscle_group": "grip",
            "side": "both",
            "kind": "maintenance",
            "started_on": today.isoformat(),
        },
    }


@pytest.mark.parametrize("kind", ["assessment", "fall", "device", "referral", "medication", "exercise_plan"])
def test_no_record_can_be_created_for_a_patient_of_another_clinic(kind, south_patient, ada_api):
    response = ada_api.post(reverse(f"api:{kind}-list"), bodies(south_patient)[kind], format="json")
    assert response.status_code == 400
    assert "patient" in response.json()
    models = (Assessment, FallEvent, DevicePrescription, Referral, MedicationEvent, ExercisePlan)
    assert not any(m.objects.exists() for m in models)


def test_a_superuser_reaches_every_clinic(north_patient, south_patient, django_user_model):
    root = api_client_of(django_user_model.objects.create_superuser("root", password="x"))
    listed = {p["id"] for p in root.get(reverse("api:patient-list")).json()["results"]}
    assert listed == {north_patient.pk, south_patient.pk}


def test_clinics_are_the_users_own_or_every_one_for_a_superuser(nora_api, sam, django_user_model):
    root = api_client_of(django_user_model.objects.create_superuser("root", password="x"))
    url = reverse("api:clinic-list")
    assert [c["code"] for c in nora_api.get(url).json()["results"]] == ["north"]
    assert [c["code"] for c in root.get(url).json()["results"]] == ["north", "south"]
    # Registering a patient at a clinic of which one is not a member is refused like an unknown code.
    body = {
        "clinic": "south",
        "mrn": "S-1",
        "given_name": "A",
        "family_name": "B",
        "date_of_birth": "1980-01-01",
    }
    response = nora_api.post(reverse("api:patient-list"), body, format="json")
    assert response.status_code == 400
    assert "clinic" in response.json()
