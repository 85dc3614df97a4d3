"""The pages in a real browser (tests/web/browser.py: Debian's headless Chromium).

A nurse finds a patient and records a whole MMT assessment with the keyboard alone, then sees
the new point in the chart; a physio prescribes an AFO; a walk time typed with a decimal comma
is stored as meant; a nurse of clinic south gets the 404 page for a north patient. Screenshots
of the dashboard and the grid go to test-artifacts/.

Every test also fails if the browser's console reports a Content Security Policy violation on
any page it visited (SPEC §5): the policy must break nothing the pages do.
"""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.grades import MuscleGroup
from assessments.models import Assessment, SpasticityScore, TrendReview
from care.models import DevicePrescription
from tests import factories

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

# The grades the nurse types, row by row: (left, right).
TYPED = {
    MuscleGroup.SHOULDER_ABDUCTION: ("5", "5"),
    MuscleGroup.ELBOW_FLEXION: ("5", "4+"),
    MuscleGroup.ELBOW_EXTENSION: ("4", "5"),
    MuscleGroup.WRIST_EXTENSION: ("5", "5"),
    MuscleGroup.GRIP: ("4+", "5"),
    MuscleGroup.HIP_FLEXION: ("4-", "4"),
    MuscleGroup.HIP_EXTENSION: ("4", "4+"),
    MuscleGroup.HIP_ABDUCTION: ("4", "4"),
    MuscleGroup.KNEE_EXTENSION: ("4", "5"),
    MuscleGroup.KNEE_FLEXION: ("3+", "4"),
    MuscleGroup.ANKLE_DORSIFLEXION: ("2", "5"),
    MuscleGroup.ANKLE_PLANTARFLEXION: ("3", "4+"),
}


