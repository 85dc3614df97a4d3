"""The generated network holds to the app: each assessment's findings are the ones
``findings_record`` works out (with the patient's spasticity scores, medication events and
exercise plans), those records tell a story the app could have recorded, and the raw sweep
baseline leaves the reminders just as the ORM sweep does, resolving and reopening included; the
FHIR searches' and the pages' baselines read the rows of their first pages. PostgreSQL only: the
generator writes with COPY."""

import json
from datetime import timedelta

import psycopg
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.http import QueryDict
from django.utils import timezone

from assessments.models import Assessment, SpasticityScore, TrendReview
from assessments.selectors import assessments_of
from benchmarks import raw
from benchmarks.generate import MEDICATED_PATIENTS, PLANNED_PATIENTS, expected_counts, generate
from benchmarks.run import FHIR_MUSCLE_GROUP, _trends_patient
from care.models import Drug, ExercisePlan, MedicationEvent, MedicationEventKind, PlanKind, PlanStatus
from care.selectors import devices_of, falls_of, medications_of, plans_of, referrals_of
from clinical_rules.findings import FINDING_FIELDS, findings_record
from clinical_rules.models import AssessmentFindings
from clinical_rules.querysets import (
    current_medication_events,
    due_for_reassessment,
    latest_of_its_patient,
    plans_review_due,
)
from clinical_rules.rules import DUE_SOON_DAYS, STRENGTH_REVIEW_DUE_DAYS, fall_window
from clinical_rules.selectors import caseload_by_name
from fhir_r4.registry import SERVED
from fhir_r4.search import criteria_of
from patients.clock import clinic_today, local_midnight
from patients.models import Clinic, Patient
from reminders.models import Reminder, ReminderKind, ReminderStatus
from reminders.selectors import open_reminders_of
from reminders.sweep import reminder_sweep, strength_reviews
from reports.queries import REPORTS, Scope
from tests.conftest import skip_or_fail

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

# 200 patients and 2,000 assessments: a few dozen strength reviews due.
SCALE = 0.004

# Every reminder with its recipients, in a fixed order: what a sweep leaves behind.
REMINDERS = """
SELECT r.kind, r.patient_id, r.referral_id, r.device_id, r.fall_id, r.assessment_id, r.exercise_plan_id,
       r.due_on, r.status, r.sent_at IS NOT NULL AS sent, r.resolved_at IS NOT NULL AS resolved,
       ARRAY(SELECT rr.user_id FROM reminders_reminder_recipients rr
             WHERE rr.reminder_id = r.id ORDER BY rr.user_id) AS recipients
FROM reminders_reminder r
ORDER BY r.kind, r.patient_id, r.referral_id, r.device_id, r.fall_id, r.assessment_id, r.exercise_plan_id,
         r.due_on
"""


@pytest.fixture
def network():
    """A small network generated into the test database; the day it was generated for."""
    if connection.vendor != "postgresql":
        skip_or_fail("the benchmark's generator writes with COPY: it needs PostgreSQL (set DATABASE_URL)")
    today = clinic_today()
    generate(scale=SCALE, today=today, log=lambda message: None)
    return today


def _findings():
    return {
        row[0]: row[1:] for row in AssessmentFindings.objects.values_list("assessment_id", *FINDING_FIELDS)
    }


def test_the_generated_findings_are_those_findings_record_works_out(network):
    generated = _findings()
    assert set(generated) == set(Assessment.objects.values_list("pk", flat=True))
    valid = set(Assessment.objects.valid().values_list("pk", flat=True))
    assert len(valid) < len(generated), "some assessments are entered in error, and keep their findings"

    AssessmentFindings.objects.all().delete()
    for patient in Patient.objects.all():
        findings_record(patient)

    recorded = _findings()
    assert recorded == {pk: generated[pk] for pk in valid}
    assert any(any(found) for found in recorded.values())
    assert any(not any(found) for found in recorded.values())
    # Issue 13's rules find something in the network, and not everywhere.
    for rule in ("spasticity_increase", "medication_review", "plan_conflict"):
        shown = [found[FINDING_FIELDS.index(rule)] for found in recorded.values()]
        assert any(shown) and not all(shown), rule


