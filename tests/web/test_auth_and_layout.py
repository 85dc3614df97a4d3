"""Logging in and out, the layout's who-am-I, the error pages and the served assets."""

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from ..conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_login_url_is_the_pages_login():
    assert reverse(settings.LOGIN_URL) == "/login/"


def test_login_page(anonymous):
    response = anonymous.get(reverse("web:login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_username">' in html and '<label for="id_password">' in html


def test_log_in_and_land_on_the_patient_list(nora):
    client = Client()
    response = client.post(reverse("web:login"), {"username": "nora", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("web:patient_list")
    html = response.content.decode()
    assert "MS nurse" in html and "North" in html and "Log out" in html


def test_log_in_to_where_you_were_going(nora, assessed_patient):
    target = reverse("web:patient_dashboard", args=[assessed_patient.pk])
    response = Client().post(
        f"/login/?next={target}", {"username": "nora", "password": PASSWORD, "next": target}
    )
    assert response.status_code == 302 and response["Location"] == target


def test_a_wrong_password_is_refused_and_the_username_kept(nora):
    response = Client().post(reverse("web:login"), {"username": "nora", "password": "wrong"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Please enter a correct username and password" in html
    assert 'value="nora"' in html


def test_log_out(nora_web):
    response = nora_web.post(reverse("web:logout"))
    assert response.status_code == 302 and response["Location"] == reverse("web:login")
    assert nora_web.get(reverse("web:patient_list")).status_code == 302


def test_the_header_shows_every_clinic_and_the_role(phil, south):
    from patients.models import StaffMembership

    StaffMembership.objects.create(user=phil, clinic=south)
    client = Client()
    client.force_login(phil)
    html = client.get(reverse("web:patient_list")).content.decode()
    assert "Physiotherapist" in html and "North, South" in html


def test_not_found_page(nora_web):
    response = nora_web.get("/no/such/page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode() and "Back to patients" in response.content.decode()


def test_the_api_keeps_its_json_404(nora_web):
    response = nora_web.get("/api/v1/nothing-here/")
    assert response.status_code == 404 and response.json() == {"detail": "Not found."}


def test_server_error_page_renders_without_a_request():
    from django.template import loader

    html = loader.get_template("500.html").render()
    assert "Something went wrong" in html and "/static/web/app.css" in html


def test_server_error_handler_uses_it(nora):
    from django.test import override_settings
    from django.urls import path

    def boom(request):
        raise RuntimeError("boom")

    urlpatterns = [path("boom/", boom)]

    class urls:
        pass

    urls.urlpatterns = urlpatterns
    with override_settings(ROOT_URLCONF=urls):
        client = Client(raise_request_exception=False)
        response = client.get("/boom/")
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


@pytest.mark.parametrize(
    "asset",
    ["vendor/chart.js/chart.umd.min.js", "vendor/htmx.org/htmx.min.js", "web/app.css", "web/dashboard.js"],
)
def test_assets_are_served_by_the_app_from_npm_and_the_web_app(asset):
    assert finders.find(asset), f"{asset} not found: run `make setup` (npm ci)"