def test_a_nurse_records_a_full_assessment_with_the_keyboard_and_sees_it_charted(
    web, nora, assessed_patient, north
):
    from selenium.webdriver.common.keys import Keys

    factories.PatientFactory(clinic=north, given_name="Charles", family_name="Babbage", mrn="N-0002")
    web.log_in("nora")

    # Find the patient: the list narrows as she types (htmx), then she opens the dashboard.
    web.find("#id_q").send_keys("lovel")
    web.wait.until(lambda d: "Babbage" not in web.find("#patient-results").text)
    assert "1 patient" in web.find("#patient-results").text
    web.find("#patient-results a[href*='/patients/']").click()
    web.wait.until(
        lambda d: d.execute_script("return document.documentElement.dataset.chartsReady") == "true"
    )
    before = web.chart_points("ankle_dorsiflexion")
    assert before["left"] == [["2026-01-10", "4", 12], ["2026-04-10", "3-", 8]]

    web.find(f"a[href='{reverse('web:assessment_new', args=[assessed_patient.pk])}']").click()
    web.wait.until(lambda d: web.find_all("#id_edss"))

    # Keyboard only from the first field on: the page opens on the date (today's), then EDSS,
    # walk time and the grid in order, left then right; W reaches a weakness type.
    assert web.active_id() == "id_assessed_on"
    web.keys(Keys.TAB, "3.5", Keys.TAB, "8.4", Keys.TAB)
    assert web.active_id() == "id_shoulder_abduction_left_grade"
    for group, (left, right) in TYPED.items():
        assert web.active_id() == f"id_{group}_left_grade"
        web.keys(left)
        if group == MuscleGroup.GRIP:
            web.keys("w")
            assert web.active_id() == f"id_{group}_left_weakness"
            web.keys("s")  # type to choose in a select: "s" is Secondary
        web.keys(Keys.TAB)
        assert web.active_id() == f"id_{group}_right_grade"
        web.keys(right, Keys.TAB)
    assert web.active_id() == "spasticity-toggle"  # closed: Tab passes over its scores
    web.keys(Keys.TAB)
    assert web.active_id() == "id_notes"
    web.keys("Foot drop worse on the left", Keys.TAB)
    assert web.driver.switch_to.active_element.text == "Save assessment"
    web.screenshot("mmt-grid-filled")
    web.keys(Keys.ENTER)

    # The left ankle plantarflexion went from 5 to 3, two whole grades: the page asks first,
    # with everything typed kept; she ticks the box and saves again.
    web.wait.until(lambda d: web.find_all("#confirm-grade-jumps"))
    assert "Ankle plantarflexion, left: 3, from 5 on 10 Apr 2026." in web.find("#confirm-grade-jumps").text
    assert web.find("#id_elbow_flexion_right_grade").get_attribute("value") == "4+"
    web.find("#id_confirm_grade_jumps").send_keys(Keys.SPACE)
    assert web.find("#id_confirm_grade_jumps").is_selected()
    web.keys(Keys.TAB, Keys.ENTER)

    web.wait.until(lambda d: "Assessment of" in web.text() and "recorded" in web.text())
    web.wait.until(
        lambda d: d.execute_script("return document.documentElement.dataset.chartsReady") == "true"
    )
    today = timezone.localdate().isoformat()

    # The new point is in the page's data and in the chart that was drawn from it.
    data = web.json_script("trend-data")
    ankle = next(
        s for s in data["series"] if (s["muscle_group"], s["side"]) == ("ankle_dorsiflexion", "left")
    )
    assert ankle["points"][-1] == {"assessed_on": today, "grade": "2", "thirds": 6}
    after = web.chart_points("ankle_dorsiflexion")
    assert after["left"] == [*before["left"], [today, "2", 6]]
    assert after["right"][-1] == [today, "5", 15]
    assert web.chart_points("grip")["left"][-1] == [today, "4+", 13]
    # Declines against the previous assessment (all 5 but the left ankle): 5 → 4 is one, but
    # the left ankle's 3- → 2 is two thirds, short of a whole grade.
    declined = {(d["muscle_group"], d["side"]) for d in data["declines"]}
    assert ("knee_flexion", "left") in declined and ("elbow_extension", "left") in declined
    assert ("ankle_dorsiflexion", "left") not in declined and ("grip", "left") not in declined
    assert "knee_flexion" in web.find(".chart-card.has-decline").get_attribute("data-muscle-group") or any(
        card.get_attribute("data-muscle-group") == "knee_flexion"
        for card in web.find_all(".chart-card.has-decline")
    )
    # MRC sum in whole grades: shoulder 5+5, elbow flexion 5+4, wrist 5+5, hip flexion 4+4,
    # knee extension 4+5, ankle dorsiflexion 2+5.
    assert data["mrc_sum"][-1] == {"assessed_on": today, "score": 53}

    saved = Assessment.objects.latest_first().filter(patient=assessed_patient).first()
    assert saved.scores.count() == 24 and str(saved.edss) == "3.5"
    assert saved.scores.get(muscle_group="grip", side="left").weakness_type == "secondary"
    assert saved.notes == "Foot drop worse on the left"
    web.screenshot("dashboard-after-assessment")


# The Modified Ashworth scores a physio types, by muscle group: (left, right); blank is not scored.
MAS_TYPED = {
    MuscleGroup.HIP_FLEXION: ("1+", ""),
    MuscleGroup.KNEE_FLEXION: ("2", "1"),
    MuscleGroup.ANKLE_PLANTARFLEXION: ("3", "0"),
}


