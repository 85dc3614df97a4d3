"""A record entered by mistake is marked, never deleted: it drops out of lists, stays
retrievable and listable with ``?include_errors=true``, and the marking is in its history."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from patients.services import patient_create
from tests import factories

pytestmark = pytest.mark.django_db

KINDS = ["patient", "assessment", "fall", "device", "referral", "medication", "exercise_plan"]


@pytest.fixture
def records(north, nora):
    """One record of each kind, all entered by Nora, for a patient Nora registered."""
    patient = patient_create(
        clinic=north,
        created_by=nora,
        mrn="E1",
        given_name="Eve",
        family_name="Ng",
        date_of_birth=datetime.date(1970, 1, 1),
    )
    other = factories.PatientFactory(clinic=north)
    return {
        "patient": patient,
        "assessment": factories.assessment_with_grades(
            other, timezone.localdate(), {("grip", "left"): "4"}, assessor=nora
        ),
        "fall": factories.FallFactory(patient=other, recorded_by=nora),
        "device": factories.DeviceFactory(patient=other, prescribed_by=nora),
        "referral": factories.ReferralFactory(patient=other, created_by=nora),
        "medication": factories.MedicationFactory(patient=other, recorded_by=nora),
        # Prescribed by Nora before she became a nurse: her own record to mark.
        "exercise_plan": factories.PlanFactory(patient=other, prescribed_by=nora),
    }


def mark(client, kind, record, reason="Entered for the wrong patient"):
    url = reverse(f"api:{kind}-entered-in-error", kwargs={"pk": record.pk})
    return client.post(url, {"reason": reason}, format="json")


def listed_ids(client, kind, **params):
    return {r["id"] for r in client.get(reverse(f"api:{kind}-list"), params).json()["results"]}


@pytest.mark.parametrize("kind", KINDS)
def test_a_marked_record_leaves_lists_but_is_kept(kind, records, nora_api):
    record = records[kind]
    assert record.pk in listed_ids(nora_api, kind)

    response = mark(nora_api, kind, record)
    assert response.status_code == 200
    body = response.json()
    assert body["entered_in_error"] is True
    assert body["entered_in_error_by"] == "nora"
    assert body["entered_in_error_reason"] == "Entered for the wrong patient"
    assert body["entered_in_error_at"]

    assert record.pk not in listed_ids(nora_api, kind)
    assert record.pk in listed_ids(nora_api, kind, include_errors="true")
    assert record.pk not in listed_ids(nora_api, kind, include_errors="false")
    retrieved = nora_api.get(reverse(f"api:{kind}-detail", kwargs={"pk": record.pk}))
    assert retrieved.status_code == 200
    assert retrieved.json()["entered_in_error"] is True

    latest = record.history.first()
    assert (latest.entered_in_error_reason, latest.history_user) == (
        "Entered for the wrong patient",
        records["patient"].history.last().history_user,
    )
    assert record.history.count() >= 2


@pytest.mark.parametrize("kind", KINDS)
def test_a_marked_record_can_be_neither_marked_again_nor_changed(kind, records, nora_api, ada_api):
    record = records[kind]
    assert mark(nora_api, kind, record).status_code == 200
    again = mark(nora_api, kind, record)
    assert again.status_code == 409
    assert "already" in again.json()["detail"]
    url = reverse(f"api:{kind}-detail", kwargs={"pk": record.pk})
    change = {
        "patient": {"given_name": "X"},
        "device": {"reason": "X"},
        "referral": {"reason": "X"},
        "exercise_plan": {"prescription": "X"},
    }.get(kind, {"notes": "X"})
    changed = ada_api.patch(url, change, format="json")
    assert changed.status_code == 409
    assert "entered in error" in changed.json()["detail"]


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_reason_is_required(reason, records, nora_api):
    response = mark(nora_api, "fall", records["fall"], reason=reason)
    assert response.status_code == 400
    assert "reason" in response.json()
    assert (
        nora_api.post(
            reverse("api:fall-entered-in-error", kwargs={"pk": records["fall"].pk}), {}, format="json"
        ).status_code
        == 400
    )


def test_nurses_and_physios_mark_only_their_own_records_and_admins_any(records, phil_api, ada_api):
    assert mark(phil_api, "fall", records["fall"]).status_code == 403
    assert mark(ada_api, "fall", records["fall"]).status_code == 200


def test_a_patient_marked_in_error_takes_no_new_records(records, nora_api):
    patient = records["patient"]
    assert mark(nora_api, "patient", patient).status_code == 200
    response = nora_api.post(
        reverse("api:fall-list"),
        {"patient": patient.pk, "occurred_at": timezone.now().isoformat()},
        format="json",
    )
    assert response.status_code == 400
    assert "patient" in response.json()


def test_a_marked_assessment_drops_out_of_the_trends(records, nora_api):
    assessment = records["assessment"]
    trends_url = reverse("api:patient-trends", kwargs={"pk": assessment.patient_id})
    assert len(nora_api.get(trends_url).json()["series"]) == 1
    mark(nora_api, "assessment", assessment)
    assert nora_api.get(trends_url).json()["series"] == []


@pytest.mark.parametrize("kind", KINDS)
def test_delete_is_not_allowed_and_the_record_stays(kind, records, ada_api):
    record = records[kind]
    response = ada_api.delete(reverse(f"api:{kind}-detail", kwargs={"pk": record.pk}))
    assert response.status_code == 405
    assert type(record).objects.filter(pk=record.pk).exists()


@pytest.mark.parametrize("kind", ["assessment", "fall", "device", "referral", "medication", "exercise_plan"])
def test_a_patient_marked_in_error_takes_their_records_out_of_lists(kind, records, ada_api):
    record = records[kind]
    assert mark(ada_api, "patient", record.patient).status_code == 200

    assert record.pk not in listed_ids(ada_api, kind)
    assert record.pk not in listed_ids(ada_api, kind, patient=record.patient.pk)
    assert record.pk in listed_ids(ada_api, kind, include_errors="true")
    retrieved = ada_api.get(reverse(f"api:{kind}-detail", kwargs={"pk": record.pk}))
    assert (retrieved.status_code, retrieved.json()["entered_in_error"]) == (200, False)
