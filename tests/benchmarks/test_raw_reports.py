"""The benchmark's raw SQL baselines answer the same rows as the reports they are timed against
(on PostgreSQL, inside the test's transaction: the baseline runs on Django's own connection)."""

import json
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from benchmarks import raw
from reports.queries import REPORTS, Scope
from tests.reports.test_strength import build_clinic

pytestmark = pytest.mark.django_db


def test_the_strength_baseline_answers_the_reports_rows(postgresql, north, south, nora, phil, ada, sam):
    build_clinic(north, south, nora, phil, ada, sam)
    clinic_ids = [north.pk, south.pk]
    rows = list(REPORTS["strength"].rows(Scope(clinic_ids=tuple(clinic_ids), today=timezone.localdate())))
    # Among them: north's March, whose median counts a review at 00:30 local time on 1 April.
    assert ("north", "2025-03", 2, 1, 0, 2, Decimal("8.5")) in rows
    assert {row[0] for row in rows} == {"north", "south"}

    connection.ensure_connection()
    params = {"clinics": clinic_ids, "tz": settings.TIME_ZONE}
    (baseline,) = json.loads(raw.report_strength(connection.connection, params))
    # The baseline goes through json.dumps as the endpoint's answer does: a Decimal as its text.
    as_json = [[str(value) if isinstance(value, Decimal) else value for value in row] for row in rows]
    assert [list(row.values()) for row in baseline] == as_json
    assert list(baseline[0]) == list(REPORTS["strength"].columns)