def test_the_medication_events_tell_each_drugs_story(network):
    """A drug is started before it is raised, lowered or stopped, and started again only once stopped;
    a share of patients have events, of every kind, of the catalogue's drugs and others."""
    events = MedicationEvent.objects.order_by("patient", "occurred_on", "id")
    assert events.count() == expected_counts(SCALE)["medication_events"]
    patients = Patient.objects.count()
    assert events.values("patient").distinct().count() == int(patients * MEDICATED_PATIENTS)
    taking = set()
    for patient, drug, drug_name, event in events.values_list("patient", "drug", "drug_name", "event"):
        key = (patient, drug, drug_name)
        assert (event == MedicationEventKind.START) == (key not in taking), (key, event)
        if event == MedicationEventKind.STOP:
            taking.discard(key)
        else:
            taking.add(key)
    assert set(events.values_list("event", flat=True)) == set(MedicationEventKind.values)
    assert {Drug.BACLOFEN, Drug.FAMPRIDINE, Drug.OTHER} <= set(events.values_list("drug", flat=True))
    assert not events.filter(drug=Drug.OTHER, drug_name="").exists()
    current = current_medication_events(MedicationEvent.objects.all())
    assert 0 < current.count() < events.count()


def test_the_exercise_plans_and_spasticity_scores_are_a_share_of_the_network(network):
    today = network
    plans = ExercisePlan.objects.all()
    assert plans.count() == expected_counts(SCALE)["exercise_plans"]
    assert plans.values("patient").distinct().count() == int(Patient.objects.count() * PLANNED_PATIENTS)
    assert set(plans.values_list("kind", flat=True)) == set(PlanKind.values)
    ended = plans.filter(status=PlanStatus.ENDED)
    assert ended.exists() and not ended.filter(ended_on__isnull=True).exists()
    active = plans.filter(status=PlanStatus.ACTIVE)
    due = plans_review_due(plans, today)
    assert 0 < due.count() < active.count()

    assessments = Assessment.objects.count()
    scored = SpasticityScore.objects.values("assessment").distinct().count()
    assert 0.03 * assessments < scored < 0.3 * assessments


def _raw_connection():
    """A plain psycopg connection to the test database, as the baselines use."""
    db = connection.settings_dict
    return psycopg.connect(
        dbname=db["NAME"],
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        autocommit=True,
    )


def _reminders_before_the_sweep():
    """Reminders from earlier sweeps, for the sweeps to resolve or reopen: two resolved strength
    reviews whose reason holds again (one never sent, one sent), one about an assessment since
    reviewed and one about an assessment that is no longer its patient's latest."""
    due = list(strength_reviews())
    assert len(due) >= 2, "the generated network has strength reviews due"
    reviewed_latest = (
        Assessment.objects.valid()
        .filter(
            latest_of_its_patient(),
            AssessmentFindings.call_for_review("findings__"),
            pk__in=TrendReview.objects.valid().values("assessment"),
            patient__status="active",
        )
        .first()
    )
    assert reviewed_latest is not None, "the generated network has reviewed latest assessments"
    superseded = Assessment.objects.valid().exclude(latest_of_its_patient()).first()
    now = timezone.now()

    def strength_review(patient_id, assessment_id, due_on, **fields):
        return Reminder.objects.create(
            kind=ReminderKind.STRENGTH_REVIEW,
            patient_id=patient_id,
            assessment_id=assessment_id,
            due_on=due_on,
            **fields,
        )

    (patient, assessment, due_on), (sent_patient, sent_assessment, sent_due_on) = due[:2]
    strength_review(patient, assessment, due_on, status=ReminderStatus.RESOLVED, resolved_at=now)
    strength_review(
        sent_patient,
        sent_assessment,
        sent_due_on,
        status=ReminderStatus.RESOLVED,
        sent_at=now,
        resolved_at=now,
    )
    for gone in (reviewed_latest, superseded):
        strength_review(
            gone.patient_id,
            gone.pk,
            gone.assessed_on + timedelta(days=STRENGTH_REVIEW_DUE_DAYS),
            status=ReminderStatus.SENT,
            sent_at=now,
        )
    return {(patient, assessment): "pending", (sent_patient, sent_assessment): "sent"}, {
        (reviewed_latest.patient_id, reviewed_latest.pk),
        (superseded.patient_id, superseded.pk),
    }