def test_a_physio_opens_the_spasticity_section_and_types_scores_with_the_keyboard(
    web, phil, assessed_patient
):
    from selenium.webdriver.common.keys import Keys

    web.log_in("phil")
    web.get(reverse("web:assessment_new", args=[assessed_patient.pk]))
    web.wait.until(lambda d: web.find_all("#id_edss"))
    toggle = web.find("#spasticity-toggle")
    assert toggle.find_element(web.By.XPATH, "..").get_attribute("open") is None
    assert not web.find("#id_shoulder_abduction_left_mas").is_displayed()

    # The last grade of the grid, then Tab onto the closed section and Enter to open it.
    web.find("#id_ankle_plantarflexion_right_grade").click()
    web.keys("4", Keys.TAB)
    assert web.active_id() == "spasticity-toggle"
    web.keys(Keys.ENTER)
    assert toggle.find_element(web.By.XPATH, "..").get_attribute("open") == "true"
    web.keys(Keys.TAB)
    for group in MuscleGroup:
        for side, typed in zip(("left", "right"), MAS_TYPED.get(group, ("", "")), strict=True):
            assert web.active_id() == f"id_{group}_{side}_mas"
            web.keys(typed, Keys.TAB)
    assert web.active_id() == "id_notes"
    web.keys("Tone up in the left leg", Keys.TAB)
    assert web.driver.switch_to.active_element.text == "Save assessment"
    web.screenshot("mmt-grid-spasticity")
    web.keys(Keys.ENTER)

    web.wait.until(lambda d: "Assessment of" in web.text() and "recorded" in web.text())
    saved = Assessment.objects.get(patient=assessed_patient, notes="Tone up in the left leg")
    stored = {(s.muscle_group, s.side): s.mas for s in SpasticityScore.objects.filter(assessment=saved)}
    # Steps: 0 → 0, 1 → 1, 1+ → 2, 2 → 3, 3 → 4.
    assert stored == {
        ("hip_flexion", "left"): 2,
        ("knee_flexion", "left"): 3,
        ("knee_flexion", "right"): 1,
        ("ankle_plantarflexion", "left"): 4,
        ("ankle_plantarflexion", "right"): 0,
    }


def test_a_wrong_spasticity_score_is_named_and_its_section_shown_open(web, phil, assessed_patient):
    from selenium.webdriver.common.keys import Keys

    web.log_in("phil")
    web.get(reverse("web:assessment_new", args=[assessed_patient.pk]))
    web.find("#id_ankle_plantarflexion_right_grade").click()
    web.keys("4", Keys.TAB, Keys.SPACE, Keys.TAB, "1", Keys.TAB, "5")
    web.find(".form-actions button[type=submit]").click()
    web.wait.until(lambda d: web.find_all(".error-summary"))
    assert (
        "Shoulder abduction, right: spasticity (MAS): “5” is not a Modified Ashworth score. "
        "Allowed: 0, 1, 1+, 2, 3, 4." in web.text()
    )
    assert web.find("#id_shoulder_abduction_right_mas").is_displayed()
    assert web.find("#id_shoulder_abduction_right_mas").get_attribute("aria-invalid") == "true"
    assert web.find("#id_shoulder_abduction_left_mas").get_attribute("value") == "1"
    assert Assessment.objects.filter(patient=assessed_patient).count() == 2  # nothing saved


def test_the_grid_keeps_what_was_typed_when_a_grade_is_wrong(web, nora, assessed_patient):
    from selenium.webdriver.common.keys import Keys

    web.log_in("nora")
    web.get(reverse("web:assessment_new", args=[assessed_patient.pk]))
    web.find("#id_shoulder_abduction_left_grade").click()
    web.keys("4", Keys.TAB, "7", Keys.TAB, "3+", Keys.ENTER)
    assert web.active_id() == "id_elbow_flexion_right_grade"  # Enter moves on: nothing is sent
    web.find(".form-actions button[type=submit]").click()
    web.wait.until(lambda d: web.find_all(".error-summary"))
    assert "“7” is not an MRC grade" in web.text()
    assert web.find("#id_shoulder_abduction_left_grade").get_attribute("value") == "4"
    assert web.find("#id_shoulder_abduction_right_grade").get_attribute("value") == "7"
    assert web.find("#id_shoulder_abduction_right_grade").get_attribute("aria-invalid") == "true"
    assert web.find("#id_elbow_flexion_left_grade").get_attribute("value") == "3+"
    web.screenshot("mmt-grid-error")


