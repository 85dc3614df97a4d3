"""Request bodies the API refuses (SPEC §2 "Plausible input"): JSON nested deeper than 32
levels (400), bodies over 1 MiB (413, the pages too), and fields a request may not set —
unknown or read-only — each named (400). Never a 500, and nothing written."""

import http.client
import io
import json
import os
import re
import socket
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api.parsers import json_depth
from assessments.services import trend_review_record
from care.services import device_review
from patients.models import Patient
from tests import factories
from tests.conftest import skip_or_fail
from webhooks.services import endpoint_register

LIMIT = 1_048_576
TOO_LARGE = {"detail": "Request body too large: the limit is 1,048,576 bytes."}
TOO_DEEP = {"detail": "JSON nested too deeply: the limit is 32 levels of objects and lists."}
TOKEN_URL = "/api/v1/auth/token/"


def nested(depth):
    """JSON text ``depth`` levels deep: lists and objects in turn, the outermost a list."""
    opening = "".join("[" if level % 2 == 0 else '{"a":' for level in range(depth))
    closing = "".join("]" if level % 2 == 0 else "}" for level in reversed(range(depth)))
    return opening + "1" + closing


def credentials_nested(depth):
    """A token request ``depth`` levels deep: the username is nested one level less."""
    return f'{{"username": {nested(depth - 1)}, "password": "x"}}'


def post_raw(client, url, body, content_type="application/json", **extra):
    return client.generic("POST", url, body, content_type=content_type, **extra)


# Depth ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("1", 0),
        ("[]", 1),
        ('{"a": [{"b": 1}]}', 3),
        (nested(32), 32),
        ('{"a": "[[[[{{{{"}', 1),
        (r'{"a": "\"[[[", "b": [[]]}', 3),
        (r'{"a": "\\", "b": [[]]}', 3),
        (r'["\\\"[[", [1]]', 2),
        ("[" * 40, 40),
    ],
)
def test_the_depth_is_counted_outside_strings(text, depth):
    assert json_depth(text) == depth


@pytest.mark.parametrize(
    ("content_type", "encoding"),
    [
        ("application/json", "utf-8"),
        ("application/json; charset=utf-8", "utf-8"),
        ("application/json; charset=utf-16", "utf-16"),
    ],
)
def test_33_levels_are_refused_and_32_parsed_even_without_credentials(anonymous, content_type, encoding):
    response = post_raw(anonymous, TOKEN_URL, credentials_nested(33).encode(encoding), content_type)
    assert (response.status_code, response.json()) == (400, TOO_DEEP)
    # 32 levels reach the serializer, which names the field that is not a string.
    response = post_raw(anonymous, TOKEN_URL, credentials_nested(32).encode(encoding), content_type)
    assert (response.status_code, list(response.json())) == (400, ["username"])


def test_json_thousands_of_levels_deep_is_a_400_not_a_recursion_error(anonymous):
    response = post_raw(anonymous, TOKEN_URL, ("[" * 100_000 + "]" * 100_000).encode())
    assert (response.status_code, response.json()) == (400, TOO_DEEP)
    response = post_raw(anonymous, TOKEN_URL, b'{"username": ' + b"[" * 100_000)
    assert (response.status_code, response.json()) == (400, TOO_DEEP)


def test_brackets_inside_strings_do_not_count(anonymous, db):
    username = '\\"' + "[" * 40 + "{" * 40
    response = post_raw(anonymous, TOKEN_URL, f'{{"username": "{username}", "password": "x"}}'.encode())
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_a_collection_refuses_33_levels_and_names_the_field_at_32(nora_api):
    url = reverse("api:patient-list")
    response = post_raw(nora_api, url, f'{{"given_name": {nested(32)}}}'.encode())
    assert (response.status_code, response.json()) == (400, TOO_DEEP)
    response = post_raw(nora_api, url, f'{{"given_name": {nested(31)}}}'.encode())
    assert response.status_code == 400
    assert response.json()["given_name"] == ["Not a valid string."]
    assert not Patient.objects.exists()


