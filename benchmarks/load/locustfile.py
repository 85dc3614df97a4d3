"""A mixed clinic day for locust (``make loadtest``; benchmarks/README.md, "Load test").

Nurses open the patient list and dashboards (pages and API) and record assessments and falls;
physiotherapists read trends and record trend reviews; clinic admins run reports and their CSV;
an integration pages through FHIR searches. Each user signs in as a staff member of the benchmark
network (``nurse_c01`` ... ``admin_c20``, ``benchmarks.generate.PASSWORD``), one clinic each in turn.

Every write carries a marker of its own in a free-text field and an ``Idempotency-Key``; its final
answer is appended to ``LOAD_WRITES_LOG`` (JSON lines) so that ``benchmarks.load.check`` can count
each acknowledged write in the database. With ``LOAD_FAULTS=1`` a 503 is what the app must answer
while PostgreSQL or Redis is down: it is counted as such, not as a failure, and a write that got one
is sent again with the same key after ``Retry-After``, as an integration would.
"""

import itertools
import json
import os
import random
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from locust import HttpUser, between, events, task

# The generated staff's password (benchmarks.generate.PASSWORD, which the runner passes on).
PASSWORD = os.environ.get("LOAD_PASSWORD", "bench-pass-2026")
CLINICS = [f"c{n:02d}" for n in range(1, 21)]
RUN = os.environ.get("LOAD_RUN_ID") or uuid.uuid4().hex[:8]
WRITES_LOG = os.environ.get("LOAD_WRITES_LOG", "var/load/writes.jsonl")
FAULTS = os.environ.get("LOAD_FAULTS") == "1"
# While a service is down a write is retried this many times, Retry-After apart.
WRITE_ATTEMPTS = 12
MRC_ITEMS = [
    (muscle, side)
    for muscle in ("shoulder_abduction", "elbow_flexion", "wrist_extension", "hip_flexion", "knee_extension")
    + ("ankle_dorsiflexion",)
    for side in ("left", "right")
]
GRADES = ["3", "3+", "4-", "4", "4+", "5"]

_next_clinic = {role: itertools.count() for role in ("nurse", "physio", "admin", "integration")}
_log_lock = threading.Lock()
_markers = itertools.count(1)


def _clinic_for(role):
    """Users of a role take the clinics in turn (the integration from the last one backwards), so each
    username holds few API tokens (five at most: SPEC §5)."""
    n = next(_next_clinic[role])
    return CLINICS[-1 - n % len(CLINICS)] if role == "integration" else CLINICS[n % len(CLINICS)]


def _log_write(entry):
    with _log_lock, open(WRITES_LOG, "a") as log:
        log.write(json.dumps(entry) + "\n")


def _expected(response, *statuses):
    """Mark ``response`` (caught) a success when its status is one of ``statuses`` — or, under faults,
    a 503 with Retry-After (the app's answer while a service is down). Returns whether it was a 2xx."""
    if response.status_code in statuses:
        response.success()
        return True
    if FAULTS and response.status_code == 503 and response.headers.get("Retry-After"):
        response.success()
        events.request.fire(
            request_type=response.request.method,
            name="503 while a service was down",
            response_time=response.elapsed.total_seconds() * 1000,
            response_length=len(response.content),
            exception=None,
            context={},
        )
        return False
    response.failure(f"{response.status_code}: {response.error or response.text[:200]}")
    return False


