"""factory-boy factories for every domain model; defaults are valid, realistic records."""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from assessments.grades import MRCGrade, MuscleGroup, Side
from assessments.models import Assessment, MuscleScore
from care.models import DevicePrescription, ExercisePlan, FallEvent, MedicationEvent, Referral
from patients.models import Clinic, Patient
from reminders.models import Reminder


class ClinicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clinic
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"clinic{n}")
    name = factory.LazyAttribute(lambda o: f"{o.code.title()} clinic")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"user{n}")


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    clinic = factory.SubFactory(ClinicFactory)
    mrn = factory.Sequence(lambda n: f"MRN{n:06d}")
    given_name = factory.Faker("first_name")
    family_name = factory.Faker("last_name")
    date_of_birth = datetime.date(1975, 5, 17)


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment

    patient = factory.SubFactory(PatientFactory)
    assessed_on = factory.LazyFunction(timezone.localdate)
    assessor = factory.SubFactory(UserFactory)


def assessment_with_grades(patient, assessed_on, grades, **kwargs):
    """An assessment whose scores are ``{(muscle_group, side): "4-"}``."""
    assessment = AssessmentFactory(patient=patient, assessed_on=assessed_on, **kwargs)
    MuscleScore.objects.bulk_create(
        MuscleScore(assessment=assessment, muscle_group=group, side=side, grade=MRCGrade.from_label(label))
        for (group, side), label in grades.items()
    )
    return assessment


def full_grades(label="5"):
    """Every one of the 24 muscle-sides at ``label``."""
    return {(group, side): label for group in MuscleGroup for side in Side}


class FallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FallEvent

    patient = factory.SubFactory(PatientFactory)
    occurred_at = factory.LazyFunction(timezone.now)
    recorded_by = factory.SubFactory(UserFactory)


class DeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DevicePrescription

    patient = factory.SubFactory(PatientFactory)
    device_type = "afo"
    side = "left"
    prescribed_on = factory.LazyFunction(timezone.localdate)
    review_due_on = factory.LazyAttribute(lambda o: o.prescribed_on + datetime.timedelta(days=90))
    prescribed_by = factory.SubFactory(UserFactory)


class ReferralFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Referral

    patient = factory.SubFactory(PatientFactory)
    to_service = "physiotherapy"
    reason = "Leg weakness"
    referred_on = factory.LazyFunction(timezone.localdate)
    created_by = factory.SubFactory(UserFactory)


class MedicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MedicationEvent

    patient = factory.SubFactory(PatientFactory)
    drug = "baclofen"
    event = "start"
    occurred_on = factory.LazyFunction(timezone.localdate)
    dose = "10 mg three times a day"
    recorded_by = factory.SubFactory(UserFactory)


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExercisePlan

    patient = factory.SubFactory(PatientFactory)
    muscle_group = "knee_extension"
    side = "left"
    kind = "progressive_resistance"
    prescription = "3 sets of 10, twice a week"
    started_on = factory.LazyFunction(timezone.localdate)
    review_on = factory.LazyAttribute(lambda o: o.started_on + datetime.timedelta(days=42))
    prescribed_by = factory.SubFactory(UserFactory)


class ReminderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reminder

    kind = Reminder.Kind.REASSESSMENT_DUE
    patient = factory.SubFactory(PatientFactory)
    due_on = factory.LazyFunction(timezone.localdate)
