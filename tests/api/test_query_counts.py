"""A page of a list costs the same number of queries whatever its size: every list endpoint,
a page of 5 against a page of 50, over records with everything a representation shows
(scores, status history, device reviews, recipients, authors, follow-up annotations)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import SpasticityScore
from care.models import ReferralStatusChange
from care.services import device_review
from diary.models import DiaryEntry
from diary.services import diary_link_issue
from patients.models import StaffMembership
from tests import factories
from webhooks.models import EventType
from webhooks.services import endpoint_register

from .test_permission_matrix import ROUTES

PAGE = 50


def patients(clinic, nora, phil):
    for _ in range(PAGE):
        patient = factories.PatientFactory(clinic=clinic)
        factories.AssessmentFactory(patient=patient, assessor=nora)
        factories.FallFactory(patient=patient, recorded_by=nora)


def assessments(clinic, nora, phil):
    patient = factories.PatientFactory(clinic=clinic)
    for days in range(PAGE):
        day = datetime.date(2024, 1, 1) + datetime.timedelta(days=days)
        assessment = factories.assessment_with_grades(patient, day, factories.full_grades("4"), assessor=nora)
        if days % 2:
            assessment.mark_entered_in_error(by=phil, reason="Wrong patient")


def falls(clinic, nora, phil):
    factories.FallFactory.create_batch(
        PAGE, patient=factories.PatientFactory(clinic=clinic), recorded_by=nora
    )


def devices(clinic, nora, phil):
    devices = factories.DeviceFactory.create_batch(
        PAGE, patient=factories.PatientFactory(clinic=clinic), prescribed_by=phil
    )
    for n, device in enumerate(devices):
        day = device.prescribed_on
        review = device_review(device=device, by=phil, reviewed_on=day, next_review_due_on=day)
        if n % 2:
            review.mark_entered_in_error(by=nora, reason="Wrong device")


def referrals(clinic, nora, phil):
    patient = factories.PatientFactory(clinic=clinic)
    for referral in factories.ReferralFactory.create_batch(PAGE, patient=patient, created_by=nora):
        ReferralStatusChange.objects.create(referral=referral, to_status="draft", changed_by=nora)
        ReferralStatusChange.objects.create(
            referral=referral, from_status="draft", to_status="sent", changed_by=phil
        )


def medications(clinic, nora, phil):
    patient = factories.PatientFactory(clinic=clinic)
    for event in factories.MedicationFactory.create_batch(PAGE, patient=patient, recorded_by=nora)[::2]:
        event.mark_entered_in_error(by=phil, reason="Wrong patient")


def plans(clinic, nora, phil):
    factories.PlanFactory.create_batch(
        PAGE, patient=factories.PatientFactory(clinic=clinic), prescribed_by=phil
    )


def reminders(clinic, nora, phil):
    patient = factories.PatientFactory(clinic=clinic)
    for days in range(PAGE):
        reminder = factories.ReminderFactory(
            patient=patient, due_on=datetime.date(2024, 1, 1) + datetime.timedelta(days)
        )
        reminder.recipients.add(nora, phil)


def diary_entries(clinic, nora, phil):
    patient = factories.PatientFactory(clinic=clinic)
    link, _ = diary_link_issue(patient=patient, by=nora)
    for days in range(PAGE):
        entry = DiaryEntry.objects.create(
            patient=patient,
            link=link,
            day=datetime.date(2024, 1, 1) + datetime.timedelta(days),
            fatigue=days % 11,
            heat_worse=False,
            spasms=3,
            exercises=[{"plan": 1, "done": True}],
        )
        if days % 2:
            entry.mark_entered_in_error(by=nora, reason="Not the patient's")


def clinics(clinic, nora, phil):
    for n in range(PAGE):
        StaffMembership.objects.create(user=nora, clinic=factories.ClinicFactory(code=f"c{n}"))


def webhooks(clinic, nora, phil):
    for n in range(PAGE):
        endpoint_register(clinic=clinic, by=nora, url=f"https://ehr.example.org/{n}", events=EventType.values)


BUILDERS = {
    "patient-list": patients,
    "assessment-list": assessments,
    "fall-list": falls,
    "device-list": devices,
    "referral-list": referrals,
    "reminder-list": reminders,
    "clinic-list": clinics,
    "medication-list": medications,
    "exercise_plan-list": plans,
    "webhook-list": webhooks,
    "diary_entry-list": diary_entries,
}


@pytest.mark.parametrize("name", [name for name in ROUTES if name.endswith("-list")])
def test_a_page_of_50_costs_the_queries_of_a_page_of_5(name, north, nora, phil, nora_api, ada_api):
    assert name in BUILDERS, f"list route {name} has no query-count case"
    BUILDERS[name](north, nora, phil)
    url = reverse(f"api:{name}")
    # Clinics, reminders and webhooks are no clinical records: they have no include_errors to ask for.
    errors_too = (
        {} if name in ("clinic-list", "reminder-list", "webhook-list") else {"include_errors": "true"}
    )
    # Webhooks are for clinic admins.
    client = ada_api if name == "webhook-list" else nora_api
    counts = {}
    for size in (5, PAGE):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"page_size": size, **errors_too})
        assert response.status_code == 200
        assert len(response.json()["results"]) == size
        counts[size] = len(queries)
    assert counts[5] == counts[PAGE], [q["sql"] for q in queries.captured_queries]


def test_the_trends_of_20_assessments_cost_the_queries_of_2(north, nora, phil, nora_api):
    """With each assessment come spasticity scores, a fall, a medication event and an exercise plan."""
    patient = factories.PatientFactory(clinic=north)
    url = reverse("api:patient-trends", kwargs={"pk": patient.pk})
    counts = {}
    for total in (2, 20):
        while patient.assessments.count() < total:
            n = patient.assessments.count()
            day = datetime.date(2024, 1, 1) + datetime.timedelta(days=30 * n)
            assessment = factories.assessment_with_grades(
                patient,
                day,
                factories.full_grades("4-" if n % 2 else "4"),
                assessor=nora,
                edss="3.5",
                timed_25ft_walk_seconds="9.00",
            )
            SpasticityScore.objects.bulk_create(
                SpasticityScore(assessment=assessment, muscle_group="knee_extension", side=side, mas=n % 3)
                for side in ("left", "right")
            )
            factories.FallFactory(patient=patient, recorded_by=nora)
            factories.MedicationFactory(
                patient=patient, recorded_by=nora, occurred_on=day, event="start" if n == 0 else "increase"
            )
            factories.PlanFactory(patient=patient, prescribed_by=phil, started_on=day)
        with CaptureQueriesContext(connection) as queries:
            response = nora_api.get(url)
        assert response.status_code == 200
        trends = response.json()
        assert len(trends["spasticity_series"][0]["points"]) == total
        assert len(trends["active_plans"]) == total
        assert trends["current_medications"]
        counts[total] = len(queries)
    assert counts[2] == counts[20], [q["sql"] for q in queries.captured_queries]
