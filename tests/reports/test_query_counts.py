"""Each report costs a fixed number of queries, whatever the number of clinics, patients,
months or rows: the figures come from GROUP BY queries, not from a query per row."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.services import trend_review_record
from patients.models import StaffMembership
from reports.queries import REPORTS
from tests import factories

pytestmark = pytest.mark.django_db

# Authentication (token, user), the role, the clinics, then the report's own queries.
BUDGET = {"caseload": 5, "overdue": 6, "falls": 6, "referrals": 5, "devices": 5, "strength": 6}
# The access record: its row and its clinics, in a savepoint (the test runs in a transaction).
ACCESS_LOG = 4


def grow(ada, phil):
    """More clinics, MS types, months, services, device types and reviews: more rows in every report."""
    for n in range(3):
        clinic = factories.ClinicFactory(code=f"extra{n}")
        StaffMembership.objects.create(user=ada, clinic=clinic)
        for ms_type in ("RRMS", "PPMS", "CIS"):
            patient = factories.PatientFactory(clinic=clinic, ms_type=ms_type)
            factories.AssessmentFactory(
                patient=patient, assessed_on=timezone.localdate() - datetime.timedelta(200)
            )
            trend_review_record(patient=patient, by=phil, note="Grip steady.")
            for month in range(1, 7):
                factories.FallFactory(
                    patient=patient, occurred_at=timezone.now() - datetime.timedelta(days=31 * month)
                )
            for service in ("gp", "neurology"):
                factories.ReferralFactory(patient=patient, to_service=service)
            for device_type in ("cane", "walker"):
                factories.DeviceFactory(patient=patient, device_type=device_type, prescribed_by=phil)


@pytest.mark.parametrize("name", REPORTS)
@pytest.mark.parametrize("format", ["json", "csv"])
def test_a_bigger_network_costs_no_more_queries(name, format, network, ada, phil, ada_api):
    url = reverse(f"api:report-{name}")

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = ada_api.get(url, {"format": format, "page_size": 50})
            assert response.status_code == 200
            if format == "csv":
                rows = b"".join(response.streaming_content).count(b"\n")
            else:
                rows = len(response.json()["results"])
        return len(queries), rows

    small, small_rows = count()
    grow(ada, phil)
    big, big_rows = count()
    assert big_rows > small_rows
    assert small == big
    assert big <= BUDGET[name] + ACCESS_LOG
