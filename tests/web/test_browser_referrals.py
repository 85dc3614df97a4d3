"""Referrals in a real browser (tests/web/browser.py): a nurse creates and sends a referral in
one step, finds it on the physiotherapy worklist from the navigation, opens its page and
accepts it there. The worklist and the page fit a 390 px phone without sideways scrolling;
screenshots of both go to test-artifacts/."""

import pytest
from django.urls import reverse

from care.models import Referral

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

REASON = "Left foot drop since March, two falls at home: please assess for strengthening and an AFO."


def _fits(web, width):
    web.driver.set_window_size(width, 1000)
    return web.driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")


def test_a_nurse_creates_and_sends_a_referral_and_finds_it_on_the_worklist(web, nora, assessed_patient):
    from selenium.webdriver.support.ui import Select

    web.log_in("nora")
    web.get(reverse("web:patient_dashboard", args=[assessed_patient.pk]))
    web.driver.find_element(web.By.LINK_TEXT, "New referral").click()
    Select(web.find("#id_to_service")).select_by_visible_text("Physiotherapy")
    web.find("#id_reason").send_keys(REASON)
    web.find("button[value=send]").click()
    web.wait.until(lambda d: "Referral to physiotherapy created and sent." in web.text())
    referral = Referral.objects.get()
    assert referral.status == "sent"

    web.find("nav.main-nav a[href='/referrals/']").click()
    web.driver.find_element(web.By.LINK_TEXT, "Referrals to physiotherapy").click()
    web.wait.until(lambda d: "Referrals to physiotherapy, oldest first" in web.text())
    row = web.find(".referrals-table tbody tr")
    assert "Lovelace, Ada" in row.text and REASON in row.text and "Sent" in row.text
    web.screenshot("referral-worklist-1366")
    assert _fits(web, 390)
    web.screenshot("referral-worklist-390")
    web.driver.set_window_size(1366, 1000)

    web.find(f".referrals-table a[href='{reverse('web:referral_page', args=[referral.pk])}']").click()
    web.wait.until(lambda d: "Move the referral on" in web.text())
    assert REASON in web.find(".referral-reason").text
    web.driver.find_element(web.By.XPATH, "//button[normalize-space()='Accept']").click()
    web.wait.until(lambda d: "Referral to physiotherapy is now accepted." in web.text())
    assert web.driver.current_url.endswith(reverse("web:referral_page", args=[referral.pk]))
    history = web.find(".status-history").text
    assert "created as draft, by nora" in history and "Sent → Accepted, by nora" in history
    web.screenshot("referral-page-1366")
    assert _fits(web, 390)
    web.screenshot("referral-page-390")
    web.driver.set_window_size(1366, 1000)
    referral.refresh_from_db()
    assert referral.status == "accepted"


def test_enter_in_a_field_of_the_referral_form_saves_a_draft_and_sends_nothing(web, nora, assessed_patient):
    """A pre-filled referral (a finding's one click) goes to the service only by its button:
    Enter in a field saves a draft, with or without JavaScript."""
    from selenium.webdriver.common.keys import Keys

    web.log_in("nora")
    url = reverse("web:referral_new", args=[assessed_patient.pk])
    for scripts_off, field in ((False, "#id_referred_on"), (True, "#id_due_by")):
        web.driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": scripts_off})
        try:
            web.get(f"{url}?to_service=orthotics&reason=Foot+drop")
            web.find(field).send_keys(Keys.ENTER)
            web.wait.until(lambda d: "Referral to orthotics created as a draft." in web.text())
        finally:
            web.driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})
    assert list(Referral.objects.values_list("status", flat=True)) == ["draft", "draft"]


@pytest.mark.parametrize("second_click_after_ms", [0, 20])
def test_a_double_click_on_create_and_send_creates_and_sends_one_referral(
    web, nora, assessed_patient, second_click_after_ms
):
    web.log_in("nora")
    web.get(
        reverse("web:referral_new", args=[assessed_patient.pk]) + "?to_service=orthotics&reason=Foot+drop"
    )
    web.driver.execute_script(
        "const send = document.querySelector('button[value=send]');"
        "send.click(); setTimeout(() => send.click(), arguments[0]);",
        second_click_after_ms,
    )
    web.wait.until(lambda d: "Referral to orthotics created and sent." in web.text())
    assert web.text().count("created and sent") == 1
    assert list(Referral.objects.values_list("status", flat=True)) == ["sent"]
