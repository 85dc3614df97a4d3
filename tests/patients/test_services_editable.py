"""A record entered in error, or any record of a patient entered in error, is never changed again."""

import pytest
from django.core.exceptions import ValidationError

from assessments.services import assessment_update
from care.services import device_update, fall_update, referral_transition, referral_update
from tests.factories import AssessmentFactory, DeviceFactory, FallFactory, PatientFactory, ReferralFactory

pytestmark = pytest.mark.django_db

EDITS = {
    "assessment": (AssessmentFactory, lambda r, by: assessment_update(assessment=r, by=by, notes="x")),
    "fall": (FallFactory, lambda r, by: fall_update(fall=r, by=by, notes="x")),
    "device": (DeviceFactory, lambda r, by: device_update(device=r, by=by, reason="x")),
    "referral": (ReferralFactory, lambda r, by: referral_update(referral=r, by=by, reason="x")),
    "referral move": (
        ReferralFactory,
        lambda r, by: referral_transition(referral=r, to_status="sent", by=by),
    ),
}


@pytest.mark.parametrize("edit", EDITS)
def test_a_record_of_a_patient_entered_in_error_cannot_be_changed_or_moved(ada, edit):
    factory, change = EDITS[edit]
    change(factory(), ada)  # allowed for a record of a valid patient
    patient = PatientFactory()
    record = factory(patient=patient)
    patient.mark_entered_in_error(by=ada, reason="registered twice")
    record.refresh_from_db()
    with pytest.raises(ValidationError, match="patient is marked entered in error"):
        change(record, ada)


@pytest.mark.parametrize("edit", EDITS)
def test_a_record_entered_in_error_cannot_be_changed_or_moved(ada, edit):
    factory, change = EDITS[edit]
    record = factory()
    record.mark_entered_in_error(by=ada, reason="wrong patient")
    with pytest.raises(ValidationError, match="This record is marked entered in error"):
        change(record, ada)
