"""Overdue follow-ups: reassessments, referrals and device reviews, oldest first, paginated."""

import pytest
from django.urls import reverse

from .conftest import days_ago

pytestmark = pytest.mark.django_db
URL = reverse("api:report-overdue")


def expected(network):
    n, r = network, network.records
    return [
        # (kind, patient, subject, detail, days overdue)
        ("referral_overdue", n.p1.pk, r["r8"].pk, "orthotics", 358),  # a draft due 42 days after referral
        ("reassessment_due", n.p3.pk, None, "", 30),  # registered 30 days ago, never assessed
        ("reassessment_due", n.p2.pk, None, "", 16),  # assessed 100 days ago, every 12 weeks
        ("referral_overdue", n.p3.pk, r["r3"].pk, "physiotherapy", 5),
        ("device_review_due", n.p2.pk, r["cane"].pk, "cane", 1),
        ("device_review_due", n.p1.pk, r["afo_soon"].pk, "afo", -3),  # due within the week
        ("reassessment_due", n.p4.pk, None, "", -4),
    ]


def summary(rows):
    return [(r["kind"], r["patient"], r["subject"], r["detail"], r["days_overdue"]) for r in rows]


def test_every_kind_oldest_first_by_hand(network, ada_api):
    body = ada_api.get(URL).json()
    assert body["count"] == 7
    assert summary(body["results"]) == expected(network)
    first = body["results"][0]
    assert first["clinic"] == "north"
    assert first["mrn"] == network.p1.mrn
    assert first["due_on"] == days_ago(358).isoformat()


def test_the_date_range_selects_by_due_date(network, ada_api):
    rows = ada_api.get(URL, {"from": days_ago(20), "to": days_ago(0)}).json()["results"]
    assert summary(rows) == expected(network)[2:5]


def test_it_is_paginated_like_every_list(network, ada_api):
    first = ada_api.get(URL, {"page_size": 3}).json()
    assert (first["count"], len(first["results"]), first["previous"]) == (7, 3, None)
    last = ada_api.get(URL, {"page_size": 3, "page": 3}).json()
    assert summary(last["results"]) == expected(network)[6:]
    assert ada_api.get(URL, {"page_size": 3, "page": 4}).status_code == 404
