"""Authentication (token and session), and the OpenAPI schema and docs, served locally."""

import re

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD
from tests.support.clients import api_client_of

pytestmark = pytest.mark.django_db


def test_a_token_is_exchanged_for_a_username_and_password_and_then_works(nora):
    client = api_client_of()
    response = client.post(
        reverse("api:auth-token"), {"username": "nora", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert client.get(reverse("api:patient-list")).status_code == 200


@pytest.mark.parametrize("body", [{"username": "nora", "password": "wrong"}, {"username": "nora"}, {}])
def test_bad_credentials_get_no_token(body, nora):
    response = api_client_of().post(reverse("api:auth-token"), body, format="json")
    assert response.status_code == 400
    assert "token" not in response.json()


def test_a_username_longer_than_any_account_is_a_field_error(nora):
    # On PostgreSQL it used to be a 500: django-axes could not store the failed attempt.
    response = api_client_of().post(
        reverse("api:auth-token"), {"username": "n" * 300, "password": "wrong"}, format="json"
    )
    assert response.status_code == 400
    assert "150" in response.json()["username"][0]


@pytest.mark.parametrize("header", [None, "Token not-a-token", "Basic bm9yYTpwYXNz"])
def test_without_valid_credentials_the_answer_is_401_with_a_challenge(header, anonymous):
    if header:
        anonymous.credentials(HTTP_AUTHORIZATION=header)
    response = anonymous.get(reverse("api:patient-list"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_browser_session_works_and_its_writes_need_the_csrf_token(client, nora, north_patient):
    client.force_login(nora)
    assert client.get(reverse("api:patient-list")).status_code == 200
    client.handler.enforce_csrf_checks = True
    url = reverse("api:patient-detail", kwargs={"pk": north_patient.pk})
    response = client.patch(url, {"given_name": "X"}, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_the_schema_documents_every_route(client):
    response = client.get(reverse("api:schema"), {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/patients/{id}/trends/" in paths
    assert "/api/v1/referrals/{id}/transition/" in paths
    assert "delete" not in paths["/api/v1/patients/{id}/"]
    assert "put" not in paths["/api/v1/patients/{id}/"]


def test_the_schema_says_how_to_send_a_token(client):
    schema = client.get(reverse("api:schema"), {"format": "json"}).json()
    assert schema["components"]["securitySchemes"]["knoxApiToken"]["name"] == "Authorization"
    assert {"knoxApiToken": []} in schema["paths"]["/api/v1/falls/"]["get"]["security"]


def test_the_schema_documents_the_auth_routes_and_every_status_they_answer(client):
    paths = client.get(reverse("api:schema"), {"format": "json"}).json()["paths"]

    token = paths["/api/v1/auth/token/"]["post"]
    assert "security" not in token  # no credentials needed to sign in
    assert {"200", "400", "429"} <= set(token["responses"])
    assert "Retry-After" in token["responses"]["429"]["headers"]
    logout = paths["/api/v1/auth/logout/"]["post"]["responses"]
    assert {"204", "400", "401"} <= set(logout)
    assert "content" not in logout["204"]
    tokens = paths["/api/v1/auth/tokens/"]["get"]["responses"]
    assert {"200", "401"} <= set(tokens)
    assert tokens["200"]["content"]["application/json"]["schema"] == {
        "type": "array",
        "items": {"$ref": "#/components/schemas/LiveToken"},
    }


def test_the_docs_page_loads_its_assets_from_this_server(client):
    response = client.get(reverse("api:docs"))
    assert response.status_code == 200
    page = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert any("swagger-ui" in a for a in assets)
    # The static files, and Swagger UI's init script from the docs view itself (for the CSP).
    assert all(a.startswith(("/static/", reverse("api:docs"))) for a in assets), assets
    assert "cdn" not in page.lower()


def test_an_unknown_api_url_is_a_json_404(nora_api):
    response = nora_api.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
