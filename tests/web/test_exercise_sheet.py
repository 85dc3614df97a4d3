"""The printable exercise sheet of an active plan: what it says, who may print it, what it logs."""

import datetime

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from audit.models import AccessRecord
from care.models import PlanStatus
from tests import factories
from tests.support.clients import web_client_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(north):
    return factories.PatientFactory(clinic=north, given_name="Maya", family_name="Quintrell", mrn="N777001")


@pytest.fixture
def plan(patient, phil):
    return factories.PlanFactory(
        patient=patient,
        muscle_group="ankle_dorsiflexion",
        side="left",
        kind="maintenance",
        prescription="Lift the foot 5 times, once a day.\nRest between.",
        started_on=datetime.date(2026, 2, 2),
        review_on=datetime.date(2026, 3, 16),
        prescribed_by=phil,
    )


def sheet_url(patient, plan):
    return reverse("web:plan_sheet", args=[patient.pk, plan.pk])


@pytest.mark.parametrize("user", ["nora", "phil", "ada"])
def test_every_role_of_the_clinic_prints_the_sheet_in_plain_words(request, patient, plan, user):
    response = web_client_of(request.getfixturevalue(user)).get(sheet_url(patient, plan))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Your exercises, Maya" in page
    assert "North" in page  # the clinic's name
    assert "Ankle dorsiflexion: lifting the foot up at the ankle, left side" in page
    assert "Keeping the muscle working (maintenance)" in page
    assert "<p>Lift the foot 5 times, once a day.<br>Rest between.</p>" in page
    assert "16 Mar 2026" in page
    assert "Working this muscle until it is exhausted can make it weaker." in page
    assert "drink water" in page
    # The sheet leaves the clinic on paper: no family name, MRN or date of birth.
    assert "Quintrell" not in page
    assert "N777001" not in page
    assert f"{patient.date_of_birth:%d %b %Y}".lstrip("0") not in page
    assert "no-store" in response["Cache-Control"]


def test_a_sided_kind_and_both_sides_read_in_words(patient, phil):
    both = factories.PlanFactory(
        patient=patient, muscle_group="hip_abduction", side="both", kind="balance", prescribed_by=phil
    )
    page = web_client_of(phil).get(sheet_url(patient, both)).content.decode()
    assert "Hip abduction: moving the leg out to the side, both sides" in page
    assert "Balance. Exercises to make you steadier on your feet." in page
    assert "sturdy chair" in page


def test_printed_the_sheet_has_no_navigation(nora, patient, plan):
    page = web_client_of(nora).get(sheet_url(patient, plan)).content.decode()
    assert "web/sheet.css" in page
    assert 'id="print-sheet"' in page
    with open(finders.find("web/sheet.css")) as stylesheet:
        css = stylesheet.read()
    printed = css[css.index("@media print") :]
    assert ".site-header" in printed and ".sheet-actions" in printed and "display: none" in printed


def test_opening_the_sheet_writes_one_read_of_the_patient(nora, patient, plan):
    web_client_of(nora).get(sheet_url(patient, plan))
    [record] = AccessRecord.objects.with_patient_ids()
    assert (record.username, record.action, record.patient_ids) == ("nora", "patient_read", [patient.pk])


def test_another_clinics_staff_find_no_sheet_and_leave_no_read(sam, patient, plan):
    response = web_client_of(sam).get(sheet_url(patient, plan))
    assert response.status_code == 404
    assert not AccessRecord.objects.exists()


def test_a_plan_under_another_patients_address_is_not_found(north, nora, patient, plan):
    other = factories.PatientFactory(clinic=north)
    assert web_client_of(nora).get(reverse("web:plan_sheet", args=[other.pk, plan.pk])).status_code == 404
    assert (
        web_client_of(nora).get(reverse("web:plan_sheet", args=[patient.pk, plan.pk + 1000])).status_code
        == 404
    )
    assert not AccessRecord.objects.exists()


def test_an_ended_plan_or_one_entered_in_error_has_no_sheet(phil, ada, patient, plan):
    client = web_client_of(phil)
    ended = factories.PlanFactory(
        patient=patient,
        prescribed_by=phil,
        started_on=datetime.date(2026, 1, 5),
        status=PlanStatus.ENDED,
        ended_on=datetime.date(2026, 2, 1),
    )
    assert client.get(sheet_url(patient, ended)).status_code == 404
    plan.mark_entered_in_error(by=phil, reason="Wrong patient.")
    assert client.get(sheet_url(patient, plan)).status_code == 404


def test_a_patient_entered_in_error_has_no_sheet(ada, patient, plan):
    patient.mark_entered_in_error(by=ada, reason="Registered twice.")
    assert web_client_of(ada).get(sheet_url(patient, plan)).status_code == 404
