"""Every page, as each role reaches it, at a phone's, a tablet's and a desktop's width.

The demo cohort (demo.cohort.seed_demo, as `make run` loads it) with one patient topped up so
that every section of the dashboard holds something: assessments with spasticity, medications,
exercise plans, falls, devices with a review, referrals with their moves, trend reviews and
reminders. A nurse, a physiotherapist and a clinic admin each open every page they may use —
lists, the dashboard, each new-record form (most also sent empty, with their errors) and change
form, the exercise sheet, their account, the 404 page — at 360, 820 and 1366 px. At each width nothing may scroll sideways; at
the phone's and the desktop's axe-core (WCAG 2.2 AA) finds nothing; a full-page screenshot of each page and width goes to
test-artifacts/pages/ (kept by CI) for a person to look at. Every chart has a name and is
described by words that hold its data (aria-describedby: a table, or the falls table's summary).
"""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from assessments.services import trend_review_record
from care.models import DevicePrescription, ExercisePlan, FallEvent, MedicationEvent, Referral
from care.services import device_review, medication_record
from demo.cohort import seed_demo
from patients.models import Patient
from reminders.sweep import reminder_sweep

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

WIDTHS = (360, 820, 1366)
# axe reads the document, which is the same at every width but for what the layout hides or
# moves: it runs at the two ends (the tablet's layout is the desktop's, narrower).
AXE_WIDTHS = (360, 1366)
# The forms with nothing chosen in advance, which sent empty come back with their errors.
SENT_EMPTY = {"referral-new", "medication-new", "patient-new", "device-new", "plan-new", "staff-new"}
# Demo patient N100025 has seven assessments, falls, a device, a referral, a medication and
# two plans; the fixture adds what it lacks.
DEMO_MRN = "N100025"
# The page's width, the window's, and the outermost elements that reach past the window's
# right edge (not counting what scrolls inside a box of its own), to say what to fix.
OVERFLOW_SCRIPT = """
const limit = document.documentElement.clientWidth;
const name = (e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
    + (e.classList.length ? "." + [...e.classList].join(".") : "");
const sticking = [...document.body.querySelectorAll("*")].filter((e) =>
    e.getBoundingClientRect().right > limit + 0.5
    && e.parentElement.getBoundingClientRect().right <= limit + 0.5
    && !e.parentElement.closest(".table-wrap"));
return [document.documentElement.scrollWidth, limit, sticking.slice(0, 5).map(name)];
"""
# Each chart (a canvas) without a name, or without a description on the page that holds its
# data in words and numbers (a table, the falls table's summary): "<canvas id>: what is missing".
CHARTS_WITHOUT_WORDS_SCRIPT = """
return [...document.querySelectorAll("canvas")].flatMap((canvas) => {
    const ids = (canvas.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    const described = ids.map((id) => document.getElementById(id));
    const text = described.map((e) => (e ? e.textContent : "")).join(" ");
    const problems = [];
    if (canvas.getAttribute("role") !== "img" || !canvas.getAttribute("aria-label")) problems.push("no name");
    if (!ids.length || described.includes(null)) problems.push("no description, or one not on the page");
    else if (!/[0-9]/.test(text)) problems.push("a description without the data");
    return problems.map((problem) => canvas.id + ": " + problem);
});
"""


@pytest.fixture
def demo():
    seed_demo()
    patient = Patient.objects.get(mrn=DEMO_MRN)
    staff = {user.username: user for user in get_user_model().objects.filter(username__endswith="_north")}
    today = timezone.localdate()
    medication_record(
        patient=patient,
        recorded_by=staff["nurse_north"],
        drug="baclofen",
        event="increase",
        occurred_on=today - timedelta(days=20),
        dose="20 mg three times a day",
        notes="Night-time spasms keep her awake; raised after a talk with the GP.",
    )
    device = DevicePrescription.objects.filter(patient=patient).first()
    device_review(
        device=device,
        by=staff["physio_north"],
        reviewed_on=today,
        next_review_due_on=today + timedelta(days=120),
        note="Fits well; skin intact after a day's wear.",
    )
    trend_review_record(
        patient=patient, by=staff["physio_north"], note="Left leg weaker since the spring: AFO reviewed."
    )
    reminder_sweep(today=today)
    return patient