# Size -------------------------------------------------------------------------------------
def padded(body, size):
    """``body`` followed by JSON whitespace, ``size`` bytes in all."""
    return body + b" " * (size - len(body))


def test_a_body_of_exactly_1_mib_is_read_and_one_byte_more_is_a_413(anonymous, db):
    credentials = json.dumps({"username": "nobody", "password": "wrong"}).encode()
    response = post_raw(anonymous, TOKEN_URL, padded(credentials, LIMIT))
    assert response.status_code == 400
    assert "non_field_errors" in response.json()
    response = post_raw(anonymous, TOKEN_URL, padded(credentials, LIMIT + 1))
    assert (response.status_code, response.json()) == (413, TOO_LARGE)


def test_a_collection_refuses_an_oversized_create_or_change_and_writes_nothing(north_patient, nora_api):
    body = {"given_name": "Bea", "family_name": "Hart", "notes": "x" * LIMIT}
    response = nora_api.post(reverse("api:patient-list"), body, format="json")
    assert (response.status_code, response.json()) == (413, TOO_LARGE)
    url = reverse("api:patient-detail", kwargs={"pk": north_patient.pk})
    response = nora_api.patch(url, {"given_name": "y" * LIMIT}, format="json")
    assert (response.status_code, response.json()) == (413, TOO_LARGE)
    assert Patient.objects.get().given_name == north_patient.given_name