def test_a_physio_prescribes_an_afo(web, phil, assessed_patient):
    from selenium.webdriver.support.ui import Select

    web.log_in("phil")
    web.get(reverse("web:patient_dashboard", args=[assessed_patient.pk]))
    web.find(f"a[href='{reverse('web:device_new', args=[assessed_patient.pk])}']").click()
    web.wait.until(lambda d: web.find_all("#id_device_type"))
    Select(web.find("#id_device_type")).select_by_value("afo")
    Select(web.find("#id_side")).select_by_visible_text("Left")
    review = timezone.localdate() + timedelta(weeks=12)
    web.find("#id_review_due_on").send_keys(review.strftime("%m%d%Y"))  # Chromium's en-US date field
    assert web.find("#id_review_due_on").get_attribute("value") == review.isoformat()
    web.find("#id_reason").send_keys("Foot drop, left")
    web.find("form.record-form button[type=submit]").click()

    web.wait.until(lambda d: "Ankle-foot orthosis (AFO) prescribed." in web.text())
    assert "Ankle-foot orthosis (AFO) (Left)" in web.find(".summary").text
    device = DevicePrescription.objects.get(patient=assessed_patient)
    assert (device.device_type, device.side, device.prescribed_by, device.review_due_on) == (
        "afo",
        "left",
        phil,
        review,
    )


def test_a_physio_marks_the_findings_reviewed(web, phil, assessed_patient):
    dashboard = reverse("web:patient_dashboard", args=[assessed_patient.pk])
    web.log_in("phil")
    web.get(dashboard)
    decline = web.find("#alerts-title + ul li")
    assert (
        decline.text
        == "Decline: Ankle dorsiflexion, left: 4 → 3- (10 Jan 2026 to 10 Apr 2026) New: never reviewed"
    )
    assert "Not reviewed yet" in web.find("#review").text

    # An empty note: the review page says what is missing, and nothing is recorded.
    web.find("#review button[type=submit]").click()
    web.wait.until(lambda d: web.find_all(".error-summary"))
    assert "Review note: This field is required." in web.find(".error-summary").text
    assert web.find("#id_note").get_attribute("aria-invalid") == "true"
    assert not TrendReview.objects.exists()

    web.find("#id_note").send_keys("Left ankle weaker; AFO discussed with the patient.")
    web.find("form.record-form button[type=submit]").click()
    web.wait.until(lambda d: "Review recorded, as of the assessment of 10 Apr 2026." in web.text())
    assert web.driver.current_url == web.base + dashboard
    review = web.find("#review").text
    assert "Latest assessment, 10 Apr 2026: ✓ Reviewed" in review and "Not reviewed yet" not in review
    assert "by phil, of the assessment of 10 Apr 2026:" in review
    assert "Left ankle weaker; AFO discussed with the patient." in review
    decline = web.find("#alerts-title + ul li")
    assert decline.text == "Decline: Ankle dorsiflexion, left: 4 → 3- (10 Jan 2026 to 10 Apr 2026)"
    assert "New" not in web.find(".alerts").text
    saved = TrendReview.objects.get()
    assert (saved.reviewed_by, saved.assessment.assessed_on) == (phil, date(2026, 4, 10))
    web.screenshot("dashboard-reviewed")


def test_a_south_nurse_cannot_open_a_north_patient(web, sam, assessed_patient):
    web.log_in("sam")
    web.get(reverse("web:patient_dashboard", args=[assessed_patient.pk]))
    assert "Page not found" in web.text()
    assert "Lovelace" not in web.driver.page_source
    assert web.driver.title.startswith("Not found")


def test_acknowledging_a_reminder_updates_the_row_and_the_count_in_place(web, nora, assessed_patient):
    reminder = factories.ReminderFactory(patient=assessed_patient)
    reminder.recipients.add(nora)
    web.log_in("nora")
    web.get(reverse("web:reminder_inbox"))
    assert web.find("#reminder-count").get_attribute("textContent") == "(1 open)"
    web.driver.execute_script("window.__samePage = true")
    web.find(f"#reminder-{reminder.pk} button").click()
    row = f"#reminder-{reminder.pk}"
    web.wait.until(
        lambda d: d.execute_script("return document.querySelector(arguments[0]).textContent", row).count(
            "Acknowledged"
        )
    )
    assert web.driver.execute_script("return window.__samePage") is True  # no reload: htmx swapped it
    assert web.find("#reminder-count").get_attribute("textContent") == "(0 open)"
    # The inbox's own counts were swapped too.
    tabs = web.find("#reminder-tabs").text
    assert "Open (0)" in tabs and "Acknowledged (1)" in tabs
    reminder.refresh_from_db()
    assert reminder.status == "acknowledged"