def _pages_of(role, patient):
    """(name, path) of every page the role opens for the demo patient, in a clinician's order."""
    fall = FallEvent.objects.filter(patient=patient).first()
    medication = MedicationEvent.objects.filter(patient=patient).first()
    plan = ExercisePlan.objects.filter(patient=patient, ended_on__isnull=True).first()
    device = DevicePrescription.objects.filter(patient=patient).first()
    assessment = patient.assessments.order_by("-assessed_on").first()
    referral = Referral.objects.filter(patient=patient).first()
    pages = [
        ("patient-list", reverse("web:patient_list")),
        ("dashboard", reverse("web:patient_dashboard", args=[patient.pk])),
        ("reminders", reverse("web:reminder_inbox")),
        ("assessment-new", reverse("web:assessment_new", args=[patient.pk])),
        ("assessment-edit", reverse("web:assessment_edit", args=[assessment.pk])),
        ("fall-new", reverse("web:fall_new", args=[patient.pk])),
        ("referral-new", reverse("web:referral_new", args=[patient.pk])),
        ("referral", reverse("web:referral_page", args=[referral.pk])),
        ("referral-worklist", reverse("web:referral_worklist") + "?service=physiotherapy"),
        ("referral-services", reverse("web:referral_worklist")),
        ("medication-new", reverse("web:medication_new", args=[patient.pk])),
        ("medication-edit", reverse("web:medication_edit", args=[medication.pk])),
        ("trend-review", reverse("web:trend_review", args=[patient.pk])),
        ("exercise-sheet", reverse("web:plan_sheet", args=[patient.pk, plan.pk])),
        ("account", reverse("accounts:account")),
        ("password-change", reverse("accounts:password_change")),
        ("two-factor", reverse("accounts:two_factor")),
        ("not-found", reverse("web:patient_dashboard", args=[patient.pk + 100_000])),
    ]
    if role in ("nurse", "admin"):
        pages += [
            ("patient-new", reverse("web:patient_new")),
            ("patient-edit", reverse("web:patient_edit", args=[patient.pk])),
        ]
    if role in ("physio", "admin"):
        pages += [
            ("device-new", reverse("web:device_new", args=[patient.pk])),
            ("device-review", reverse("web:device_review", args=[device.pk])),
            ("device-discontinue", reverse("web:device_discontinue", args=[device.pk])),
            ("plan-new", reverse("web:plan_new", args=[patient.pk])),
            ("plan-edit", reverse("web:plan_edit", args=[plan.pk])),
        ]
    if role == "admin":
        pages += [
            ("reports", reverse("web:reports")),
            ("staff", reverse("accounts:staff_list")),
            ("staff-new", reverse("accounts:staff_new")),
            ("fall-entered-in-error", reverse("web:entered_in_error", args=["fall", fall.pk])),
            ("referral-entered-in-error", reverse("web:entered_in_error", args=["referral", referral.pk])),
        ]
    return pages


def _look_at_every_width(web, name):
    """At each width: what scrolls sideways, axe's findings and a screenshot. Returns what is wrong:
    sideways scrolling, and charts without words."""
    problems = [
        f"{name}: chart {problem}" for problem in web.driver.execute_script(CHARTS_WITHOUT_WORDS_SCRIPT)
    ]
    for width in WIDTHS:
        web.set_width(width)
        page_width, window_width, sticking_out = web.driver.execute_script(OVERFLOW_SCRIPT)
        if page_width > window_width:
            problems.append(
                f"{name} at {width} px: the page is {page_width} px wide, the window {window_width} px;"
                f" sticking out: {', '.join(sticking_out)}"
            )
        if width in AXE_WIDTHS:
            web.check_accessibility()
        web.screenshot(f"pages/{name}-{width}")
    return problems