def test_the_raw_sweep_leaves_the_reminders_as_the_orm_sweep_does(network):
    today = network
    reopened, resolved = _reminders_before_the_sweep()
    start, end = fall_window(today)
    params = {
        "tz": settings.TIME_ZONE,
        "today": today,
        "due_soon": today + timedelta(days=DUE_SOON_DAYS),
        "window_start": local_midnight(start),
        "window_end": local_midnight(end + timedelta(days=1)),
    }

    with transaction.atomic():
        reminder_sweep(today=today)
        with connection.cursor() as cursor:
            cursor.execute(REMINDERS)
            columns = [column.name for column in cursor.description]
            by_orm = cursor.fetchall()
        transaction.set_rollback(True)
    with _raw_connection() as conn, conn.transaction(force_rollback=True), conn.cursor() as cursor:
        for statement in raw.SWEEP:
            cursor.execute(statement, params)
        cursor.execute(REMINDERS)
        by_raw = cursor.fetchall()

    assert by_raw == by_orm
    strength = [
        dict(zip(columns, row, strict=True)) for row in by_orm if row[0] == ReminderKind.STRENGTH_REVIEW
    ]
    status_of = {(row["patient_id"], row["assessment_id"]): row for row in strength}
    for key, status in reopened.items():
        assert (status_of[key]["status"], status_of[key]["resolved"]) == (status, False)
    for key in resolved:
        assert (status_of[key]["status"], status_of[key]["resolved"]) == ("resolved", True)
    created = [row for key, row in status_of.items() if key not in reopened and key not in resolved]
    assert created and all(row["status"] == "pending" and row["recipients"] for row in created)
    # The plans' reviews due: each reminder about one plan, to the physio who prescribed it.
    plan_reviews = [
        dict(zip(columns, row, strict=True)) for row in by_orm if row[0] == ReminderKind.PLAN_REVIEW_DUE
    ]
    due = plans_review_due(ExercisePlan.objects.listable(), today)
    assert {row["exercise_plan_id"] for row in plan_reviews} == set(due.values_list("pk", flat=True))
    prescribers = dict(due.values_list("pk", "prescribed_by"))
    assert all(row["recipients"] == [prescribers[row["exercise_plan_id"]]] for row in plan_reviews)


def test_the_caseload_and_overdue_baselines_answer_the_reports_rows(network):
    """Issue 13's columns and rows included: patients on an antispasticity drug, with an active
    plan, and the plans due for review."""
    today = network
    clinic_ids = list(Clinic.objects.values_list("pk", flat=True))
    scope = Scope(clinic_ids=tuple(clinic_ids), today=today)
    params = {
        "tz": settings.TIME_ZONE,
        "today": today,
        "due_soon": today + timedelta(days=DUE_SOON_DAYS),
        "clinics": clinic_ids,
    }
    caseload = [list(row) for row in REPORTS["caseload"].rows(scope)]
    overdue = list(REPORTS["overdue"].rows(scope))
    with _raw_connection() as conn:
        (caseload_baseline,) = json.loads(raw.report_caseload(conn, params))
        overdue_baseline = json.loads(raw.report_overdue(conn, params))

    assert [list(row.values()) for row in caseload_baseline] == caseload
    assert list(caseload_baseline[0]) == list(REPORTS["caseload"].columns)
    assert sum(row[-2] for row in caseload) > 0 and sum(row[-1] for row in caseload) > 0
    assert overdue_baseline["count"] == len(overdue)
    # The baseline's page goes through json.dumps: a date as its text.
    first_page = [
        [str(value) if hasattr(value, "isoformat") else value for value in row] for row in overdue[:50]
    ]
    assert [list(row.values()) for row in overdue_baseline["results"]] == first_page
    assert any(row[0] == ReminderKind.PLAN_REVIEW_DUE for row in overdue)


