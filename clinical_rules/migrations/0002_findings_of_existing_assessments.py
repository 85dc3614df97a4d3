"""Record the findings of the assessments made before findings were recorded."""

from dataclasses import asdict

from django.db import migrations

from assessments.grades import MRCGrade
from clinical_rules import rules


def _histories(Assessment):
    """Each patient's valid assessments as ``rules.AssessmentData``, patient by patient."""
    rows = (
        Assessment.objects.filter(entered_in_error_at__isnull=True)
        .order_by("patient_id", "assessed_on", "id")
        .values_list(
            "patient_id",
            "id",
            "assessed_on",
            "timed_25ft_walk_seconds",
            "edss",
            "scores__muscle_group",
            "scores__side",
            "scores__grade",
            "scores__weakness_type",
        )
        .iterator(chunk_size=5000)
    )
    patient, assessments = None, {}
    for patient_id, pk, assessed_on, walk, edss, group, side, grade, weakness_type in rows:
        if patient_id != patient and assessments:
            yield assessments
            assessments = {}
        patient = patient_id
        data = assessments.setdefault(pk, rules.AssessmentData(assessed_on, pk, {}, walk, edss))
        if group is not None:
            data.scores[(group, side)] = rules.Score(MRCGrade(grade), weakness_type)
    if assessments:
        yield assessments


def record_findings(apps, schema_editor):
    Assessment = apps.get_model("assessments", "Assessment")
    AssessmentFindings = apps.get_model("clinical_rules", "AssessmentFindings")
    # The findings this migration's model has (later migrations add more, recorded by then).
    names = [field.name for field in AssessmentFindings._meta.fields if not field.primary_key]
    batch = []
    for assessments in _histories(Assessment):
        for assessment, found in rules.findings_of_each(assessments.values()):
            found = asdict(found)
            batch.append(AssessmentFindings(assessment_id=assessment.recorded, **{name: found[name] for name in names}))
        if len(batch) >= 5000:
            AssessmentFindings.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    AssessmentFindings.objects.bulk_create(batch, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("clinical_rules", "0001_initial")]

    operations = [migrations.RunPython(record_findings, migrations.RunPython.noop)]