@pytest.mark.parametrize("role", ["nurse", "physio", "admin"])
def test_every_page_fits_a_phone_a_tablet_and_a_desktop_and_axe_finds_nothing(web, demo, role):
    username = f"{role}_north"
    if role == "admin":
        # A clinic admin's first sign-in stops at setting up the second factor: that page too.
        web.log_in(username, password=settings.DEMO_PASSWORD)
        assert "Set up two-factor sign-in" in web.text()
        problems = _look_at_every_width(web, "admin-two-factor-enrol")
        web.sign_in_with_second_factor(get_user_model().objects.get(username=username))
    else:
        web.get(reverse("web:login"))
        problems = _look_at_every_width(web, "login")
        web.log_in(username, password=settings.DEMO_PASSWORD)

    for name, path in _pages_of(role, demo):
        web.get(path)
        if name == "not-found":
            assert "Page not found" in web.text()
        else:
            assert "Page not found" not in web.text() and "Forbidden" not in web.text(), name
        problems += _look_at_every_width(web, f"{role}-{name}")
        if name in SENT_EMPTY:
            # Sent empty: the form again, with what is missing said at the top and at each field.
            web.find("main form.record-form .form-actions button[type=submit]").click()
            web.wait.until(lambda d: web.find_all(".error-summary"))
            problems += _look_at_every_width(web, f"{role}-{name}-errors")
        if name in ("dashboard", "reports"):
            charts = web.driver.execute_script("return document.querySelectorAll('canvas').length")
            assert charts >= 4, f"{name} draws {charts} charts"
    assert not problems, "\n".join(problems)


def test_on_a_phone_every_cell_of_the_mmt_grid_comes_into_view_when_reached(web, nora, assessed_patient):
    """At 360 px the grid scrolls inside its own box (the page does not): each grade, reached
    with Tab, and each weakness type, reached as W reaches it (focus), is scrolled fully into the
    window."""
    from selenium.webdriver.common.keys import Keys

    web.log_in("nora")
    web.get(reverse("web:assessment_new", args=[assessed_patient.pk]))
    web.set_width(360)
    in_view = """
        const field = arguments[0];
        field.focus();
        const box = field.getBoundingClientRect();
        return box.left >= 0 && box.right <= document.documentElement.clientWidth;
    """
    web.find("#id_shoulder_abduction_left_grade").click()
    tabbed_to = []
    while web.active_id() != "spasticity-toggle" and len(tabbed_to) < 60:
        tabbed_to.append(web.active_id())
        assert web.driver.execute_script(in_view, web.driver.switch_to.active_element), tabbed_to[-1]
        web.keys(Keys.TAB)
    assert len([field for field in tabbed_to if field.endswith("_grade")]) == 24
    weakness_types = web.find_all(".mmt-grid select")
    assert len(weakness_types) == 24
    for select in weakness_types:
        assert web.driver.execute_script(in_view, select), select.get_attribute("id")
    web.screenshot("pages/mmt-grid-scrolled-360")
    web.set_width(1366)


def test_the_diary_link_and_the_diary_fit_every_width_and_axe_finds_nothing(web, demo):
    """The page that shows a new diary link with its QR code, and the patient's diary (a day with
    a fall asked about, sent empty with its errors, and the page of a link that does not work)."""
    web.log_in("nurse_north", password=settings.DEMO_PASSWORD)
    web.get(reverse("web:patient_dashboard", args=[demo.pk]))
    web.find("#diary button[value='issue']").click()
    web.wait.until(lambda d: web.find_all("[data-diary-url]"))
    problems = _look_at_every_width(web, "nurse-diary-link")
    path = web.find("[data-diary-url]").get_attribute("value").removeprefix(web.base)
    web.driver.delete_all_cookies()
    web.get(f"{path}?falls=1")
    assert "Fall 1" in web.text()
    problems += _look_at_every_width(web, "patient-diary")
    web.find(".diary-save").click()
    web.wait.until(lambda d: web.find_all(".error-summary"))
    problems += _look_at_every_width(web, "patient-diary-errors")
    web.get(path.replace("/diary/", "/diary/x"))
    assert "This link does not open a diary" in web.text()
    problems += _look_at_every_width(web, "patient-diary-not-found")
    assert not problems, "\n".join(problems)
