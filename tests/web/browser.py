"""The browser the page tests drive: Debian's headless Chromium through its chromedriver.

``browser`` is one Chromium per test module; ``web`` is that browser, logged out, with helpers
bound to the live server (tests/web/conftest.py offers both to every test here). Nothing here
downloads anything: the browser and driver are the system's (installed by .ci/run), Selenium
Manager is never asked (the driver path is given), and Chromium runs with its network-reaching
background services off. Without them the tests skip — or fail in CI, where REQUIRE_SERVICES=1.

Every page and state a test reaches is checked with axe-core (npm, injected here only, never
served to the pages) against WCAG 2.2 AA: after each ``web.get``, after each ``web.wait.until``
(a test waits for every new state it causes) and at the end of the test. What axe finds fails
the test, page by page, as a Content Security Policy violation does.
"""

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from ..conftest import PASSWORD, skip_or_fail

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
WAIT = 15
WINDOW_HEIGHT = 1000
AXE_SCRIPT = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2 at levels A and AA (axe's tags; 2.2 added only AA rules).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# Swagger UI's page (/api/docs/) is the API's documentation for integrators, drawn by swagger-ui
# itself: its method badges, nested buttons and missing lang are that library's markup.
AXE_NOT_CHECKED = ("/api/docs/",)
AXE_TIMEOUT = 60  # seconds: axe on the longest dashboard takes a few


@pytest.fixture(scope="module")
def browser():
    if not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)):
        skip_or_fail(
            f"the browser tests need {CHROMIUM} and {CHROMEDRIVER} (Debian: chromium chromium-driver)"
        )
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        skip_or_fail("the browser tests need selenium (requirements-dev.txt)")
    # Belt and braces: Selenium Manager is skipped when the driver path is given; offline anyway.
    os.environ.setdefault("SE_OFFLINE", "true")
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        f"--window-size=1366,{WINDOW_HEIGHT}",
        "--lang=en-US",
    ):
        options.add_argument(flag)
    # The console, for the CSP violations Chromium reports there ("Refused to ...").
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    except Exception as exc:  # the browser is there but will not start: say why
        shutil.rmtree(profile, ignore_errors=True)
        skip_or_fail(f"Chromium did not start: {exc}")
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(AXE_TIMEOUT)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def web(request, browser, live_server):
    """The browser, logged out, with helpers bound to the live server.

    When the test fails, what the browser showed is kept in test-artifacts/ (a screenshot and
    the page source), so a failure in CI can be looked at rather than guessed at. Afterwards
    the console must hold no CSP violation from any page the test went through, and axe must
    have found nothing on any page or state it reached.
    """
    browser.delete_all_cookies()
    web = Browser(browser, live_server.url)
    web.csp_violations()  # what earlier tests left in the console is theirs
    yield web
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        browser.save_screenshot(str(ARTIFACTS / f"failed-{request.node.name}.png"))
        (ARTIFACTS / f"failed-{request.node.name}.html").write_text(browser.page_source)
    else:
        web.check_accessibility()  # the state the test ended in
    assert web.csp_violations() == [], "the Content Security Policy blocked something on a page"
    assert not web.accessibility_problems, "axe (WCAG 2.2 AA) found:\n" + "\n".join(
        sorted(web.accessibility_problems)
    )


