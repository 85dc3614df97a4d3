"""Devices: active prescriptions by clinic and type, with reviews due and patients."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db
URL = reverse("api:report-devices")


def test_active_prescriptions_by_type_by_hand(network, ada_api):
    rows = ada_api.get(URL).json()["results"]
    # The discontinued AFO and the one entered in error do not count; nor does south's.
    assert rows == [
        {"clinic": "north", "device_type": "afo", "active": 2, "review_due": 1, "patients": 1},
        {"clinic": "north", "device_type": "cane", "active": 1, "review_due": 1, "patients": 1},
    ]


def test_the_date_range_selects_by_prescription_date(network, ada_api):
    rows = ada_api.get(URL, {"from": network.today, "to": network.today}).json()["results"]
    assert rows == [{"clinic": "north", "device_type": "afo", "active": 2, "review_due": 1, "patients": 1}]
