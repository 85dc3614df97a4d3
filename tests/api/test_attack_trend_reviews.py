"""Attacks on the trend reviews API (SPEC §2 Trend review, §4 ``patients/{id}/reviews/``, §5
access log) beyond tests/api/test_reviews.py."""

import pytest
from django.urls import reverse

from audit.models import AccessRecord
from tests import factories

pytestmark = pytest.mark.django_db


def reviews_url(patient):
    return reverse("api:patient-reviews", kwargs={"pk": patient.pk})


def logged_since(before):
    return [
        (record.action, record.patient_ids)
        for record in AccessRecord.objects.with_patient_ids().order_by("id")[before:]
    ]


def test_listing_a_patients_reviews_logs_that_patient_even_when_there_is_none(nora_api, north):
    # The patient is in the path, not in the query: without them the record would say nothing
    # of whose reviews were read.
    patient = factories.PatientFactory(clinic=north)
    before = AccessRecord.objects.count()
    assert nora_api.get(reviews_url(patient)).json()["count"] == 0
    assert logged_since(before) == [("patient_list", [patient.pk])]
