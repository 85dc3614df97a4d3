"""The date bounds every clinical record shares (SPEC §2 "Plausible input"): nothing before
1900-01-01, and follow-up dates at most five calendar years after their record's start."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from patients.services import (
    clinical_date_errors,
    follow_up_date_errors,
    latest_follow_up_date,
    patient_create,
    patient_update,
)
from tests import factories

D = datetime.date


@pytest.mark.parametrize(
    ("start", "latest"),
    [
        (D(2026, 3, 3), D(2031, 3, 3)),
        (D(2024, 2, 29), D(2029, 2, 28)),  # no 29 February five years on
        (D(2028, 2, 29), D(2033, 2, 28)),
        (D(2023, 2, 28), D(2028, 2, 28)),  # a leap year five years on changes nothing
        (D(2026, 12, 31), D(2031, 12, 31)),
        (D(1900, 1, 1), D(1905, 1, 1)),
    ],
)
def test_five_calendar_years_on_is_the_same_day_and_month(start, latest):
    assert latest_follow_up_date(start) == latest


@pytest.mark.parametrize(
    ("day", "errors"),
    [
        (D(2026, 3, 2), {"due_by": ["Must not be before the referral date."]}),
        (D(2026, 3, 3), {}),
        (D(2031, 3, 3), {}),
        (
            D(2031, 3, 4),
            {"due_by": ["Must be at most 5 years after the referral date: 03 Mar 2031 at the latest."]},
        ),
    ],
)
def test_a_follow_up_date_runs_from_the_start_to_five_years_on(day, errors):
    assert follow_up_date_errors("due_by", day, start=D(2026, 3, 3), start_name="referral date") == errors


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("day", "errors"),
    [
        (D(1899, 12, 31), {"assessed_on": ["Must not be before 1 Jan 1900."]}),
        (D(1900, 1, 1), {}),
    ],
)
def test_no_clinical_date_before_1900(day, errors):
    patient = factories.PatientFactory(date_of_birth=D(1899, 1, 1))  # as stored before the rule
    assert clinical_date_errors("assessed_on", day, patient) == errors


@pytest.mark.django_db
def test_a_patient_born_or_diagnosed_before_1900_is_refused(north, nora):
    details = {"clinic": north, "created_by": nora, "mrn": "A1", "given_name": "Ann", "family_name": "Lee"}
    with pytest.raises(ValidationError) as raised:
        patient_create(**details, date_of_birth=D(1899, 12, 31))
    assert raised.value.message_dict == {"date_of_birth": ["Must not be before 1 Jan 1900."]}
    patient = patient_create(**details, date_of_birth=D(1900, 1, 1))
    with pytest.raises(ValidationError) as raised:
        patient_update(patient=patient, by=nora, diagnosis_date=D(1899, 12, 31))
    assert raised.value.message_dict == {"diagnosis_date": ["Must not be before 1 Jan 1900."]}
