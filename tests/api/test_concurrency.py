"""Optimistic concurrency: a PATCH based on a stale representation (If-Match with an old
ETag) is refused with 412 and changes nothing."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from api.exceptions import exception_handler
from patients.concurrency import EditedMeanwhile
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(north_patient, nora, phil):
    return {
        "patient": (north_patient, {"given_name": "Irene"}, {"given_name": "Ines"}),
        "assessment": (
            factories.assessment_with_grades(
                north_patient,
                timezone.localdate(),
                {("grip", "left"): "4"},
                assessor=nora,
            ),
            {"notes": "First"},
            {"notes": "Second"},
        ),
        "fall": (
            factories.FallFactory(patient=north_patient, recorded_by=nora),
            {"notes": "First"},
            {"notes": "Second"},
        ),
        "device": (
            factories.DeviceFactory(patient=north_patient, prescribed_by=phil),
            {"reason": "First"},
            {"reason": "Second"},
        ),
        "referral": (
            factories.ReferralFactory(patient=north_patient, created_by=nora),
            {"reason": "First"},
            {"reason": "Second"},
        ),
        "medication": (
            factories.MedicationFactory(patient=north_patient, recorded_by=nora),
            {"dose": "5 mg"},
            {"dose": "10 mg"},
        ),
        "exercise_plan": (
            factories.PlanFactory(patient=north_patient, prescribed_by=phil),
            {"status": "ended", "ended_on": timezone.localdate().isoformat()},
            {"review_on": (timezone.localdate() + datetime.timedelta(days=7)).isoformat()},
        ),
    }


@pytest.mark.parametrize(
    "kind", ["patient", "assessment", "fall", "device", "referral", "medication", "exercise_plan"]
)
def test_a_patch_with_a_stale_etag_is_refused_and_changes_nothing(kind, records, ada_api):
    record, first, second = records[kind]
    url = reverse(f"api:{kind}-detail", kwargs={"pk": record.pk})
    original = ada_api.get(url)
    etag = original["ETag"]

    changed = ada_api.patch(url, first, format="json", HTTP_IF_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    history = record.history.count()

    stale = ada_api.patch(url, second, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert "If-Match" in stale.json()["detail"]
    after = ada_api.get(url)
    assert after.json() == changed.json()
    assert after["ETag"] == changed["ETag"]
    assert record.history.count() == history


def test_the_current_etag_a_wildcard_or_none_at_all_let_a_patch_through(north_patient, nora_api):
    url = reverse("api:patient-detail", kwargs={"pk": north_patient.pk})
    etag = nora_api.get(url)["ETag"]
    assert nora_api.patch(url, {"given_name": "A"}, format="json", HTTP_IF_MATCH=etag).status_code == 200
    assert nora_api.patch(url, {"given_name": "B"}, format="json", HTTP_IF_MATCH="*").status_code == 200
    assert nora_api.patch(url, {"given_name": "C"}, format="json").status_code == 200
    assert nora_api.get(url).json()["given_name"] == "C"


def test_a_stale_etag_is_refused_even_when_the_patch_itself_is_invalid(north_patient, nora_api):
    url = reverse("api:patient-detail", kwargs={"pk": north_patient.pk})
    response = nora_api.patch(url, {"sex": "robot"}, format="json", HTTP_IF_MATCH='"stale"')
    assert response.status_code == 412


def test_records_and_list_pages_carry_etags_of_their_own(north_patient, nora_api):
    """SPEC §4: a list page has an ETag too (for If-None-Match); it is never a record's, so an
    If-Match copied from a list is stale."""
    url = reverse("api:patient-detail", kwargs={"pk": north_patient.pk})
    detail = nora_api.get(url)
    listed = nora_api.get(reverse("api:patient-list"))
    assert detail["ETag"].startswith('"') and detail["ETag"].endswith('"')
    assert listed["ETag"].startswith('"') and listed["ETag"] != detail["ETag"]
    response = nora_api.patch(url, {"given_name": "A"}, format="json", HTTP_IF_MATCH=listed["ETag"])
    assert response.status_code == 412


def test_a_derived_field_changes_the_etag_and_an_if_match_from_before_is_stale(north_patient, nora, nora_api):
    """SPEC §4: a stale ETag is a 412 — the ETag covers what the client was shown, derived fields too."""
    url = reverse("api:patient-detail", kwargs={"pk": north_patient.pk})
    before = nora_api.get(url)
    factories.assessment_with_grades(
        north_patient, timezone.localdate(), {("grip", "left"): "4"}, assessor=nora
    )
    after = nora_api.get(url)
    assert after.json()["last_assessed_on"] != before.json()["last_assessed_on"]
    assert after["ETag"] != before["ETag"]
    stale = nora_api.patch(url, {"given_name": "Irene"}, format="json", HTTP_IF_MATCH=before["ETag"])
    assert stale.status_code == 412
    current = nora_api.patch(url, {"given_name": "Irene"}, format="json", HTTP_IF_MATCH=after["ETag"])
    assert current.status_code == 200


def test_if_match_may_list_several_etags_and_a_weak_one_never_matches(north_patient, nora_api):
    url = reverse("api:patient-detail", kwargs={"pk": north_patient.pk})
    etag = nora_api.get(url)["ETag"]
    listed = f'"stale.0", {etag}'
    assert nora_api.patch(url, {"given_name": "A"}, format="json", HTTP_IF_MATCH=listed).status_code == 200
    etag = nora_api.get(url)["ETag"]
    weak = nora_api.patch(url, {"given_name": "B"}, format="json", HTTP_IF_MATCH=f"W/{etag}")
    assert weak.status_code == 412
    assert nora_api.get(url).json()["given_name"] == "A"


def test_a_service_refusing_an_edit_made_meanwhile_is_a_412(north_patient):
    response = exception_handler(EditedMeanwhile(north_patient), {})
    assert response.status_code == 412
    assert "If-Match" in response.data["detail"]
