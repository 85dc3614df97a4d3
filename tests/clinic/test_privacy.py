"""Nothing the application logs, emails or shows on an error page names a patient or carries a
secret (SPEC §5): requests of every kind that go wrong, a reminder sweep and its emails, and
what each left in the log (as the app's own log handler writes it, and as records), the
outbox and the pages."""

import io
import logging
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from knox.models import AuthToken, AuthTokenManager
from rest_framework.test import APIClient

from patients.clock import clinic_today
from reminders.delivery import reminder_digest_send
from reminders.sweep import reminder_sweep
from tests import factories
from tests.conftest import PASSWORD
from tests.support.clients import api_client_of, web_client_of

pytestmark = pytest.mark.django_db

WRONG_PASSWORD = "Wr0ng-horse-staple-9137"


@pytest.fixture
def app_log():
    """What the application's own log handler writes, with its filters, as text."""
    # LOGGING's console handler (pytest adds capturing handlers of its own subclasses).
    handlers = [handler for handler in logging.getLogger().handlers if type(handler) is logging.StreamHandler]
    assert handlers
    written = io.StringIO()
    previous = [handler.setStream(written) for handler in handlers]
    yield written
    for handler, stream in zip(handlers, previous, strict=True):
        handler.setStream(stream)


@pytest.fixture
def patient(north):
    """A patient whose identifiers are easy to find in any text."""
    return factories.PatientFactory(
        clinic=north, given_name="Zebedee", family_name="Quartermain", mrn="QZ-80417"
    )


def identifiers_of(patient):
    born = patient.date_of_birth
    return [
        patient.given_name,
        patient.family_name,
        patient.mrn,
        born.isoformat(),
        born.strftime("%d/%m/%Y"),
        f"{born:%d} {born:%B} {born:%Y}",
    ]


def record_texts(records):
    """Each record as any handler could write it: message, arguments and traceback."""
    formatter = logging.Formatter()
    for record in records:
        yield formatter.format(record)
        yield repr(record.args)


def assert_nothing_revealed(texts, secrets):
    for text in texts:
        for secret in secrets:
            assert secret not in text, f"{secret!r} revealed in {text[:300]!r}"


def test_requests_that_go_wrong_reveal_no_patient_and_no_secret(
    patient, nora, phil, sam, app_log, caplog, settings, monkeypatch
):
    caplog.set_level(logging.DEBUG)
    # Were Django's error emails on, they would carry every frame's variables.
    settings.ADMINS = [("Ops", "ops@clinic.example")]
    pages = []
    phil_web, sam_web = web_client_of(phil), web_client_of(sam)
    nora_token = AuthToken.objects.create(user=nora)[1]
    nora_api = APIClient()
    nora_api.credentials(HTTP_AUTHORIZATION=f"Token {nora_token}")
    detail = reverse("api:patient-detail", kwargs={"pk": patient.pk})

    # A forbidden write, through the API and through a page (PermissionDenied).
    body = {"given_name": patient.given_name, "family_name": patient.family_name, "mrn": patient.mrn}
    assert api_client_of(phil).patch(detail, body, format="json").status_code == 403
    response = phil_web.post(reverse("web:patient_edit", kwargs={"pk": patient.pk}), body)
    assert response.status_code == 403
    pages.append(response)
    # Outside the user's clinics: 404, through the API and a page.
    response = api_client_of(sam).get(detail)
    assert response.status_code == 404
    pages.append(response)
    response = sam_web.get(reverse("web:patient_dashboard", kwargs={"pk": patient.pk}))
    assert response.status_code == 404
    pages.append(response)
    # A validation error with the patient's identity in the body.
    body = {"clinic": "north", "mrn": patient.mrn, "given_name": patient.given_name, "date_of_birth": "soon"}
    assert nora_api.post(reverse("api:patient-list"), body, format="json").status_code == 400
    assert nora_api.patch(detail, {"date_of_birth": "1975-13-01"}, format="json").status_code == 400
    # Failed logins: the page's and the API's; and a good one, whose token must not show.
    response = web_client_of().post(reverse("web:login"), {"username": "nora", "password": WRONG_PASSWORD})
    assert response.status_code == 200
    anonymous = APIClient()
    credentials = {"username": "nora", "password": WRONG_PASSWORD}
    assert anonymous.post("/api/v1/auth/token/", credentials, format="json").status_code == 400
    response = anonymous.post(
        "/api/v1/auth/token/", {"username": "phil", "password": PASSWORD}, format="json"
    )
    issued_token = response.json()["token"]

    # A server error in the token view (the password in hand) and on a patient's page.
    def fail(*args, **kwargs):
        raise RuntimeError("the token store is unavailable")

    monkeypatch.setattr(AuthTokenManager, "create", fail)
    crashing = APIClient(raise_request_exception=False)
    credentials = {"username": "nora", "password": PASSWORD}
    assert crashing.post("/api/v1/auth/token/", credentials, format="json").status_code == 500
    monkeypatch.setattr("web.views.patients.patient_trends", fail)
    nora_web = web_client_of(nora)
    nora_web.raise_request_exception = False
    response = nora_web.get(reverse("web:patient_dashboard", kwargs={"pk": patient.pk}))
    assert response.status_code == 500
    pages.append(response)

    logged = app_log.getvalue()
    # The log says what went wrong, where; a 4xx without its traceback, a 500 with it.
    assert f"Forbidden (Permission denied): /patients/{patient.pk}/edit/" in logged
    assert logged.count("Traceback (most recent call last)") == 2
    assert "RuntimeError: the token store is unavailable" in logged
    secrets = [
        *identifiers_of(patient),
        PASSWORD,
        WRONG_PASSWORD,
        nora_token,
        issued_token,
        phil_web.cookies["sessionid"].value,
        sam_web.cookies["sessionid"].value,
        nora_web.cookies["sessionid"].value,
    ]
    assert_nothing_revealed([logged, *record_texts(caplog.records)], secrets)
    assert_nothing_revealed([page.content.decode() for page in pages], secrets)
    assert mail.outbox == []


def test_a_reminder_sweep_and_its_emails_reveal_no_patient(patient, nora, phil, app_log, caplog):
    caplog.set_level(logging.DEBUG)
    for user in (nora, phil):
        user.email = f"{user.username}@clinic.example"
        user.save()
    today = clinic_today()
    factories.AssessmentFactory(patient=patient, assessed_on=today - timedelta(weeks=13))
    reminder_sweep(today=today)
    for user in (nora, phil):
        assert reminder_digest_send(user_id=user.pk, today=today) == 1

    assert sorted(message.to[0] for message in mail.outbox) == ["nora@clinic.example", "phil@clinic.example"]
    emails = [text for message in mail.outbox for text in (message.subject, message.body)]
    assert_nothing_revealed(emails, identifiers_of(patient))
    assert_nothing_revealed([app_log.getvalue(), *record_texts(caplog.records)], identifiers_of(patient))
