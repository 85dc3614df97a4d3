"""Attacks on the project's error answers (``clinic.errors``): an unknown URL is a JSON 404 under
/api/ whatever the method and a page elsewhere, an id too large for the database is a 404 and
never a 500, and a body over the limit is a 413 before anything is looked up."""

import pytest
from django.urls import URLPattern, get_resolver, reverse

from audit.models import AccessRecord
from care.models import FallEvent
from tests import factories
from tests.support.clients import api_client_of, web_client_of

from ..api.test_permission_matrix import EXPECTED, METHODS, RECORD_ROUTES

pytestmark = pytest.mark.django_db

NOT_FOUND = {"detail": "Not found."}
TOO_LARGE = {"detail": "Request body too large: the limit is 1,048,576 bytes."}
LIMIT = 1_048_576
# Larger than any database integer: the ORM must answer "no such row", not raise.
HUGE = 10**30
ADMIN = 3  # the clinic admin's column of the permission matrix

UNKNOWN_API_URLS = [
    "/api/",
    "/api/v1/",
    "/api/v1/nothing-here/",
    "/api/v2/patients/",
    "/api/v1/patients/1.json",
    "/api/v1/patients/1/trends/more/",
    "/api/v1/records/fall/1/entered-in-error/",
    "/api/v1/reports/everything/",
]


@pytest.mark.parametrize("method", ["GET", "HEAD", "POST", "PATCH", "PUT", "DELETE", "OPTIONS"])
@pytest.mark.parametrize("url", UNKNOWN_API_URLS)
def test_an_unknown_api_url_is_a_json_404_for_every_method_and_everyone(url, method, nora):
    for client in (api_client_of(), api_client_of(nora)):
        response = client.generic(method, url, "{}", content_type="application/json")
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        if method != "HEAD":
            assert response.json() == NOT_FOUND


@pytest.mark.parametrize(
    "url",
    [
        "/nothing-here/",
        "/api",  # not under /api/: the site's page
        "/apis/v1/patients/",
        "/patients/abc/",
        "/records/",
        "/records/fall/",
        "/records/fall/abc/entered-in-error/",
        "/records/fall/1/",
    ],
)
def test_an_unknown_url_elsewhere_is_the_sites_page(url, nora):
    for client in (web_client_of(), web_client_of(nora)):
        response = client.get(url)
        assert response.status_code == 404
        assert response["Content-Type"].startswith("text/html")
        assert "Page not found" in response.content.decode()


@pytest.mark.parametrize("name", RECORD_ROUTES)
def test_an_id_too_large_for_the_database_is_a_404_on_every_api_route(name, ada):
    kwarg = "code" if name.startswith("clinic") else "pk"
    kwargs = {kwarg: "9" * 40 if kwarg == "code" else HUGE}
    if name in ("device-review-entered-in-error", "patient-review", "patient-review-entered-in-error"):
        kwargs["review_id"] = HUGE  # the review's id, as well as its device's or patient's
    url = reverse(f"api:{name}", kwargs=kwargs)
    client = api_client_of(ada)
    for method in METHODS:
        served = EXPECTED[name][method][ADMIN] != 405
        response = client.generic(method, url, "{}", content_type="application/json")
        assert response.status_code == (404 if served else 405), method


def _web_routes_about_a_record():
    """``(url name, kwargs with a huge id)`` of every page whose URL names a record by id."""
    for entry in get_resolver("web.urls").url_patterns:
        if isinstance(entry, URLPattern) and "<int:pk>" in str(entry.pattern):
            kwargs = {"pk": HUGE} | ({"kind": "fall"} if "<slug:kind>" in str(entry.pattern) else {})
            kwargs |= {"plan_pk": HUGE} if "<int:plan_pk>" in str(entry.pattern) else {}
            yield f"web:{entry.name}", kwargs


POST_ONLY_PAGES = {"web:referral_move", "web:reminder_ack", "web:diary_link"}


@pytest.mark.parametrize(("name", "kwargs"), list(_web_routes_about_a_record()))
def test_an_id_too_large_for_the_database_is_a_404_on_every_page(name, kwargs, ada):
    client = web_client_of(ada)
    url = reverse(name, kwargs=kwargs)
    assert client.post(url).status_code == 404
    assert client.get(url).status_code == (405 if name in POST_ONLY_PAGES else 404)
    assert not AccessRecord.objects.exists()


def test_an_oversized_body_is_a_413_before_any_record_is_looked_up(north_patient, sam):
    """The outsider learns nothing from a 413: it answers the same for north's patient, a missing
    one and a URL that does not exist."""
    body = b"{" + b" " * LIMIT + b"}"
    outsider = api_client_of(sam)
    for url in (
        reverse("api:patient-detail", kwargs={"pk": north_patient.pk}),
        reverse("api:patient-detail", kwargs={"pk": north_patient.pk + 1000}),
        "/api/v1/nothing-here/",
    ):
        response = outsider.generic("PATCH", url, body, content_type="application/json")
        assert (response.status_code, response.json()) == (413, TOO_LARGE), url


def test_an_oversized_form_on_a_page_is_the_413_page_and_marks_nothing(north_patient, nora):
    fall = factories.FallFactory(patient=north_patient, recorded_by=nora)
    body = b"reason=" + b"x" * LIMIT
    response = web_client_of(nora).generic(
        "POST",
        reverse("web:entered_in_error", args=["fall", fall.pk]),
        body,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413
    assert [t.name for t in response.templates][0] == "413.html"
    assert not FallEvent.objects.get().entered_in_error
    assert not AccessRecord.objects.exists()
