"""Patients and falls as the reminders' tests need them: assessed on a given day, recorded on a given day."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from assessments.grades import MRCGrade
from assessments.services import assessment_record
from care.models import FallEvent
from tests.factories import AssessmentFactory, FallFactory, PatientFactory


def assessed_patient(clinic, *, last_assessed_on, interval_weeks=12, **kwargs):
    patient = PatientFactory(clinic=clinic, reassessment_interval_weeks=interval_weeks, **kwargs)
    AssessmentFactory(patient=patient, assessed_on=last_assessed_on)
    return patient


def fall_on(patient, day, *, recorded_on=None, **kwargs):
    """A fall at 11:00 on ``day``, recorded at 12:00 on ``recorded_on`` (default: the same day)."""
    fall = FallFactory(
        patient=patient, occurred_at=timezone.make_aware(datetime.combine(day, time(11))), **kwargs
    )
    recorded_at = timezone.make_aware(datetime.combine(recorded_on or day, time(12)))
    FallEvent.objects.filter(pk=fall.pk).update(created_at=recorded_at)
    fall.created_at = recorded_at
    return fall


def declined_patient(clinic, *, assessed_on, assessor):
    """A patient whose latest assessment, on ``assessed_on``, shows a decline (rule 1): the left
    ankle 4 → 3- since a month before. Recorded through the service, so its findings are too."""
    patient = PatientFactory(clinic=clinic)
    for day, grade in ((assessed_on - timedelta(days=30), "4"), (assessed_on, "3-")):
        assessment_record(
            patient=patient,
            assessor=assessor,
            assessed_on=day,
            scores=[
                {"muscle_group": "ankle_dorsiflexion", "side": "left", "grade": MRCGrade.from_label(grade)}
            ],
        )
    return patient
