"""Free text typed on the pages is bounded as it is through the API: 10,000 characters."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment
from care.models import DevicePrescription, FallEvent, Referral
from tests import factories

from .test_assessment_form import grid

pytestmark = pytest.mark.django_db

LIMIT = 10_000
TODAY = timezone.localdate()


def _forms(patient):
    """(url, base data, the bounded field, the model a save adds to) for each page with free text."""
    return {
        "assessment notes": (
            reverse("web:assessment_new", args=[patient.pk]),
            grid({("grip", "left"): "4"}),
            "notes",
            Assessment,
        ),
        "fall notes": (
            reverse("web:fall_new", args=[patient.pk]),
            {
                "occurred_at": f"{TODAY - datetime.timedelta(days=1)}T10:00",
                "injury": "none",
                "location": "home",
                "device_in_use": "none",
            },
            "notes",
            FallEvent,
        ),
        "device reason": (
            reverse("web:device_new", args=[patient.pk]),
            {
                "device_type": "cane",
                "side": "na",
                "prescribed_on": TODAY.isoformat(),
                "review_due_on": (TODAY + datetime.timedelta(days=30)).isoformat(),
            },
            "reason",
            DevicePrescription,
        ),
        "referral reason": (
            reverse("web:referral_new", args=[patient.pk]),
            {"to_service": "gp", "urgency": "routine", "referred_on": TODAY.isoformat()},
            "reason",
            Referral,
        ),
    }


@pytest.mark.parametrize("form", ["assessment notes", "fall notes", "device reason", "referral reason"])
def test_a_record_form_takes_10000_characters_and_refuses_more(ada_web, assessed_patient, form):
    url, data, field, model = _forms(assessed_patient)[form]
    before = model.objects.count()
    response = ada_web.post(url, {**data, field: "x" * (LIMIT + 1)})
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [
        f"Ensure this value has at most {LIMIT} characters (it has {LIMIT + 1})."
    ]
    assert model.objects.count() == before
    assert ada_web.post(url, {**data, field: "x" * LIMIT}).status_code == 302
    assert model.objects.count() == before + 1


def test_the_entered_in_error_reason_is_bounded_too(nora_web, nora, assessed_patient):
    fall = factories.FallFactory(patient=assessed_patient, recorded_by=nora)
    url = reverse("web:entered_in_error", args=["fall", fall.pk])
    response = nora_web.post(url, {"reason": "x" * (LIMIT + 1)})
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    fall.refresh_from_db()
    assert not fall.entered_in_error
    assert nora_web.post(url, {"reason": "x" * LIMIT}).status_code == 302
