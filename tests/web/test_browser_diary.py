"""The patient diary in a real browser at a phone's width (SPEC §7): a nurse issues the link on
the patient's page, the patient opens it from the QR code's payload, records a day with a fall,
changes it the next day, and the physio sees it on the dashboard and in the fall-risk reminder.
axe checks every state reached (tests/web/browser.py); a screenshot of the diary at 360 px goes
to test-artifacts/diary-360.png, the physio's dashboard to
diary-dashboard.png and its diary card to diary-panel.png."""

import datetime
import re

import pytest
import segno
import time_machine
from django.urls import reverse
from django.utils import timezone

from care.models import FallEvent
from diary.models import DiaryEntry
from tests import factories

from .browser import ARTIFACTS
from .test_browser_pages import OVERFLOW_SCRIPT

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

PHONE = 360


@pytest.fixture
def iris(north, phil):
    patient = factories.PatientFactory(clinic=north, given_name="Iris", family_name="Reid", mrn="N-IRIS")
    factories.PlanFactory(
        patient=patient,
        prescribed_by=phil,
        kind="stretching",
        muscle_group="ankle_plantarflexion",
        side="both",
        started_on=datetime.date(2026, 1, 5),
        review_on=datetime.date(2026, 2, 16),
    )
    return patient


def _fits(web):
    page, window, sticking_out = web.driver.execute_script(OVERFLOW_SCRIPT)
    assert page <= window, f"the page is {page} px wide in a {window} px window: {sticking_out}"


def _choose(web, css, value):
    from selenium.webdriver.support.ui import Select

    Select(web.find(css)).select_by_value(value)


def _radio(web, name, value):
    web.find(f"input[name='{name}'][value='{value}']").click()


def test_a_patient_keeps_the_diary_on_a_phone_and_the_clinic_sees_it(web, iris, nora, phil):
    evening = timezone.make_aware(datetime.datetime(2026, 3, 10, 20, 0))
    with time_machine.travel(evening, tick=True) as traveller:
        # The nurse issues the link on the patient's page; the page shows it once, with its QR code.
        web.log_in("nora")
        web.get(reverse("web:patient_dashboard", args=[iris.pk]))
        web.find("#diary button[value='issue']").click()
        web.wait.until(lambda d: web.find_all("[data-diary-url]"))
        url = web.find("[data-diary-url]").get_attribute("value")
        qr = web.find(".diary-qr svg").get_attribute("outerHTML")
        # The QR code's payload is the address shown: segno draws exactly this code for it.
        drawn = segno.make(url, error="m").svg_inline(
            scale=6, dark="#000", light="#fff", title="QR code of the diary link", omitsize=True
        )
        assert re.findall(r' d="([^"]+)"', qr) == re.findall(r' d="([^"]+)"', drawn) != []
        path = url.removeprefix(web.base)

        # The patient, on her phone, with no account.
        web.driver.delete_all_cookies()
        web.set_width(PHONE)
        web.get(path)
        assert "Hello Iris" in web.text() and "North" in web.text()
        assert "Reid" not in web.text() and "N-IRIS" not in web.text()
        _fits(web)
        _choose(web, "#falls-count", "1")
        web.find(".diary-fall-count button").click()
        web.wait.until(lambda d: web.find_all("#id_falls-0-time"))
        time_input = web.find("#id_falls-0-time")
        time_input.send_keys("1030AM")
        assert time_input.get_attribute("value") == "10:30"
        _choose(web, "#id_falls-0-location", "home")
        _radio(web, "falls-0-injury", "minor")
        web.find("#id_falls-0-notes").send_keys("My foot caught the rug in the hall.")
        web.find("#id_near_falls").clear()
        web.find("#id_near_falls").send_keys("1")
        _choose(web, "#id_fatigue", "6")
        _radio(web, "heat_worse", "yes")
        _choose(web, "#id_spasms", "4")
        plan = iris.exercise_plans.get()
        _radio(web, f"plan_{plan.pk}", "yes")
        web.screenshot("diary-360-filled")
        web.find(".diary-save").click()
        web.wait.until(lambda d: "Saved. Thank you" in web.text())
        _fits(web)
        web.screenshot("diary-360")
        fall = FallEvent.objects.get(near_fall=False)
        assert (fall.source, fall.injury, fall.recorded_by) == ("diary", "minor", None)

        # The next day she remembers the fall hurt more than she said, and changes yesterday.
        traveller.shift(datetime.timedelta(days=1))
        web.get(path)
        web.find(".diary-days li:nth-child(2) a").click()
        web.wait.until(lambda d: "Yesterday" in web.find("[aria-current='page']").text)
        assert web.find("#id_falls-0-time").get_attribute("value") == "10:30"
        _radio(web, "falls-0-injury", "moderate")
        web.find(".diary-save").click()
        web.wait.until(lambda d: "Saved. Thank you" in web.text())
        assert FallEvent.objects.filter(near_fall=False).count() == 1  # the same fall, changed
        fall.refresh_from_db()
        assert fall.injury == "moderate"
        assert DiaryEntry.objects.get().revision == 2

        # The physio sees the diary on the dashboard and the fall-risk reminder in the inbox.
        web.driver.delete_all_cookies()
        web.set_width(1366)
        web.log_in("phil")
        web.get(reverse("web:patient_dashboard", args=[iris.pk]))
        diary = web.find("#diary").text
        assert "1 of 28" in diary and "100%" in diary
        assert "From the diary" in web.find("#falls").text
        web.screenshot("diary-dashboard")
        web.find("#diary").screenshot(str(ARTIFACTS / "diary-panel.png"))
        web.get(reverse("web:reminder_inbox"))
        assert "Reid" in web.text() and "fall" in web.text().lower()
