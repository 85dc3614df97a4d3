"""Caseload: active patients by clinic and MS type, and where each stands with reassessment."""

import pytest
from django.urls import reverse

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
        },
    ]


def test_without_a_range_the_period_is_all_time(network, ada_api):
    rows = ada_api.get(URL).json()["results"]
    assert [row["assessed_in_period"] for row in rows] == [2, 1]