def test_every_main_page_works_under_the_content_security_policy(web, nora, ada, assessed_patient, north):
    """The pages with their charts and htmx, Swagger UI and the Django admin: nothing refused."""
    factories.PatientFactory(clinic=north, given_name="Charles", family_name="Babbage", mrn="N-0002")
    factories.ReminderFactory(patient=assessed_patient).recipients.add(nora)
    web.log_in("nora")
    assert web.csp_violations() == []

    # The patient list narrows through htmx (which runs without eval under the policy).
    web.find("#id_q").send_keys("lovel")
    web.wait.until(lambda d: "Babbage" not in web.find("#patient-results").text)
    assert "Lovelace" in web.find("#patient-results").text
    assert web.csp_violations() == []

    web.get(reverse("web:patient_dashboard", args=[assessed_patient.pk]))
    assert web.wait_for_chart("chart-ankle_dorsiflexion") == "line"
    assert web.wait_for_chart("chart-mrc-sum") == "line"
    assert web.csp_violations() == []

    web.get(reverse("web:assessment_new", args=[assessed_patient.pk]))
    web.wait.until(lambda d: web.find_all("#id_shoulder_abduction_left_grade"))
    assert web.csp_violations() == []

    web.get(reverse("web:reminder_inbox"))
    assert web.find("#reminder-count").get_attribute("textContent") == "(1 open)"
    assert web.csp_violations() == []

    # Swagger UI draws the schema with its init script served as a file of its own.
    web.get(reverse("api:docs"))
    web.wait.until(lambda d: "MS Strength Clinic API" in web.text() and web.find_all(".opblock"))
    assert web.csp_violations() == []

    # A clinic admin's report page (charts) and the Django admin.
    web.sign_in_with_second_factor(ada)
    web.get(reverse("web:reports"))
    assert web.wait_for_chart("chart-caseload") == "bar"
    assert web.csp_violations() == []
    for page, expected in (
        (reverse("admin:index"), "Site administration"),
        (reverse("admin:patients_patient_changelist"), "Lovelace"),
        (reverse("admin:patients_patient_change", args=[assessed_patient.pk]), "Lovelace"),
        (reverse("admin:patients_patient_history", args=[assessed_patient.pk]), "Lovelace"),
    ):
        web.get(page)
        assert expected in web.text(), page
        assert web.csp_violations() == [], page


def test_the_browser_refuses_inline_code_and_eval_and_reports_it(web, nora):
    """The policy is enforced, and the console check above would see a breach."""
    web.log_in("nora")
    web.driver.execute_script(
        """
        const script = document.createElement("script");
        script.textContent = "window.inlineScriptRan = true";
        document.head.appendChild(script);
        const style = document.createElement("style");
        style.textContent = "main { display: none }";
        document.head.appendChild(style);
        // Later, as page code: WebDriver's own scripts may evaluate strings.
        setTimeout(() => {
            try {
                window.eval("1");
                window.evalResult = "ran";
            } catch (error) {
                window.evalResult = error.name;
            }
        }, 0);
        """
    )
    web.wait.until(lambda d: d.execute_script("return window.evalResult"))
    assert web.driver.execute_script("return window.evalResult") == "EvalError"
    assert web.driver.execute_script("return window.inlineScriptRan === undefined")
    assert web.find("main").is_displayed()
    # Chromium reports both refusals in the console, maybe a moment later: what the check
    # after every test reads.
    violations = []
    web.wait.until(lambda d: violations.extend(web.csp_violations()) or len(violations) >= 2)
    assert any("script-src" in message for message in violations), violations
    assert any("style-src" in message for message in violations), violations


