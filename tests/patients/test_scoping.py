"""Staff see only the clinics they belong to: one QuerySet method, every clinical model."""

import pytest

from assessments.models import Assessment, MuscleScore
from care.models import DevicePrescription, FallEvent, Referral
from patients.models import Patient
from reminders.models import Reminder
from tests.factories import (
    AssessmentFactory,
    DeviceFactory,
    FallFactory,
    PatientFactory,
    ReferralFactory,
    ReminderFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def records_of(patient):
    assessment = AssessmentFactory(patient=patient)
    MuscleScore.objects.create(assessment=assessment, muscle_group="grip", side="left", grade=12)
    FallFactory(patient=patient)
    DeviceFactory(patient=patient)
    ReferralFactory(patient=patient)
    ReminderFactory(patient=patient)


MODELS = [Patient, Assessment, MuscleScore, FallEvent, DevicePrescription, Referral, Reminder]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_a_south_user_sees_no_north_record(model, north, south, sam):
    records_of(PatientFactory(clinic=north))
    records_of(PatientFactory(clinic=south))
    visible = model.objects.visible_to(sam)
    assert visible.count() == 1
    assert model.objects.count() == 2
    assert not visible.filter(**{model.clinic_lookup: north}).exists()


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_a_member_of_both_clinics_sees_both_and_a_superuser_all(model, north, south, sam):
    records_of(PatientFactory(clinic=north))
    records_of(PatientFactory(clinic=south))
    sam.clinic_memberships.create(clinic=north)
    assert model.objects.visible_to(sam).count() == 2
    assert model.objects.visible_to(UserFactory(is_superuser=True)).count() == 2


def test_a_user_of_no_clinic_sees_nothing(north):
    PatientFactory(clinic=north)
    assert not Patient.objects.visible_to(UserFactory()).exists()
