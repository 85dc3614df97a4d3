"""The Django admin's pages of clinical records write the access log like the API and the pages."""

import pytest
from django.contrib.admin.utils import quote
from django.urls import reverse

from audit.models import AccessRecord
from tests import factories
from tests.support.clients import web_client_of

from .conftest import only_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(north, south):
    north_patients = [factories.PatientFactory(clinic=north) for _ in range(2)]
    fall = factories.FallFactory(patient=north_patients[1])
    south_patient = factories.PatientFactory(clinic=south)
    return north_patients, fall, south_patient


def test_a_change_list_records_the_patients_it_showed(ada, records):
    north_patients, _, _ = records
    web_client_of(ada).get(reverse("admin:patients_patient_changelist"))
    record = only_record()
    assert (record.username, record.action) == ("ada", "patient_list")
    assert sorted(record.patient_ids) == sorted(p.pk for p in north_patients)


def test_a_record_page_and_its_history_record_the_patient_read(ada, records):
    _, fall, _ = records
    admin = web_client_of(ada)
    for url in (
        reverse("admin:care_fallevent_change", args=[quote(fall.pk)]),
        reverse("admin:care_fallevent_history", args=[quote(fall.pk)]),
        reverse("admin:care_fallevent_simple_history", args=[quote(fall.pk), fall.history.earliest().pk]),
    ):
        before = AccessRecord.objects.count()
        assert admin.get(url).status_code == 200
        assert AccessRecord.objects.count() == before + 1, url
        record = AccessRecord.objects.with_patient_ids().order_by("-pk").first()
        assert (record.action, record.patient_ids) == ("patient_read", [fall.patient_id]), url


def test_another_clinics_record_answers_404_and_records_nothing(ada, records):
    _, _, south_patient = records
    response = web_client_of(ada).get(reverse("admin:patients_patient_change", args=[south_patient.pk]))
    assert response.status_code == 404
    assert not AccessRecord.objects.exists()