def test_the_fhir_baselines_fetch_the_rows_of_the_searches_page(network):
    """Each FHIR search's baseline counts what the search counts and reads the rows its first
    page is built from, in the same order (as the admin of one clinic, as the benchmark runs)."""
    admin = get_user_model().objects.get(username="admin_c01")
    patient = _trends_patient()
    params = {"user": admin.pk, "patient": patient.pk}

    def search(resource_type, query=""):
        served = SERVED[resource_type]
        accepted = {name: kind for name, (kind, _) in served.search_params.items()}
        return served.search(admin, criteria_of(QueryDict(query), accepted))

    with _raw_connection() as conn:
        baselines = {
            "Patient": (search("Patient"), raw.fhir_patients(conn, params)),
            "Condition": (search("Condition"), raw.fhir_patients(conn, params, condition=True)),
            **{name: (search(name), raw.fhir_records(conn, params, name)) for name in raw.FHIR_RECORDS},
        }
        observations = [
            (search("Observation", f"patient={patient.pk}"), raw.fhir_observations(conn, params)),
            (
                search("Observation", f"code={FHIR_MUSCLE_GROUP}"),
                raw.fhir_observations(conn, params, muscle_group=FHIR_MUSCLE_GROUP),
            ),
        ]
    for resource_type, (found, baseline) in baselines.items():
        baseline = json.loads(baseline)
        assert found.total == baseline["count"] > 0, resource_type
        ids = [str(row["id"]) for row in baseline["results"]]
        if resource_type == "Condition":
            ids = [f"ms-{row_id}" for row_id in ids]
        assert [resource["id"] for resource in found.resources] == ids, resource_type
    for found, baseline in observations:
        baseline = json.loads(baseline)
        assert found.total == baseline["count"] > 0
        # The page's Observations come from the baseline's assessments and their scores.
        read = set()
        for row in baseline["results"]:
            read |= {f"{kind}-{row['id']}" for kind in ("assessment", "mrc-sum", "edss", "t25fw")}
            read |= {f"mmt-{score['id']}" for score in row["scores"] or []}
            read |= {f"mas-{score['id']}" for score in row["spasticity"] or []}
        page = [resource["id"] for resource in found.resources]
        assert len(page) == min(50, found.total) and set(page) <= read


def test_the_page_baselines_read_the_rows_the_pages_show(network):
    """The patient list's baseline counts the patients the page counts and reads its first page,
    in order (all, and ``?due``); the dashboard's reads each kind of the patient's valid records the
    page lists; both read the header's clinics and open reminders (as the physio of one clinic,
    as the benchmark runs)."""
    today = network
    physio = get_user_model().objects.get(username="physio_c01")
    patient = _trends_patient()
    start, end = fall_window(today)
    params = {
        "user": physio.pk,
        "tz": settings.TIME_ZONE,
        "today": today,
        "due_soon": today + timedelta(days=DUE_SOON_DAYS),
        "window_start": local_midnight(start),
        "window_end": local_midnight(end + timedelta(days=1)),
        "patient": patient.pk,
    }
    caseload = caseload_by_name(physio, today=today)
    with _raw_connection() as conn:
        for which, patients in (("all", caseload), ("due", due_for_reassessment(caseload, today))):
            page = raw.patient_list_data(conn, params, which)
            sections = dict(page["sections"])
            assert page["count"] == patients.count() > 0, which
            assert [row[0] for row in sections["patients"]] == [
                p.pk for p in patients[: raw.PATIENTS_PER_PAGE]
            ], which
        dashboard = dict(raw.dashboard_data(conn, params)["sections"])

    assert [row[0] for row in dashboard["patient"]] == [patient.pk]
    for name, records in (
        ("assessments", assessments_of(patient)),
        ("falls", falls_of(patient)),
        ("devices", devices_of(patient)),
        ("medications", medications_of(patient)),
        ("exercise plans", plans_of(patient)),
        ("referrals", referrals_of(patient)),
    ):
        assert len(dashboard[name]) == records.count(), name
    assert len(dashboard["assessments"]) > 1
    ((clinics, open_reminders),) = dashboard["header"]
    assert clinics == ", ".join(clinic.name for clinic in Clinic.objects.of(physio).order_by("name"))
    assert open_reminders == open_reminders_of(physio).count()
