"""Falls: falls and near-falls per clinic and month, injuries, rate, share at high risk."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db
URL = reverse("api:report-falls")


def test_months_by_hand(network, ada_api):
    rows = ada_api.get(URL, {"from": "2025-03-01", "to": "2025-04-30"}).json()["results"]
    # Four active patients; p1 is the one at high fall risk today (two falls in the window).
    clinic = {"active_patients": 4, "high_fall_risk_patients": 1, "high_fall_risk_share": 0.25}
    assert rows == [
        {
            # 10 March (moderate, medical attention) and a near-fall on 20 March; the fall of
            # 15 March was entered in error, and the 11 March fall is of a patient entered in error.
            "clinic": "north",
            "month": "2025-03",
            "falls": 1,
            "near_falls": 1,
            "injuries": 1,
            "serious_injuries": 1,
            "medical_attention": 1,
            "patients_who_fell": 1,
            "falls_per_patient": 0.25,
            **clinic,
        },
        {
            # p2 at 00:30 on 1 April, London time (31 March in UTC; minor injury), p1 on 2 April.
            "clinic": "north",
            "month": "2025-04",
            "falls": 2,
            "near_falls": 0,
            "injuries": 1,
            "serious_injuries": 0,
            "medical_attention": 0,
            "patients_who_fell": 2,
            "falls_per_patient": 0.5,
            **clinic,
        },
    ]


def test_the_range_is_whole_local_days(network, ada_api):
    rows = ada_api.get(URL, {"from": "2025-04-01", "to": "2025-04-01"}).json()["results"]
    assert [(row["month"], row["falls"]) for row in rows] == [("2025-04", 1)]


def test_without_a_range_every_month_is_there(network, ada_api):
    months = [row["month"] for row in ada_api.get(URL).json()["results"]]
    assert months[:3] == ["2025-02", "2025-03", "2025-04"]
    assert sum(row["falls"] for row in ada_api.get(URL).json()["results"]) == 6


def test_a_month_without_falls_is_a_row_of_zeros_not_a_gap(network, ada_api):
    rows = ada_api.get(URL, {"from": "2025-01-01", "to": "2025-06-30"}).json()["results"]
    assert [(row["month"], row["falls"]) for row in rows] == [
        ("2025-01", 0),
        ("2025-02", 1),
        ("2025-03", 1),
        ("2025-04", 2),
        ("2025-05", 0),
        ("2025-06", 0),
    ]
    january = rows[0]
    counts = ("near_falls", "injuries", "serious_injuries", "medical_attention", "patients_who_fell")
    assert [january[name] for name in counts] == [0] * 5
    assert (january["active_patients"], january["falls_per_patient"]) == (4, 0)
    assert (january["high_fall_risk_patients"], january["high_fall_risk_share"]) == (1, 0.25)


def test_without_a_range_the_months_run_unbroken_from_the_first_fall_to_this_month(network, ada_api):
    months = [row["month"] for row in ada_api.get(URL).json()["results"]]
    today = network.today
    assert months[0] == "2025-02" and months[-1] == f"{today:%Y-%m}"
    assert len(months) == (today.year - 2025) * 12 + today.month - 2 + 1
    assert len(set(months)) == len(months)


def test_a_range_reaching_past_today_stops_at_this_month(network, ada_api):
    today = network.today
    rows = ada_api.get(URL, {"from": f"{today:%Y-%m}-01", "to": f"{today.year + 2}-12-31"}).json()["results"]
    assert [row["month"] for row in rows] == [f"{today:%Y-%m}"]