class Browser:
    def __init__(self, driver, base):
        from selenium.common.exceptions import StaleElementReferenceException
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import WebDriverWait

        self.driver, self.base, self.By = driver, base, By
        # A wait may look at the page the browser is just leaving: try again on the next one.
        self.wait = CheckedWait(
            self, WebDriverWait(driver, WAIT, ignored_exceptions=[StaleElementReferenceException])
        )
        # "<page>: <rule> (<impact>) at <element>: <what to fix>", once each.
        self.accessibility_problems = set()
        # What the pages' own code made the console report, read out before each axe run.
        self.csp_reported = []

    def get(self, path):
        self.driver.get(self.base + path)
        self.check_accessibility()

    def axe_violations(self):
        """What axe-core finds on the page as it is now, against WCAG 2.2 AA.

        axe is put into the page by WebDriver (the page's Content Security Policy does not
        apply to it), once per page load. Each violation: its rule id, impact, help text and
        the elements it was found on, each with axe's summary of what to fix.
        """
        if not self.driver.execute_script("return typeof window.axe === 'object'"):
            self.driver.execute_script(AXE_SCRIPT.read_text())
        return self.driver.execute_async_script(
            """
            const [tags, done] = arguments;
            axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]})
                .then((results) => done(results.violations.map((v) => ({
                    id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.map((n) => ({target: n.target.join(" "), summary: n.failureSummary})),
                }))));
            """,
            AXE_TAGS,
        )

    def _page_runs_scripts(self):
        """False while a test has turned the page's JavaScript off, which axe needs too (the same
        markup is checked with scripts on)."""
        from selenium.common.exceptions import TimeoutException

        self.driver.set_script_timeout(2)
        try:
            self.driver.execute_async_script("setTimeout(arguments[0], 0)")
            return True
        except TimeoutException:
            return False
        finally:
            self.driver.set_script_timeout(AXE_TIMEOUT)

    def check_accessibility(self):
        """Run axe on the page as it is now and keep what it finds, for the end of the test."""
        page = self.driver.current_url.removeprefix(self.base)
        if page.startswith(AXE_NOT_CHECKED) or not self._page_runs_scripts():
            return
        self.csp_reported += self._csp_console()
        violations = self.axe_violations()
        # axe's own probes set inline styles (on the Django admin's change form), which the
        # Content Security Policy refuses: that is the test's doing, not the page's.
        self._csp_console()
        for violation in violations:
            for node in violation["nodes"]:
                summary = " ".join(node["summary"].split())
                self.accessibility_problems.add(
                    f"{page}: {violation['id']} ({violation['impact']}) at {node['target']}: {summary}"
                )

    def find(self, css):
        return self.driver.find_element(self.By.CSS_SELECTOR, css)

    def find_all(self, css):
        return self.driver.find_elements(self.By.CSS_SELECTOR, css)

    def text(self):
        # Read in one script call: between finding <body> and reading it, a page may be replaced.
        return self.driver.execute_script("return document.body ? document.body.innerText : ''")

    def active_id(self):
        return self.driver.switch_to.active_element.get_attribute("id")

    def keys(self, *keys):
        from selenium.webdriver.common.action_chains import ActionChains

        ActionChains(self.driver).send_keys(*keys).perform()

    def set_width(self, width):
        """Make the page ``width`` CSS pixels wide (scroll bar included), and wait until it is."""
        self.driver.set_window_size(width, WINDOW_HEIGHT)
        self.wait.inner.until(lambda d: d.execute_script("return window.innerWidth") == width)
        # Then let the page lay itself out again (Chart.js redraws on the next frames).
        self.driver.execute_async_script(
            "const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(done));"
        )

    def ctrl_enter(self):
        """Ctrl+Enter, the chord that saves a form from any field (mmt-grid.js)."""
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.keys import Keys

        ActionChains(self.driver).key_down(Keys.CONTROL).send_keys(Keys.ENTER).key_up(Keys.CONTROL).perform()

    def log_in(self, username, password=PASSWORD):
        self.get(reverse("web:login"))
        self.find("#id_username").send_keys(username)
        self.find("#id_password").send_keys(password)
        self.find("main form button[type=submit]").click()
        self.wait.until(lambda d: "Log out" in self.text())

    def sign_in_with_second_factor(self, user):
        """Sign in with a session made on the server, its second factor passed.

        For clinic admins, whose sign-in asks for a TOTP code: this is django-otp's own record
        of a passed second factor (what ``django_otp.login`` stores), for a device of theirs.
        """
        client = Client()
        client.force_login(user)
        device = TOTPDevice.objects.create(user=user, name="browser test", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        self.get(reverse("web:login"))  # a cookie can only be set for the page's own site
        self.driver.add_cookie(
            {"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "path": "/"}
        )

    def csp_violations(self):
        """What the console reported against the Content Security Policy since the last look.

        Chromium logs each refusal as a "security" message ("Executing inline script violates
        the following Content Security Policy directive ...", or "Refused to ..." in some
        versions); chromedriver hands each entry out once.
        """
        reported, self.csp_reported = self.csp_reported + self._csp_console(), []
        return reported

    def _csp_console(self):
        return [
            entry["message"]
            for entry in self.driver.get_log("browser")
            if entry["source"] == "security"
            or "Content Security Policy" in entry["message"]
            or "Refused to" in entry["message"]
        ]

    def wait_for_chart(self, canvas_id):
        """Wait until Chart.js has drawn a chart on the canvas, and say what type it is."""
        script = "const chart = Chart.getChart(arguments[0]); return chart ? chart.config.type : null"
        self.wait.until(lambda d: d.execute_script(script, canvas_id))
        return self.driver.execute_script(script, canvas_id)

    def screenshot(self, name):
        """A full-page screenshot in test-artifacts/ (gitignored), for a person to look at."""
        path = ARTIFACTS / f"{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        width = self.driver.get_window_size()["width"]
        height = self.driver.execute_script("return document.documentElement.scrollHeight")
        self.driver.set_window_size(width, height + 140)
        try:
            self.driver.save_screenshot(str(path))
        finally:
            self.driver.set_window_size(width, WINDOW_HEIGHT)

    def chart_points(self, muscle_group):
        """What the drawn Chart instance holds, left and right: [[date, grade], ...] each."""
        return self.driver.execute_script(
            """
            const chart = Chart.getChart(document.getElementById(arguments[0]));
            if (!chart) return null;
            return Object.fromEntries(chart.data.datasets.map(
                (d) => [d.side, d.data.map((p) => [p.date, p.grade, p.y])]));
            """,
            f"chart-{muscle_group}",
        )

    def json_script(self, element_id):
        return self.driver.execute_script(
            "return JSON.parse(document.getElementById(arguments[0]).textContent)", element_id
        )


class CheckedWait:
    """A WebDriverWait that runs axe on the state each wait arrives at."""

    def __init__(self, web, wait):
        self.web, self.inner = web, wait

    def until(self, condition, message=""):
        value = self.inner.until(condition, message)
        self.web.check_accessibility()
        return value