def test_a_decimal_comma_is_stored_as_the_number_meant_and_4_plus_is_refused_in_words(
    web, nora, assessed_patient
):
    """Chromium's own number box would send "8,4" as 84 and "4+" as nothing: the page reads both."""
    from selenium.webdriver.common.keys import Keys

    web.log_in("nora")
    web.get(reverse("web:assessment_new", args=[assessed_patient.pk]))
    web.find("#id_edss").click()
    web.keys("4+", Keys.TAB, "8,4", Keys.TAB, "5")
    web.ctrl_enter()
    web.wait.until(lambda d: web.find_all(".error-summary"))
    assert "“4+” is not a number: type digits with a point or a comma, such as 4.5 or 4,5." in web.text()
    assert web.find("#id_edss").get_attribute("value") == "4+"
    assert web.find("#id_timed_25ft_walk_seconds").get_attribute("value") == "8,4"
    assert Assessment.objects.filter(patient=assessed_patient).count() == 2

    web.find("#id_edss").clear()
    web.find("#id_edss").send_keys("4,5", Keys.CONTROL, Keys.ENTER)  # Ctrl+Enter saves
    web.wait.until(lambda d: "Assessment of" in web.text() and "recorded" in web.text())
    saved = Assessment.objects.latest_first().filter(patient=assessed_patient).first()
    assert (str(saved.edss), str(saved.timed_25ft_walk_seconds)) == ("4.5", "8.40")
    assert saved.scores.get(muscle_group="shoulder_abduction", side="left").grade == 15


def test_the_dashboard_charts_mark_what_the_rules_found_and_say_it_in_words(web, nora, changing_patient):
    """Declines from best, an improvement, EDSS worsening and a slower walk, drawn and worded."""
    web.log_in("nora")
    web.get(reverse("web:patient_dashboard", args=[changing_patient.pk]))
    web.wait.until(
        lambda d: d.execute_script("return document.documentElement.dataset.chartsReady") == "true"
    )
    drawn = """
        const chart = Chart.getChart(document.getElementById(arguments[0]));
        return {
            type: chart.config.type,
            points: Object.fromEntries(chart.data.datasets.map((d) => [d.side ?? d.label, d.data.map((p) =>
                [p.date, p.y, p.mark ?? null, p.fromBest ?? null, p.best ?? null, p.improvement ?? null,
                 p.worse ?? null])])),
            legend: chart.legend.legendItems.map((item) => item.text),
            y: {min: chart.scales.y.min, max: chart.scales.y.max, ticks: chart.scales.y.ticks.map((t) => t.value)},
        };
    """

    # The left ankle's best of the past year (14 Jan) is a star, its latest grade a decline from it.
    ankle = web.driver.execute_script(drawn, "chart-ankle_dorsiflexion")
    assert ankle["points"]["left"] == [
        ["2026-01-14", 12, "best", None, {"grade": "1", "date": "2026-10-05"}, None, None],
        ["2026-04-15", 9, None, None, None, None, None],
        ["2026-07-10", 5, None, None, None, None, None],
        ["2026-10-05", 3, "decline", {"grade": "4", "date": "2026-01-14"}, None, None, None],
    ]
    assert {p[2] for p in ankle["points"]["right"]} == {None}
    assert ankle["legend"] == ["Left", "Right", "Decline", "Best before decline"]
    # The right grip's latest grade is an improvement.
    grip = web.driver.execute_script(drawn, "chart-grip")
    assert [p[2] for p in grip["points"]["right"]] == [None, None, None, "improvement"]
    assert grip["points"]["right"][-1][5] == {"grade": "3", "date": "2026-07-10"}
    assert grip["legend"] == ["Left", "Right", "Improvement"]
    hip = web.driver.execute_script(drawn, "chart-hip_flexion")
    assert hip["legend"] == ["Left", "Right"]

    # The cards say it in words, and the sliding ones are framed as declines.
    ankle_card = web.find(".chart-card[data-muscle-group=ankle_dorsiflexion]")
    assert "has-decline" in ankle_card.get_attribute("class")
    assert "Left: best 4 (14 Jan 2026) → 1 (5 Oct 2026)" in ankle_card.text
    grip_card = web.find(".chart-card[data-muscle-group=grip]")
    assert "has-decline" not in grip_card.get_attribute("class")
    assert "Right: improved 3 (10 Jul 2026) → 4 (5 Oct 2026)" in grip_card.text

    # MRC sums 58, 57, 55, 54: the axis from 2 below the lowest to 2 above the highest.
    mrc = web.driver.execute_script(drawn, "chart-mrc-sum")
    assert [p[1] for p in mrc["points"]["MRC sum"]] == [58, 57, 55, 54]
    assert (mrc["y"]["min"], mrc["y"]["max"]) == (52, 60)

    # EDSS on its 0–10 scale in half steps, the latest point marked as worsening.
    edss = web.driver.execute_script(drawn, "chart-edss")
    assert edss["type"] == "line"
    assert [(p[0], p[1], p[6]) for p in edss["points"]["EDSS"]] == [
        ("2026-01-14", 3.5, False),
        ("2026-10-05", 4.5, True),
    ]
    assert edss["y"] == {"min": 0, "max": 10, "ticks": [step / 2 for step in range(21)]}
    assert "▼ Worsening: EDSS 3.5 → 4.5" in web.find("[aria-labelledby=edss-title]").text

    walk = web.driver.execute_script(drawn, "chart-t25fw")
    assert [(p[0], p[1], p[6]) for p in walk["points"]["T25FW"]] == [
        ("2026-01-14", 8, False),
        ("2026-04-15", 9, False),
        ("2026-10-05", 11, True),
    ]
    assert "▼ Walking slowed: 9.00 s → 11.00 s" in web.find("[aria-labelledby=t25fw-title]").text
    web.screenshot("dashboard-findings-charted")


