"""Recording what the rules find in each of a patient's assessments (``AssessmentFindings``)."""

from dataclasses import asdict, fields

from django.db import transaction

from assessments.models import Assessment
from care.models import ExercisePlan, MedicationEvent
from patients.models import Patient

from .models import AssessmentFindings
from .rules import Findings, findings_of_each
from .trends import assessment_data, medication_data, plan_data

FINDING_FIELDS = [field.name for field in fields(Findings)]


@transaction.atomic
def findings_record(patient):
    """Work out again, and store, each valid assessment's findings as of the day it was the latest.

    Called whenever one of the patient's assessments, medication events or exercise plans is
    recorded, changed or marked entered in error: any of these can change what the assessments show.
    """
    # Lock the patient first. Two such changes at once would otherwise each work the findings
    # out without the other's uncommitted assessment, and the last to commit would leave its
    # stale rows; with the lock the second waits for the first to commit, then reads both.
    Patient.objects.select_for_update().filter(pk=patient.pk).first()
    found_in_each = findings_of_each(assessment_data(patient), medication_data(patient), plan_data(patient))
    rows = [
        AssessmentFindings(assessment_id=assessment.recorded, **asdict(found))
        for assessment, found in found_in_each
    ]
    AssessmentFindings.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["assessment"], update_fields=FINDING_FIELDS
    )


def findings_record_on_records_changed(sender, *, patient, **kwargs):
    """``assessments.signals.assessments_changed`` and ``care.signals.care_changed``."""
    findings_record(patient)


def findings_record_on_entered_in_error(sender, *, record, **kwargs):
    """``patients.signals.record_entered_in_error``: an assessment, medication event or plan
    marked entered in error leaves the rules, so what they find is recorded again."""
    if sender in (Assessment, MedicationEvent, ExercisePlan):
        findings_record(record.patient)
