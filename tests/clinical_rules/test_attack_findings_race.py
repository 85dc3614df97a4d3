"""Two changes to one patient's assessments at the same moment leave each assessment's recorded
findings as the rules work them out afresh: the second change waits for the first to commit,
then works the findings out with it (SPEC §3 rule 18 reads them).

Needs PostgreSQL: SQLite runs one writer at a time, so the race cannot happen there.
"""

import threading
import time
from datetime import date

import pytest
from django.db import connection, transaction

from assessments.grades import MRCGrade
from assessments.services import assessment_record
from clinical_rules import rules
from clinical_rules.findings import FINDING_FIELDS
from clinical_rules.models import AssessmentFindings
from clinical_rules.querysets import strength_reviews_due
from clinical_rules.trends import assessment_data
from patients.services import record_mark_entered_in_error
from tests.conftest import skip_or_fail
from tests.factories import PatientFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def ankle(label):
    return [{"muscle_group": "ankle_dorsiflexion", "side": "left", "grade": MRCGrade.from_label(label)}]


def recorded(patient):
    """``{assessment id: Findings}`` as recorded for the patient's assessments."""
    return {
        row.assessment_id: rules.Findings(**{name: getattr(row, name) for name in FINDING_FIELDS})
        for row in AssessmentFindings.objects.filter(assessment__patient=patient)
    }


def run_while_the_first_holds_its_transaction(first_change, second_change):
    """``first_change`` in a transaction kept open for a second after it has written;
    ``second_change`` meanwhile. Returns the errors either raised."""
    first_has_written = threading.Event()
    errors = []

    def first():
        try:
            with transaction.atomic():
                first_change()
                first_has_written.set()
                time.sleep(1.0)
        except Exception as error:  # reported by the test
            errors.append(error)
        finally:
            first_has_written.set()
            connection.close()

    def second():
        try:
            first_has_written.wait(timeout=10)
            second_change()
        except Exception as error:  # reported by the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    return errors


@pytest.fixture
def on_postgresql():
    if connection.vendor != "postgresql":
        skip_or_fail("the findings race test needs PostgreSQL (set DATABASE_URL)")


def test_two_assessments_recorded_at_once_both_count_in_the_findings(on_postgresql):
    clerk = UserFactory()
    patient = PatientFactory()
    assessment_record(patient=patient, assessor=clerk, assessed_on=date(2026, 1, 5), scores=ankle("3"))

    errors = run_while_the_first_holds_its_transaction(
        # 3 → 4: an improvement ...
        lambda: assessment_record(
            patient=patient, assessor=clerk, assessed_on=date(2026, 2, 5), scores=ankle("4")
        ),
        # ... then 4 → 3: a decline, which the latest would not show without the improvement.
        lambda: assessment_record(
            patient=patient, assessor=clerk, assessed_on=date(2026, 3, 5), scores=ankle("3")
        ),
    )

    assert errors == []
    afresh = {data.recorded: found for data, found in rules.findings_of_each(assessment_data(patient))}
    assert recorded(patient) == afresh
    assert strength_reviews_due(patient.assessments.all()).count() == 1


def test_an_assessment_marked_in_error_while_another_is_recorded_leaves_the_findings(on_postgresql):
    clerk = UserFactory()
    patient = PatientFactory()
    assessment_record(patient=patient, assessor=clerk, assessed_on=date(2026, 1, 5), scores=ankle("4"))
    mistaken = assessment_record(
        patient=patient, assessor=clerk, assessed_on=date(2026, 2, 5), scores=ankle("3")
    )

    errors = run_while_the_first_holds_its_transaction(
        lambda: record_mark_entered_in_error(record=mistaken, by=clerk, reason="Another patient's"),
        # 3 → 3 against the mistaken one; 4 → 3, a decline, against the one that stands.
        lambda: assessment_record(
            patient=patient, assessor=clerk, assessed_on=date(2026, 3, 5), scores=ankle("3")
        ),
    )

    assert errors == []
    latest = patient.assessments.get(assessed_on=date(2026, 3, 5))
    assert AssessmentFindings.objects.get(assessment=latest).decline is True
    assert list(strength_reviews_due(patient.assessments.all()).values_list("pk", flat=True)) == [latest.pk]