def test_a_dose_change_is_drawn_where_it_happened_on_every_strength_chart(web, nora, assessed_patient):
    """A baclofen increase between the two visits: a marked line at its date on the muscle charts
    and the MRC sum chart, named in the legend and the tooltip; a decrease is not drawn."""
    for event, day, dose in [
        ("increase", date(2026, 3, 1), "20 mg tds"),
        ("decrease", date(2026, 3, 20), ""),
    ]:
        factories.MedicationFactory(
            patient=assessed_patient,
            recorded_by=nora,
            drug="baclofen",
            event=event,
            occurred_on=day,
            dose=dose,
        )
    web.log_in("nora")
    web.get(reverse("web:patient_dashboard", args=[assessed_patient.pk]))
    web.wait.until(
        lambda d: d.execute_script("return document.documentElement.dataset.chartsReady") == "true"
    )
    marked = """
        const chart = Chart.getChart(document.getElementById(arguments[0]));
        const dataset = chart.data.datasets.find((d) => d.doseChange);
        if (!dataset) return null;
        const tooltip = chart.options.plugins.tooltip.callbacks.label;
        return {
            points: dataset.data.map((p) => [p.date, p.x * 86400000 === Date.parse(p.date + "T00:00:00Z"), p.y === chart.scales.y.max]),
            tooltip: dataset.data.map((p) => tooltip.call(chart.tooltip, {dataset, raw: p})),
            legend: chart.legend.legendItems.map((item) => item.text),
            plugins: chart.config.plugins.map((p) => p.id),
            label: chart.canvas.getAttribute("aria-label"),
        };
    """
    words = "Baclofen increased on 1 Mar 2026 (20 mg tds)"
    for canvas in ("chart-ankle_dorsiflexion", "chart-grip", "chart-mrc-sum"):
        drawn = web.driver.execute_script(marked, canvas)
        assert drawn is not None, canvas
        assert drawn["points"] == [["2026-03-01", True, True]], canvas
        assert drawn["tooltip"] == [words], canvas
        assert "Antispasticity dose change" in drawn["legend"], canvas
        assert "doseChangeLines" in drawn["plugins"], canvas
        assert drawn["label"].endswith(f"Antispasticity dose changes marked: {words}."), canvas
    # The MRC sum chart's legend names only the mark; the grade charts keep their sides first.
    assert web.driver.execute_script(marked, "chart-mrc-sum")["legend"] == ["Antispasticity dose change"]
    assert web.driver.execute_script(marked, "chart-grip")["legend"][:3] == [
        "Left",
        "Right",
        "Antispasticity dose change",
    ]
    assert words in web.find("#strength .chart-legend-note").text
    web.screenshot("dashboard-dose-change")
