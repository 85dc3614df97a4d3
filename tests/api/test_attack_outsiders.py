"""Attacks from another clinic on the API's record routes (every one reads through a selector
now): whatever the method, an outsider cannot tell a record of north's from an id that does not
exist — same status, body and headers — and changes and reads nothing."""

import json

import pytest
from django.urls import reverse

from audit.models import AccessRecord
from tests.support.clients import api_client_of

from . import test_permission_matrix as matrix
from .test_permission_matrix import EXPECTED, RECORD_ROUTES, body_of, url_of

# The permission matrix's records of north's, each entered by its staff, and the bodies they take.
world = matrix.world

OUTSIDER = 4
MISSING = 10**6


def _expected_status(name, method):
    if method == "OPTIONS":
        return 200  # the route's description, the same for every id
    return EXPECTED[name]["GET" if method == "HEAD" else method][OUTSIDER]


def _missing(records):
    """The same records' ids, each one that no record has."""
    return {kind: "nowhere" if kind == "clinic" else pk + MISSING for kind, pk in records.items()}


def _answer(response):
    headers = {name: response.get(name) for name in ("Content-Type", "Allow", "ETag", "Cache-Control")}
    return response.status_code, response.content, headers


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS", "POST", "PATCH", "PUT", "DELETE"])
@pytest.mark.parametrize("name", RECORD_ROUTES)
def test_an_outsider_cannot_tell_a_record_of_another_clinic_from_a_missing_one(name, method, world, sam):
    records, bodies, _ = world
    outsider = api_client_of(sam)
    body = json.dumps(body_of(name, bodies, sam))

    def ask(url):
        return outsider.generic(method, url, body, content_type="application/json", HTTP_IF_MATCH="*")

    existing, missing = ask(url_of(name, records)), ask(url_of(name, _missing(records)))
    assert existing.status_code == _expected_status(name, method)
    assert _answer(existing) == _answer(missing)
    assert not AccessRecord.objects.exists()


def test_an_outsider_changes_nothing_on_any_record_route(world, sam, nora):
    records, bodies, _ = world
    nurse, outsider = api_client_of(nora), api_client_of(sam)
    shown = {
        kind: reverse(f"api:{kind}-detail", kwargs={"pk": pk})
        for kind, pk in records.items()
        if kind not in ("clinic", "review", "trend_review")  # a device review is shown in its device
    }
    shown["trend_review"] = reverse(
        "api:patient-review", kwargs={"pk": records["patient"], "review_id": records["trend_review"]}
    )
    before = {kind: nurse.get(url).json() for kind, url in shown.items()}
    for name in RECORD_ROUTES:
        for method in ("POST", "PATCH", "PUT", "DELETE"):
            body = json.dumps(body_of(name, bodies, sam))
            outsider.generic(method, url_of(name, records), body, content_type="application/json")
    assert {kind: nurse.get(url).json() for kind, url in shown.items()} == before


@pytest.mark.parametrize(
    "kind", ["assessment", "fall", "device", "referral", "medication", "exercise_plan", "diary_entry"]
)
def test_filtering_a_list_by_another_clinics_patient_matches_nothing_as_a_missing_one(kind, world, sam):
    records, _, _ = world
    outsider = api_client_of(sam)
    url = reverse(f"api:{kind}-list")
    existing = outsider.get(url, {"patient": records["patient"]})
    missing = outsider.get(url, {"patient": records["patient"] + MISSING})
    assert existing.status_code == 200 and existing.json()["results"] == []
    assert _answer(existing) == _answer(missing)
    # The two empty reads are logged alike, naming no patient.
    assert [record.patient_ids for record in AccessRecord.objects.with_patient_ids()] == [[], []]


@pytest.mark.parametrize(
    "kind",
    [
        "patient",
        "assessment",
        "fall",
        "device",
        "referral",
        "reminder",
        "medication",
        "exercise_plan",
        "diary_entry",
    ],
)
def test_no_query_string_lists_another_clinics_records(kind, world, sam):
    records, _, _ = world
    outsider = api_client_of(sam)
    # Only patients are filtered by clinic, and reminders are no clinical records: elsewhere these
    # are unknown parameters (400, tests/api/test_bad_input.py).
    clinic = [{"clinic": "north"}] if kind == "patient" else []
    errors_too = [] if kind == "reminder" else [{"include_errors": "true"}]
    for query in ({}, *errors_too, *clinic, {"page_size": 500}):
        response = outsider.get(reverse(f"api:{kind}-list"), query)
        assert response.status_code == 200, query
        assert response.json()["count"] == 0, query
    assert all(record.patient_ids == [] for record in AccessRecord.objects.with_patient_ids())