def test_a_page_answers_an_oversized_form_with_a_413_page(db):
    body = b"username=nora&password=" + b"x" * LIMIT
    response = post_raw(Client(), reverse("web:login"), body, "application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert [t.name for t in response.templates][0] == "413.html"
    assert "Request body too large: the limit is 1,048,576 bytes." in response.content.decode()


def chunked(client, url, body, **extra):
    """A body sent without a length, as gunicorn passes a chunked one on (input marked terminated)."""
    environ = {"wsgi.input": io.BytesIO(body), "wsgi.input_terminated": True}
    return post_raw(client, url, b"", CONTENT_LENGTH="", HTTP_TRANSFER_ENCODING="chunked", **environ, **extra)


def test_a_chunked_body_is_counted_while_read_and_used_when_within_the_limit(north, nora_api):
    response = chunked(nora_api, reverse("api:patient-list"), padded(b"{}", LIMIT + 1))
    assert (response.status_code, response.json()) == (413, TOO_LARGE)
    patient = {"clinic": "north", "mrn": "C1", "given_name": "Cy", "family_name": "Chunk"}
    body = json.dumps(patient | {"date_of_birth": "1970-01-01"}).encode()
    response = chunked(nora_api, reverse("api:patient-list"), padded(body, LIMIT))
    assert response.status_code == 201, response.content
    assert Patient.objects.get().mrn == "C1"


def read_response(sock):
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
    while len(body) < length:
        body += sock.recv(65536)
    return int(head.split()[1]), body


@pytest.mark.parametrize(
    ("path", "content_type"), [(TOKEN_URL, "application/json"), ("/login/", "text/plain")]
)
def test_a_real_server_answers_413_before_the_body_is_sent(live_server, path, content_type):
    host, port = urlsplit(live_server.url).netloc.split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        # Only the head: the answer must not wait for a body it will not read.
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {2 * LIMIT}\r\n\r\n".encode()
        )
        status, body = read_response(sock)
    assert status == 413
    assert TOO_LARGE["detail"].encode() in body


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    """The production server (gunicorn, DEBUG off) on a free port; these requests need no database."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "clinic.settings",
        "DEBUG": "false",
        "SECRET_KEY": "bodies-test-secret-key-long-enough-0123456789abcdef",
        "DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('gunicorn') / 'unused.sqlite3'}",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
    }
    command = [sys.executable, "-m", "gunicorn", "clinic.wsgi:application", "--bind", "127.0.0.1:0"]
    try:
        process = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stderr=subprocess.PIPE, text=True)
    except FileNotFoundError:
        skip_or_fail("gunicorn is not installed")
    for line in process.stderr:
        if listening := re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", line):
            break
    else:
        pytest.fail("gunicorn did not start")
    yield int(listening.group(1))
    process.terminate()
    process.wait(timeout=10)


def gunicorn_post_chunked(port, chunks):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}
    connection.request("POST", TOKEN_URL, body=iter(chunks), headers=headers, encode_chunked=True)
    response = connection.getresponse()
    return response.status, json.loads(response.read())


def test_gunicorn_chunked_bodies_are_counted_and_read(gunicorn):
    megabyte = b" " * (LIMIT // 4)
    assert gunicorn_post_chunked(gunicorn, [b"{", *[megabyte] * 4, b"}"]) == (413, TOO_LARGE)
    # Within the limit the body reaches the parser: refused for its depth, not read as empty.
    body = credentials_nested(33).encode()
    assert gunicorn_post_chunked(gunicorn, [body[:10], body[10:]]) == (400, TOO_DEEP)


# Fields a request may not set -------------------------------------------------------------
UNKNOWN = "zz_not_a_field"


@pytest.fixture
def one_of_each(north_patient, nora, phil, ada):
    """A record of every kind in ada's clinic, and a reminder addressed to her."""
    fall = factories.FallFactory(patient=north_patient, recorded_by=nora)
    factories.ReminderFactory(patient=north_patient, kind="fall_risk", fall=fall).recipients.add(ada)
    device = factories.DeviceFactory(patient=north_patient, prescribed_by=phil)
    today = timezone.localdate()
    review = device_review(device=device, by=phil, reviewed_on=today, next_review_due_on=today)
    assessment = factories.AssessmentFactory(patient=north_patient, assessor=nora)
    return {
        "patients": north_patient,
        "assessments": assessment,
        "falls": fall,
        "devices": device,
        "referrals": factories.ReferralFactory(patient=north_patient, created_by=nora),
        "medications": factories.MedicationFactory(patient=north_patient, recorded_by=nora),
        "exercise-plans": factories.PlanFactory(patient=north_patient, prescribed_by=phil),
        "webhooks": endpoint_register(
            clinic=north_patient.clinic, by=ada, url="https://ehr.example/hooks", events=["fall.recorded"]
        ),
        # A record of one of the above, by its own id in the path (``{review_id}``), by collection.
        "review_id": {
            "devices": review,
            "patients": trend_review_record(patient=north_patient, by=phil, note="Steady."),
        },
    }


def test_every_request_body_refuses_an_unknown_field_by_name(one_of_each, ada_api):
    schema = ada_api.get("/api/schema/", {"format": "json"}).json()
    exercised = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if "requestBody" not in operation:
                continue
            url = path
            if "{id}" in path:
                # A record route of a new collection needs a record in ``one_of_each``.
                url = path.replace("{id}", str(one_of_each[path.split("/")[3]].pk))
            for name in re.findall(r"\{(\w+_id)\}", path):
                url = url.replace(f"{{{name}}}", str(one_of_each[name][path.split("/")[3]].pk))
            response = getattr(ada_api, method)(url, {UNKNOWN: 1, "id": 7}, format="json")
            assert response.status_code == 400, (method, url, response.content)
            errors = response.json()
            assert errors[UNKNOWN][0].startswith("Unknown field; accepted fields: "), (method, url, errors)
            exercised.append(f"{method} {path}")
    collections = (
        "patients",
        "assessments",
        "falls",
        "devices",
        "referrals",
        "medications",
        "exercise-plans",
    )
    expected = {f"post /api/v1/{name}/" for name in collections}
    expected |= {f"patch /api/v1/{name}/{{id}}/" for name in collections}
    expected |= {f"post /api/v1/{name}/{{id}}/entered-in-error/" for name in collections}
    expected |= {
        "post /api/v1/webhooks/",
        "patch /api/v1/webhooks/{id}/",
        "post /api/v1/referrals/{id}/transition/",
        "post /api/v1/devices/{id}/review/",
        "post /api/v1/devices/{id}/reviews/{review_id}/entered-in-error/",
        "post /api/v1/patients/{id}/reviews/",
        "post /api/v1/patients/{id}/reviews/{review_id}/entered-in-error/",
    }
    assert expected <= set(exercised)


