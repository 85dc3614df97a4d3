"""Registering and editing patients through the services: the field errors they give."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from patients import services
from patients.models import Patient
from patients.services import patient_create, patient_update

from .factories import PatientFactory

pytestmark = pytest.mark.django_db

MRN_TAKEN = "A patient with this MRN is already registered at this clinic."


def register(clinic, by, mrn):
    return patient_create(
        clinic=clinic,
        created_by=by,
        mrn=mrn,
        given_name="Ines",
        family_name="Okafor",
        date_of_birth=datetime.date(1980, 4, 2),
    )


@pytest.fixture
def registered_meanwhile(monkeypatch, north):
    """Another registration of MRN "M-7" at north commits after the services' own MRN check."""
    check = services._patient_validate

    def check_then_lose_the_race(patient):
        check(patient)
        PatientFactory(clinic=north, mrn="M-7")

    monkeypatch.setattr(services, "_patient_validate", check_then_lose_the_race)


def test_an_mrn_registered_between_the_check_and_the_save_is_a_field_error(north, nora, registered_meanwhile):
    with pytest.raises(ValidationError) as error:
        register(north, nora, "M-7")
    assert error.value.message_dict == {"mrn": [MRN_TAKEN]}


def test_an_mrn_taken_between_the_check_and_the_save_of_an_edit_is_a_field_error(
    north, nora, registered_meanwhile
):
    patient = PatientFactory(clinic=north, mrn="M-1")
    with pytest.raises(ValidationError) as error:
        patient_update(patient=patient, by=nora, mrn="M-7")
    assert error.value.message_dict == {"mrn": [MRN_TAKEN]}
    assert Patient.objects.get(pk=patient.pk).mrn == "M-1"
