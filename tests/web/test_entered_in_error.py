"""Marking a record entered in error: with a reason, by whom the policy allows; never deleted."""

import datetime

import pytest
from django.urls import reverse

from assessments.models import Assessment
from patients.models import Patient
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def assessment(assessed_patient):
    return Assessment.objects.filter(patient=assessed_patient).latest_first().first()


def _url(kind, record):
    return reverse("web:entered_in_error", args=[kind, record.pk])


def test_the_author_marks_their_own_record(nora_web, nora, assessment):
    response = nora_web.get(_url("assessment", assessment))
    assert response.status_code == 200
    assert "Assessment of 10 Apr 2026" in response.content.decode()
    response = nora_web.post(_url("assessment", assessment), {"reason": "Recorded on the wrong patient"})
    assert response.status_code == 302
    assert response["Location"] == reverse("web:patient_dashboard", args=[assessment.patient_id])
    assessment.refresh_from_db()
    assert assessment.entered_in_error_by == nora
    assert assessment.entered_in_error_reason == "Recorded on the wrong patient"
    # It leaves the trends (and so the charts and alerts) but is not deleted.
    page = nora_web.get(response["Location"])
    assert "marked entered in error" in page.content.decode()
    assert page.context["trends"]["declines"] == []
    assert Assessment.objects.filter(pk=assessment.pk).exists()


def test_a_reason_is_required_and_kept(nora_web, assessment):
    response = nora_web.post(_url("assessment", assessment), {"reason": "   "})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assessment.refresh_from_db()
    assert not assessment.entered_in_error


def test_an_admin_marks_anyones_record(ada_web, ada, assessed_patient, phil):
    device = factories.DeviceFactory(patient=assessed_patient, prescribed_by=phil)
    response = ada_web.post(_url("device", device), {"reason": "Never dispensed"})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.entered_in_error_by == ada


def test_another_persons_record_is_forbidden(phil_web, assessment):
    response = phil_web.post(_url("assessment", assessment), {"reason": "Not mine"})
    assert response.status_code == 403
    assessment.refresh_from_db()
    assert not assessment.entered_in_error


def test_twice_is_a_conflict(nora_web, nora, assessment):
    assessment.mark_entered_in_error(by=nora, reason="Duplicate")
    response = nora_web.post(_url("assessment", assessment), {"reason": "Again"})
    assert response.status_code == 409
    assert "already marked entered in error" in response.content.decode()


def test_a_patient_marked_in_error_leaves_the_list(ada_web, ada, north):
    patient = factories.PatientFactory(clinic=north, family_name="Duplicate")
    response = ada_web.post(_url("patient", patient), {"reason": "Registered twice"})
    assert response.status_code == 302 and response["Location"] == reverse("web:patient_list")
    page = ada_web.get(response["Location"])
    assert "marked entered in error" in page.content.decode()
    assert patient not in [row.patient for row in page.context["rows"]]
    assert Patient.objects.get(pk=patient.pk).entered_in_error


def test_the_nurse_who_registered_a_patient_may_mark_it(nora_web, nora, north):
    from patients.services import patient_create

    patient = patient_create(
        clinic=north,
        created_by=nora,
        mrn="N-77",
        given_name="Al",
        family_name="Dup",
        date_of_birth=datetime.date(1980, 1, 1),
    )
    assert nora_web.post(_url("patient", patient), {"reason": "Registered twice"}).status_code == 302
