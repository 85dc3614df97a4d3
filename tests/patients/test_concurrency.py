"""Optimistic concurrency in the services: every update takes the version it is based on and
refuses, before writing anything, an edit of a record someone else has changed since."""

import pytest
from django.core.exceptions import ValidationError

from assessments.models import MuscleScore
from assessments.services import assessment_update
from care.models import ReferralStatusChange
from care.services import device_update, fall_update, referral_transition, referral_update
from patients.concurrency import EditedMeanwhile, record_lock, record_version
from patients.services import patient_update, record_mark_entered_in_error
from reminders.models import Reminder
from tests.factories import (
    AssessmentFactory,
    DeviceFactory,
    FallFactory,
    PatientFactory,
    ReferralFactory,
    assessment_with_grades,
)

pytestmark = pytest.mark.django_db


def _scored_assessment():
    return assessment_with_grades(PatientFactory(), AssessmentFactory().assessed_on, {("grip", "left"): "4"})


# For each update service: a record to edit, and an edit of it by ``by`` based on ``version``.
UPDATES = {
    "patient": (
        PatientFactory,
        lambda r, by, version: patient_update(patient=r, by=by, expected_version=version, given_name="Irene"),
    ),
    "assessment": (
        AssessmentFactory,
        lambda r, by, version: assessment_update(assessment=r, by=by, expected_version=version, notes="x"),
    ),
    # The scores are rows of their own: the assessment's version must follow them all the same.
    "assessment's scores alone": (
        _scored_assessment,
        lambda r, by, version: assessment_update(
            assessment=r,
            by=by,
            expected_version=version,
            scores=[{"muscle_group": "grip", "side": "left", "grade": 9}],
        ),
    ),
    "fall": (
        FallFactory,
        lambda r, by, version: fall_update(fall=r, by=by, expected_version=version, injury="severe"),
    ),
    "device": (
        DeviceFactory,
        lambda r, by, version: device_update(device=r, by=by, expected_version=version, reason="x"),
    ),
    "referral": (
        ReferralFactory,
        lambda r, by, version: referral_update(referral=r, by=by, expected_version=version, reason="x"),
    ),
    "referral move": (
        ReferralFactory,
        lambda r, by, version: referral_transition(
            referral=r, to_status="sent", by=by, expected_version=version
        ),
    ),
    "patient entered in error": (
        PatientFactory,
        lambda r, by, version: record_mark_entered_in_error(
            record=r, by=by, reason="Registered twice", expected_version=version
        ),
    ),
    "fall entered in error": (
        FallFactory,
        lambda r, by, version: record_mark_entered_in_error(
            record=r, by=by, reason="Wrong patient", expected_version=version
        ),
    ),
}


def _stored(record):
    return type(record).objects.get(pk=record.pk)


def _written(record):
    """What an edit of ``record`` may write: its row, its history, scores, status moves, reminders."""
    return (
        record_version(_stored(record)),
        record.history.count(),
        MuscleScore.history.count(),
        ReferralStatusChange.objects.count(),
        Reminder.objects.count(),
    )


@pytest.mark.parametrize("update", UPDATES)
def test_every_update_gives_the_record_a_new_version(nora, update):
    factory, edit = UPDATES[update]
    record = factory()
    before = record_version(_stored(record))
    edit(record, nora, None)
    assert record_version(_stored(record)) != before


@pytest.mark.parametrize("update", UPDATES)
def test_an_update_based_on_a_version_changed_since_is_refused_and_writes_nothing(nora, ada, update):
    factory, edit = UPDATES[update]
    record = factory()
    drawn = record_version(_stored(record))
    edit(record, ada, None)  # someone else's edit, saved first
    stored = _written(record)

    with pytest.raises(EditedMeanwhile) as refused:
        edit(record, nora, drawn)
    assert _written(record) == stored
    assert refused.value.current.pk == record.pk
    assert record_version(refused.value.current) == stored[0]


@pytest.mark.parametrize("update", UPDATES)
def test_an_update_based_on_the_current_version_goes_through(nora, update):
    factory, edit = UPDATES[update]
    record = factory()
    current = record_version(_stored(record))
    edit(record, nora, current)
    assert record_version(_stored(record)) != current
    assert record.history.first().history_user == nora


def test_a_stale_version_is_refused_before_the_edit_is_validated(nora, ada):
    patient = PatientFactory()
    drawn = record_version(patient)
    patient_update(patient=patient, by=ada, family_name="Munro")
    with pytest.raises(EditedMeanwhile):
        patient_update(patient=patient, by=nora, expected_version=drawn, given_name="")
    with pytest.raises(ValidationError):
        patient_update(
            patient=patient, by=nora, expected_version=record_version(_stored(patient)), given_name=""
        )


def test_several_versions_may_be_acceptable_and_none_at_all_refuses(ada):
    patient = PatientFactory()
    current = record_version(patient)
    assert record_lock(patient, expected_version={"stale", current}) == patient
    with pytest.raises(EditedMeanwhile):
        record_lock(patient, expected_version=set())


def test_the_version_is_of_the_row_as_stored_and_read_again(ada):
    patient = PatientFactory(given_name="Iris")
    assert record_version(patient) == record_version(_stored(patient))
    patient.given_name = "Irene"  # set in memory, never saved
    locked = record_lock(patient, expected_version=record_version(_stored(patient)))
    assert locked.given_name == "Iris"
    assert record_version(locked) == record_version(_stored(patient))
