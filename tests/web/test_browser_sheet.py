"""The exercise sheet in real Chromium: printed (the print media emulated), only the sheet shows."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories

# Chromium and the live-server browser: ``browser`` and ``web`` from tests/web/conftest.py.
pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_printed_the_sheet_shows_no_navigation_only_the_plan(web, nora, phil, north):
    patient = factories.PatientFactory(clinic=north, given_name="Maya")
    plan = factories.PlanFactory(
        patient=patient,
        kind="stretching",
        review_on=timezone.localdate() + datetime.timedelta(days=30),
        prescribed_by=phil,
    )
    web.log_in("nora")
    web.get(reverse("web:plan_sheet", args=[patient.pk, plan.pk]))
    # The Print button shows once its script has run under the Content Security Policy.
    web.wait.until(lambda d: web.find("#print-sheet").is_displayed())
    assert web.find(".site-header").is_displayed()

    web.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        printed = web.text()
        assert not web.find(".site-header").is_displayed()
        assert not web.find("#print-sheet").is_displayed()
        assert "Your exercises, Maya" in printed
        assert "Stretching" in printed and "Staying safe" in printed
        assert "Log out" not in printed and "My reminders" not in printed
    finally:
        web.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
