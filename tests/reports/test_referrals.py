"""Referrals: counts by service and status, overdue, median days from sent to seen."""

import pytest
from django.urls import reverse

from .conftest import days_ago

pytestmark = pytest.mark.django_db
URL = reverse("api:report-referrals")
NONE = {"draft": 0, "sent": 0, "accepted": 0, "seen": 0, "closed": 0, "declined": 0, "cancelled": 0}


def test_by_service_and_status_by_hand(network, ada_api):
    rows = ada_api.get(URL).json()["results"]
    assert rows == [
        # r5 and r6, seen 1 and 4 days after being sent: the median of an even count is the mean of the middle two.
        {
            "clinic": "north",
            "to_service": "gp",
            "total": 2,
            **NONE,
            "seen": 2,
            "overdue": 0,
            "reached_seen": 2,
            "median_days_sent_to_seen": 2.5,
        },
        # r8: a draft referred 400 days ago, due 42 days after.
        {
            "clinic": "north",
            "to_service": "orthotics",
            "total": 1,
            **NONE,
            "draft": 1,
            "overdue": 1,
            "reached_seen": 0,
            "median_days_sent_to_seen": None,
        },
        # r1 (2 days), r2 (5, closed since), r3 (sent, overdue), r4 (9.5, closed since); r7 was
        # entered in error (100 days) and the south referral (50 days) is not Ada's.
        {
            "clinic": "north",
            "to_service": "physiotherapy",
            "total": 4,
            **NONE,
            "sent": 1,
            "seen": 1,
            "closed": 2,
            "overdue": 1,
            "reached_seen": 3,
            "median_days_sent_to_seen": 5.0,
        },
    ]


def test_the_date_range_selects_by_referral_date(network, ada_api):
    rows = ada_api.get(URL, {"from": days_ago(45), "to": days_ago(0)}).json()["results"]
    assert [(row["to_service"], row["total"]) for row in rows] == [("gp", 2), ("physiotherapy", 3)]
