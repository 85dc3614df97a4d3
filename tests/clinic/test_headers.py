"""SPEC §5 "Responses": a Content Security Policy on pages, no-store on every response that
can carry patient data, HTTPS and HSTS in production, and a clean deployment checklist."""

import re
import secrets
import subprocess
import sys
from base64 import b64encode
from hashlib import sha256

import pytest
from django.conf import settings as django_settings
from django.http import HttpResponse
from django.template.loader import get_template
from django.test import RequestFactory
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic.middleware import NoStoreMiddleware
from tests import factories
from tests.clinic.test_settings_env import settings_env
from tests.support.clients import web_client_of


def _policy(response):
    """The Content-Security-Policy header as ``{directive: [sources]}``."""
    directives = (part.split() for part in response["Content-Security-Policy"].split(";"))
    return {name: sources for name, *sources in directives}


def _cache_control(response):
    return {part.strip() for part in response.get("Cache-Control", "").split(",")}


@pytest.fixture
def lovelace(north, nora):
    patient = factories.PatientFactory(clinic=north, given_name="Ada", family_name="Lovelace")
    factories.ReminderFactory(patient=patient).recipients.add(nora)
    return patient


@pytest.fixture
def ada_admin_web(ada):
    """Ada in the Django admin, her session past its second factor (django-otp's own record)."""
    client = web_client_of(ada)
    device = TOTPDevice.objects.create(user=ada, name="phone", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


# Content Security Policy ---------------------------------------------------------------------


@pytest.mark.parametrize("signed_in", [False, True], ids=["login page", "patient list"])
def test_pages_carry_a_policy_without_inline_code_or_eval(client, nora, signed_in):
    if signed_in:
        client.force_login(nora)
    response = client.get(reverse("web:patient_list" if signed_in else "web:login"))
    assert response.status_code == 200
    policy = _policy(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"][0] == "'self'"
    assert re.fullmatch(r"'nonce-[A-Za-z0-9+/=]{24}'", policy["script-src"][1])
    assert len(policy["script-src"]) == 2
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    header = response["Content-Security-Policy"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header


def test_the_only_inline_allowance_is_one_style_attribute_by_its_hash(client):
    sources = _policy(client.get(reverse("web:login")))["style-src-attr"]
    assert sources == ["'unsafe-hashes'", "'sha256-XMXSevYjgSjXgRafBFDvtjwX+yyWLrxfso9DcNZ9UXM='"]
    assert sources[1] == f"'sha256-{b64encode(sha256(b'border-top: 0').digest()).decode()}'"
    # The attribute it is for; if django-simple-history changes it, the policy must follow.
    history_list = get_template("simple_history/object_history_list.html").template.source
    assert re.findall(r'style="([^"]*)"', history_list) == ["border-top: 0"]


def test_each_response_has_a_nonce_of_its_own_and_the_page_scripts_carry_it(client, nora):
    client.force_login(nora)
    nonces = []
    for _ in range(2):
        response = client.get(reverse("web:patient_list"))
        nonce = _policy(response)["script-src"][1].removeprefix("'nonce-").removesuffix("'")
        page = response.content.decode()
        assert f'src="/static/vendor/htmx.org/htmx.min.js" nonce="{nonce}"' in page
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


def test_pages_have_no_inline_script_style_or_event_handler(client, nora, lovelace):
    client.force_login(nora)
    referral = factories.ReferralFactory(patient=lovelace, created_by=nora, status="sent")
    for url in (
        reverse("web:patient_list"),
        reverse("web:patient_dashboard", args=[lovelace.pk]),
        reverse("web:assessment_new", args=[lovelace.pk]),
        reverse("web:reminder_inbox"),
        reverse("web:referral_page", args=[referral.pk]),
        f"{reverse('web:referral_worklist')}?service=physiotherapy",
        reverse("web:referral_new", args=[lovelace.pk]),
    ):
        page = client.get(url).content.decode()
        # json_script's data blocks are not code; every other script comes from a file.
        scripts = re.findall(r"<script\b[^>]*>", page)
        assert all("src=" in tag or 'type="application/json"' in tag for tag in scripts), url
        assert "<style" not in page and " style=" not in page, url
        assert not re.search(r"\son[a-z]+=|hx-on|javascript:", page), url


def test_htmx_is_configured_to_run_without_eval_or_injected_styles(client, nora):
    client.force_login(nora)
    page = client.get(reverse("web:patient_list")).content.decode()
    config = re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", page).group(1)
    assert '"allowEval": false' in config and '"includeIndicatorStyles": false' in config
    assert '"historyCacheSize": 0' in config


def test_swagger_ui_loads_its_init_script_and_styles_as_files(client):
    response = client.get(reverse("api:docs"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "<style" not in page
    assert not re.search(r"<script>", page)
    assert '<script src="/api/docs/?script="></script>' in page
    script = client.get(reverse("api:docs"), {"script": ""})
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


# Cache-Control: no-store ---------------------------------------------------------------------


def _assert_no_store(response):
    assert "no-store" in _cache_control(response), response.get("Cache-Control")


def test_api_lists_records_and_csv_exports_are_not_stored(nora_api, ada_api, north_patient):
    _assert_no_store(nora_api.get(reverse("api:patient-list")))
    _assert_no_store(nora_api.get(reverse("api:patient-detail", args=[north_patient.pk])))
    csv = ada_api.get(reverse("api:report-caseload"), {"format": "csv"})
    assert csv["Content-Type"].startswith("text/csv")
    _assert_no_store(csv)


def test_api_errors_are_not_stored(anonymous, nora_api):
    assert anonymous.get(reverse("api:patient-list")).status_code == 401
    _assert_no_store(anonymous.get(reverse("api:patient-list")))
    bad = nora_api.post(reverse("api:patient-list"), {}, format="json")
    assert bad.status_code == 400
    _assert_no_store(bad)


def test_pages_and_htmx_fragments_are_not_stored(client, nora, lovelace):
    client.force_login(nora)
    page = client.get(reverse("web:patient_dashboard", args=[lovelace.pk]))
    assert page.status_code == 200
    _assert_no_store(page)
    fragment = client.get(reverse("web:patient_list"), {"q": "lovel"}, headers={"HX-Request": "true"})
    assert "<html" not in fragment.content.decode() and "Lovelace" in fragment.content.decode()
    _assert_no_store(fragment)


def test_error_pages_are_not_stored(client, sam, lovelace):
    client.force_login(sam)
    response = client.get(reverse("web:patient_dashboard", args=[lovelace.pk]))
    assert response.status_code == 404
    _assert_no_store(response)


def test_the_django_admin_is_not_stored(ada_admin_web, lovelace):
    for url in (
        reverse("admin:patients_patient_changelist"),
        reverse("admin:patients_patient_change", args=[lovelace.pk]),
    ):
        response = ada_admin_web.get(url)
        assert response.status_code == 200, url
        _assert_no_store(response)


def test_a_response_with_its_own_cache_policy_keeps_it(rf: RequestFactory):
    def cached_view(request):
        response = HttpResponse("public")
        response["Cache-Control"] = "public, max-age=600"
        return response

    response = NoStoreMiddleware(cached_view)(rf.get("/"))
    assert _cache_control(response) == {"public", "max-age=600"}
    assert _cache_control(NoStoreMiddleware(lambda request: HttpResponse())(rf.get("/"))) >= {
        "no-store",
        "private",
    }


def test_static_files_keep_their_long_cache(client, settings):
    # WhiteNoise answers static files before the no-store middleware sees them.
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    response = client.get("/static/web/app.css")
    assert response.status_code == 200
    cache_control = _cache_control(response)
    assert "no-store" not in cache_control and "public" in cache_control


# HTTPS in production -------------------------------------------------------------------------


def test_production_redirects_plain_http_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get(reverse("web:login"))
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/login/"


def test_https_responses_carry_hsts_and_the_other_security_headers(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    response = client.get(reverse("web:login"), secure=True)
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_behind_a_tls_proxy_the_forwarded_scheme_counts_as_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert client.get(reverse("web:login")).status_code == 301
    response = client.get(reverse("web:login"), headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 200
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_nothing_is_silenced():
    assert django_settings.SILENCED_SYSTEM_CHECKS == []


def _deploy_check(**env):
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=settings_env(DJANGO_SETTINGS_MODULE="clinic.settings", **env),
        capture_output=True,
        text=True,
        cwd=django_settings.BASE_DIR,
    )


def test_the_deployment_checklist_passes_with_no_warnings():
    result = _deploy_check(DEBUG="false", SECRET_KEY=secrets.token_urlsafe(50))
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_the_deployment_checklist_would_catch_plain_http():
    result = _deploy_check(DEBUG="false", SECRET_KEY=secrets.token_urlsafe(50), SECURE_SSL_REDIRECT="false")
    assert result.returncode != 0
    assert "security.W008" in result.stderr