def test_a_misspelt_field_is_named_with_the_fields_accepted_and_nothing_changes(north_patient, nora_api):
    url = reverse("api:patient-detail", kwargs={"pk": north_patient.pk})
    response = nora_api.patch(url, {"given_nmae": "Bea", "date_of_birth": "soon"}, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert errors["given_nmae"] == [
        "Unknown field; accepted fields: mrn, given_name, family_name, date_of_birth, sex, ms_type, "
        "diagnosis_date, status, reassessment_interval_weeks."
    ]
    assert "date_of_birth" in errors  # reported together with the field's own error
    north_patient.refresh_from_db()
    assert north_patient.given_name != "Bea"


def test_read_only_fields_are_refused_not_ignored(north, nora_api):
    body = {
        "clinic": "north",
        "mrn": "R1",
        "given_name": "Ro",
        "family_name": "Reed",
        "date_of_birth": "1980-02-03",
        "id": 99,
        "created_at": "2020-01-01T00:00:00Z",
    }
    response = nora_api.post(reverse("api:patient-list"), body, format="json")
    assert response.status_code == 400
    read_only = ["Read-only field: it cannot be set here."]
    assert response.json() == {"id": read_only, "created_at": read_only}
    assert not Patient.objects.exists()


def test_an_unknown_field_in_a_score_is_named_at_its_place(north_patient, nora_api):
    scores = [
        {"muscle_group": "grip", "side": "left", "grade": "4"},
        {"muscle_group": "grip", "side": "right", "grade": "4", "grde": "3"},
    ]
    body = {"patient": north_patient.pk, "assessed_on": timezone.localdate().isoformat(), "scores": scores}
    response = nora_api.post(reverse("api:assessment-list"), body, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "scores": {
            "1": {"grde": ["Unknown field; accepted fields: muscle_group, side, grade, weakness_type."]}
        }
    }
    assert not north_patient.assessments.exists()


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("transition", {"status": "sent", "note": "by fax"}),
        ("entered-in-error", {"reason": "x", "by": "ada"}),
    ],
)
def test_action_bodies_refuse_unknown_fields(one_of_each, ada_api, action, body):
    referral = one_of_each["referrals"]
    response = ada_api.post(f"/api/v1/referrals/{referral.pk}/{action}/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [next(reversed(body))]
    referral.refresh_from_db()
    assert (referral.status, referral.entered_in_error) == ("draft", False)


def test_acknowledge_takes_no_fields(north_patient, nora, nora_api):
    reminder = factories.ReminderFactory(patient=north_patient)
    reminder.recipients.add(nora)
    url = reverse("api:reminder-acknowledge", kwargs={"pk": reminder.pk})
    response = nora_api.post(url, {"note": "phoned the patient"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"note": ["Unknown field; accepted fields: none."]}
    reminder.refresh_from_db()
    assert reminder.status == "pending"
    assert nora_api.post(url).json()["status"] == "acknowledged"


def test_the_schema_closes_request_bodies_and_documents_the_refusals(anonymous):
    schema = anonymous.get("/api/schema/", {"format": "json"}).json()
    components = schema["components"]["schemas"]
    for name in ("PatientRequest", "PatchedPatientRequest", "AssessmentRequest", "MuscleScoreRequest"):
        assert components[name]["additionalProperties"] is False, name
    assert "Unknown field" in components["FieldErrors"]["description"]
    post = schema["paths"]["/api/v1/patients/"]["post"]["responses"]
    assert post["413"]["description"] == "A body over 1,048,576 bytes."