class ClinicStaff(HttpUser):
    abstract = True
    role = ""
    wait_time = between(1, 3)

    def on_start(self):
        self.clinic = _clinic_for(self.role)
        self.username = "admin" if self.role == "integration" else self.role
        self.username = f"{self.username}_{self.clinic}"
        self.token = None
        while self.token is None:
            with self.client.post(
                "/api/v1/auth/token/",
                json={"username": self.username, "password": PASSWORD},
                name="API sign-in",
                catch_response=True,
            ) as response:
                if _expected(response, 200):
                    self.token = response.json()["token"]
                else:
                    time.sleep(2)
        self.api_headers = {"Authorization": f"Token {self.token}"}
        self.patients = []
        while not self.patients:
            response = self.api("/api/v1/patients/?page_size=200", name="API patients (first 200)")
            if response is not None:
                self.patients = [patient["id"] for patient in response.json()["results"]]
            else:
                time.sleep(2)

    def api(self, path, *, name, headers=None, expect=(200,)):
        """GET ``path`` with the user's token; the response if it was expected, else None."""
        with self.client.get(
            path, headers={**self.api_headers, **(headers or {})}, name=name, catch_response=True
        ) as response:
            return response if _expected(response, *expect) else None

    def page(self, path, *, name):
        with self.client.get(path, name=name, catch_response=True) as response:
            _expected(response, 200)

    def sign_in_to_pages(self):
        """The pages' sign-in form (a session cookie beside the token)."""
        self.client.get("/login/", name="page sign-in form")
        csrf = self.client.cookies.get("csrftoken", "")
        with self.client.post(
            "/login/",
            data={"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": csrf},
            headers={"Referer": self.host + "/login/"},
            name="page sign-in",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            _expected(response, 302)

    def write(self, kind, path, body, *, marker, name):
        """POST a write that carries ``marker``, with an Idempotency-Key; under faults, a 503 is sent
        again with the same key until it is answered otherwise."""
        key = str(uuid.uuid4())
        for attempt in itertools.count(1):
            with self.client.post(
                path,
                json=body,
                headers={**self.api_headers, "Idempotency-Key": key},
                name=name,
                catch_response=True,
            ) as response:
                acknowledged = _expected(response, 201)
            if acknowledged or response.status_code != 503 or attempt == WRITE_ATTEMPTS:
                break
            time.sleep(float(response.headers.get("Retry-After", 5)))
        _log_write(
            {"kind": kind, "marker": marker, "status": response.status_code, "attempts": attempt, "key": key}
        )

    @staticmethod
    def new_marker():
        return f"load-{RUN}-{next(_markers)}"


class Nurse(ClinicStaff):
    role = "nurse"
    weight = 5

    def on_start(self):
        super().on_start()
        self.sign_in_to_pages()

    @task(4)
    def patient_list_page(self):
        self.page("/patients/", name="page patient list")

    @task(4)
    def dashboard_page(self):
        self.page(f"/patients/{random.choice(self.patients)}/", name="page patient dashboard")

    @task(2)
    def due_list(self):
        self.api("/api/v1/patients/?due_for_reassessment=true", name="API patients due for reassessment")

    @task(2)
    def fall_risk_list(self):
        self.api("/api/v1/patients/?high_fall_risk=true", name="API patients at high fall risk")

    @task(2)
    def patient_record(self):
        self.api(f"/api/v1/patients/{random.choice(self.patients)}/", name="API patient")

    @task(1)
    def record_assessment(self):
        scores = [
            {"muscle_group": muscle, "side": side, "grade": random.choice(GRADES)}
            for muscle, side in MRC_ITEMS
        ]
        body = {
            "patient": random.choice(self.patients),
            "assessed_on": datetime.now(UTC).date().isoformat(),
            "edss": 4.5,
            "notes": self.new_marker(),
            "scores": scores,
        }
        self.write(
            "assessment", "/api/v1/assessments/", body, marker=body["notes"], name="API record assessment"
        )

    @task(1)
    def record_fall(self):
        body = {
            "patient": random.choice(self.patients),
            "occurred_at": (datetime.now(UTC) - timedelta(hours=random.randint(1, 48))).isoformat(),
            "injury": "none",
            "location": "home",
            "activity": "Standing up",
            "device_in_use": "none",
            "notes": self.new_marker(),
        }
        self.write("fall", "/api/v1/falls/", body, marker=body["notes"], name="API record fall")


class Physio(ClinicStaff):
    role = "physio"
    weight = 2

    def on_start(self):
        super().on_start()
        self.sign_in_to_pages()

    @task(4)
    def trends(self):
        self.api(f"/api/v1/patients/{random.choice(self.patients)}/trends/", name="API trends")

    @task(2)
    def dashboard_page(self):
        self.page(f"/patients/{random.choice(self.patients)}/", name="page patient dashboard")

    @task(1)
    def record_review(self):
        body = {"note": self.new_marker()}
        patient = random.choice(self.patients)
        self.write(
            "trend_review",
            f"/api/v1/patients/{patient}/reviews/",
            body,
            marker=body["note"],
            name="API record trend review",
        )


class ClinicAdmin(ClinicStaff):
    role = "admin"
    weight = 1

    def on_start(self):
        super().on_start()
        self.sign_in_to_pages()

    @task(2)
    def report(self):
        name = random.choice(["caseload", "overdue", "falls", "referrals", "devices", "strength"])
        self.api(f"/api/v1/reports/{name}/?clinic={self.clinic}", name=f"API report {name}")

    @task(1)
    def report_csv(self):
        self.api(f"/api/v1/reports/overdue/?clinic={self.clinic}&format=csv", name="API report overdue CSV")

    @task(1)
    def reports_page(self):
        self.page("/reports/", name="page reports")


class Integration(ClinicStaff):
    """An EHR paging through FHIR searches with a clinic admin's token."""

    role = "integration"
    weight = 1

    @task(2)
    def page_patients(self):
        url = "/fhir/R4/Patient?_count=100"
        for _ in range(3):
            response = self.api(url, name="FHIR Patient search (a page)")
            if response is None:
                return
            following = [
                link["url"] for link in response.json().get("link", []) if link["relation"] == "next"
            ]
            if not following:
                return
            # The link is absolute, at the server's configured address: keep its path and query.
            parts = urlsplit(following[0])
            url = f"{parts.path}?{parts.query}"

    @task(2)
    def patient_observations(self):
        patient = random.choice(self.patients)
        self.api(f"/fhir/R4/Observation?patient={patient}&_count=100", name="FHIR Observation search")

    @task(1)
    def falls(self):
        patient = random.choice(self.patients)
        self.api(f"/fhir/R4/AdverseEvent?subject=Patient/{patient}", name="FHIR AdverseEvent search")
