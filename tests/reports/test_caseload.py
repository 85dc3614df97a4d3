"""Caseload: active patients by clinic and MS type, and where each stands with reassessment."""

import pytest
from django.urls import reverse

from patients.models import Patient
from tests import factories

from .conftest import days_ago

pytestmark = pytest.mark.django_db
URL = reverse("api:report-caseload")


def test_counts_by_clinic_and_ms_type_by_hand(network, ada_api):
    body = ada_api.get(URL, {"from": days_ago(30), "to": days_ago(0)}).json()
    assert body["report"] == "caseload"
    assert body["clinics"] == ["north"]
    # Discharged and entered-in-error patients are not in the caseload; p2's assessment of
    # 5 days ago was entered in error, so p2 is overdue and not assessed in the period.
    assert body["results"] == [
        {
            "clinic": "north",
            "ms_type": "RRMS",
            "active_patients": 2,  # p1, p2
            "assessed_in_interval": 1,  # p1
            "overdue": 1,  # p2, due 16 days ago
            "due_for_reassessment": 1,  # p2
            "never_assessed": 0,
            "assessed_in_period": 1,  # p1, 10 days ago
            "on_antispasticity_drugs": 0,
            "with_active_plans": 0,
        },
        {
            "clinic": "north",
            "ms_type": "SPMS",
            "active_patients": 2,  # p3, p4
            "assessed_in_interval": 1,  # p4, due in 4 days
            "overdue": 1,  # p3, registered 30 days ago and never assessed
            "due_for_reassessment": 2,  # p3, and p4 within the week
            "never_assessed": 1,  # p3
            "assessed_in_period": 0,  # p4 was assessed 80 days ago
            "on_antispasticity_drugs": 0,
            "with_active_plans": 0,
        },
    ]


def test_without_a_range_the_period_is_all_time(network, ada_api):
    rows = ada_api.get(URL).json()["results"]
    assert [row["assessed_in_period"] for row in rows] == [2, 1]


def test_antispasticity_medicines_and_active_plans_by_hand(network, nora, phil, ada, ada_api):
    medication, plan = factories.MedicationFactory, factories.PlanFactory
    p1, p2, p3, p4 = network.p1, network.p2, network.p3, network.p4
    # p1: baclofen started, then raised: current. A second current drug counts p1 once.
    medication(patient=p1, recorded_by=nora, drug="baclofen", event="start", occurred_on=days_ago(60))
    medication(patient=p1, recorded_by=nora, drug="baclofen", event="increase", occurred_on=days_ago(20))
    medication(patient=p1, recorded_by=nora, drug="tizanidine", event="start", occurred_on=days_ago(20))
    # p2: tizanidine stopped; the same day, recorded last, the stop is the latest event.
    medication(patient=p2, recorded_by=nora, drug="tizanidine", event="start", occurred_on=days_ago(30))
    medication(patient=p2, recorded_by=nora, drug="tizanidine", event="stop", occurred_on=days_ago(30))
    # p3: fampridine is a walking drug, and the other drug is not antispasticity either.
    medication(patient=p3, recorded_by=nora, drug="fampridine", event="start", occurred_on=days_ago(30))
    medication(patient=p3, recorded_by=nora, drug="other", drug_name="Pregabalin", occurred_on=days_ago(30))
    # p4: a stop entered in error leaves the diazepam current; an ended plan and an active one.
    medication(patient=p4, recorded_by=nora, drug="diazepam", event="start", occurred_on=days_ago(40))
    medication(
        patient=p4, recorded_by=nora, drug="diazepam", event="stop", occurred_on=days_ago(10)
    ).mark_entered_in_error(by=ada, reason="Wrong patient")
    plan(patient=p4, prescribed_by=phil, started_on=days_ago(50), status="ended", ended_on=days_ago(5))
    plan(patient=p4, prescribed_by=phil, started_on=days_ago(5))
    # p2's only plan is entered in error; a discharged patient's drugs and plans are not counted.
    plan(patient=p2, prescribed_by=phil, started_on=days_ago(5)).mark_entered_in_error(
        by=ada, reason="Duplicate"
    )
    discharged = Patient.objects.get(status="discharged")
    medication(patient=discharged, recorded_by=nora, occurred_on=days_ago(5))
    plan(patient=discharged, prescribed_by=phil, started_on=days_ago(5))

    rows = ada_api.get(URL).json()["results"]
    assert [(r["ms_type"], r["on_antispasticity_drugs"], r["with_active_plans"]) for r in rows] == [
        ("RRMS", 1, 0),  # p1
        ("SPMS", 1, 1),  # p4, p4
    ]
    assert [r["active_patients"] for r in rows] == [2, 2]  # the new keys split no row
