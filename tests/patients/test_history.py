"""Every change to a clinical record is kept: who, when, what changed."""

import pytest

from assessments.models import MuscleScore
from assessments.services import assessment_update
from care.services import device_update, fall_update, referral_update
from patients.models import Patient
from tests.factories import AssessmentFactory, DeviceFactory, FallFactory, PatientFactory, ReferralFactory

pytestmark = pytest.mark.django_db


def test_a_change_to_a_patient_writes_a_history_row_with_the_old_and_new_values(nora):
    patient = PatientFactory(ms_type="RRMS")
    patient.ms_type = "SPMS"
    patient._history_user = nora
    patient.save()
    latest, original = patient.history.all()[:2]
    assert [original.history_type, latest.history_type] == ["+", "~"]
    assert latest.history_user == nora
    change = latest.diff_against(original).changes
    assert [(c.field, c.old, c.new) for c in change] == [("ms_type", "RRMS", "SPMS")]


# For each clinical record: its factory, and a change of one field through its service.
CHANGES = {
    "assessment": (
        AssessmentFactory,
        lambda r, by: assessment_update(assessment=r, by=by, notes="Grip weaker on the left"),
        ("notes", "", "Grip weaker on the left"),
    ),
    "fall": (
        FallFactory,
        lambda r, by: fall_update(fall=r, by=by, injury="minor"),
        ("injury", "none", "minor"),
    ),
    "device": (
        DeviceFactory,
        lambda r, by: device_update(device=r, by=by, side="right"),
        ("side", "left", "right"),
    ),
    "referral": (
        ReferralFactory,
        lambda r, by: referral_update(referral=r, by=by, to_service="orthotics"),
        ("to_service", "physiotherapy", "orthotics"),
    ),
}


@pytest.mark.parametrize("record", CHANGES)
def test_a_change_through_a_service_keeps_who_made_it_and_what_changed(phil, record):
    factory, change, expected = CHANGES[record]
    saved = factory()
    change(type(saved).objects.get(pk=saved.pk), phil)
    latest, original = saved.history.all()[:2]
    assert [original.history_type, latest.history_type] == ["+", "~"]
    assert latest.history_user == phil
    diff = latest.diff_against(original).changes
    assert [(c.field, c.old, c.new) for c in diff] == [expected]


def test_a_score_corrected_through_the_assessment_keeps_who_and_its_old_grade(phil):
    assessment = AssessmentFactory()
    score = MuscleScore.objects.create(assessment=assessment, muscle_group="grip", side="left", grade=12)
    assessment_update(
        assessment=assessment, by=phil, scores=[{"muscle_group": "grip", "side": "left", "grade": 9}]
    )
    latest, original = score.history.all()[:2]
    assert latest.history_user == phil
    assert [(c.field, c.old, c.new) for c in latest.diff_against(original).changes] == [("grade", 12, 9)]


def test_marking_entered_in_error_is_itself_in_history(nora):
    patient = PatientFactory()
    patient.mark_entered_in_error(by=nora, reason="registered twice")
    latest = patient.history.first()
    assert latest.entered_in_error_reason == "registered twice"
    assert latest.entered_in_error_by_id == nora.id
    assert Patient.objects.filter(pk=patient.pk).exists()
