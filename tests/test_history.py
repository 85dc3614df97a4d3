"""Every change to a clinical record is kept: who, when, what changed."""

import pytest

from assessments.models import MuscleScore
from patients.models import Patient

from .factories import AssessmentFactory, DeviceFactory, FallFactory, PatientFactory, ReferralFactory

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


@pytest.mark.parametrize("factory", [AssessmentFactory, FallFactory, DeviceFactory, ReferralFactory])
def test_every_clinical_record_keeps_history(factory):
    record = factory()
    record.notes = "changed" if hasattr(record, "notes") else ""
    record.reason = "changed" if hasattr(record, "reason") else ""
    record.save()
    assert record.history.count() == 2


def test_score_changes_are_kept():
    score = MuscleScore.objects.create(
        assessment=AssessmentFactory(), muscle_group="grip", side="left", grade=12
    )
    score.grade = 9
    score.save()
    assert list(score.history.values_list("grade", flat=True)) == [9, 12]


def test_marking_entered_in_error_is_itself_in_history(nora):
    patient = PatientFactory()
    patient.mark_entered_in_error(by=nora, reason="registered twice")
    latest = patient.history.first()
    assert latest.entered_in_error_reason == "registered twice"
    assert latest.entered_in_error_by_id == nora.id
    assert Patient.objects.filter(pk=patient.pk).exists()
