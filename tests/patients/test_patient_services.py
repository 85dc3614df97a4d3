"""Registering and editing patients through the services: the field errors they give."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from patients import services
from patients.models import Patient
from patients.services import patient_create, patient_update
from tests.factories import AssessmentFactory, DeviceFactory, FallFactory, PatientFactory, ReferralFactory

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

    def check_then_lose_the_race(patient, **kwargs):
        check(patient, **kwargs)
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


# Date of birth and the patient's records ---------------------------------------------------
DAY = datetime.date(2020, 7, 1)  # summer: the clinic's midnight is 23:00 UTC the day before
RECORDS = {
    "assessment": lambda patient, day: AssessmentFactory(patient=patient, assessed_on=day),
    "device": lambda patient, day: DeviceFactory(patient=patient, prescribed_on=day),
    "referral": lambda patient, day: ReferralFactory(patient=patient, referred_on=day),
    # Half an hour into the clinic-local day: a fall's date is its clinic-local date.
    "fall": lambda patient, day: FallFactory(
        patient=patient, occurred_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(0, 30)))
    ),
}


@pytest.mark.parametrize("kind", RECORDS)
def test_a_date_of_birth_may_not_be_moved_after_a_record_of_the_patient(nora, kind):
    patient = PatientFactory()
    RECORDS[kind](patient, DAY)
    RECORDS[kind](patient, DAY + datetime.timedelta(days=40))
    with pytest.raises(ValidationError) as error:
        patient_update(patient=patient, by=nora, date_of_birth=DAY + datetime.timedelta(days=1))
    assert error.value.message_dict == {
        "date_of_birth": ["Must not be after 2020-07-01, the date of the patient's earliest record."]
    }
    patient_update(patient=Patient.objects.get(pk=patient.pk), by=nora, date_of_birth=DAY)
    assert Patient.objects.get(pk=patient.pk).date_of_birth == DAY


@pytest.mark.parametrize("kind", RECORDS)
def test_a_record_entered_in_error_does_not_hold_the_date_of_birth_back(nora, kind):
    patient = PatientFactory()
    RECORDS[kind](patient, DAY).mark_entered_in_error(by=nora, reason="wrong patient")
    later = DAY + datetime.timedelta(days=10)
    patient_update(patient=patient, by=nora, date_of_birth=later)
    assert Patient.objects.get(pk=patient.pk).date_of_birth == later
