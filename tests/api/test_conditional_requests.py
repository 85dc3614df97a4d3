"""Conditional requests (SPEC §4): an ETag on every record, list page and trends answer;
If-None-Match naming the current one is a 304 without a body; API_REQUIRE_IF_MATCH makes a
PATCH without If-Match a 428."""

import pytest
from django.urls import reverse

from audit.models import AccessRecord
from patients.models import Patient
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_patients(north):
    return [factories.PatientFactory(clinic=north) for _ in range(2)]


def detail(patient):
    return reverse("api:patient-detail", kwargs={"pk": patient.pk})


LIST = reverse("api:patient-list")


@pytest.mark.parametrize(
    "url_of",
    [
        pytest.param(lambda patient: LIST, id="list page"),
        pytest.param(detail, id="record"),
        pytest.param(lambda patient: reverse("api:patient-trends", kwargs={"pk": patient.pk}), id="trends"),
        pytest.param(lambda patient: reverse("api:clinic-list"), id="clinics"),
    ],
)
def test_a_current_etag_in_if_none_match_is_a_304_without_a_body(url_of, north_patient, nora_api):
    url = url_of(north_patient)
    first = nora_api.get(url)
    assert first.status_code == 200 and first["ETag"].startswith('"')

    again = nora_api.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]


def test_a_change_makes_the_etag_stale_and_the_full_page_comes_back(two_patients, nora_api):
    first = nora_api.get(LIST)
    nora_api.patch(detail(two_patients[0]), {"given_name": "Irene"}, format="json")

    again = nora_api.get(LIST, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200
    assert again["ETag"] != first["ETag"]
    assert "Irene" in {row["given_name"] for row in again.json()["results"]}


def test_each_page_has_its_own_etag(two_patients, nora_api):
    page_1 = nora_api.get(LIST, {"page_size": 1})
    page_2 = nora_api.get(LIST, {"page_size": 1, "page": 2})
    assert page_1["ETag"] != page_2["ETag"]
    assert (
        nora_api.get(LIST, {"page_size": 1, "page": 2}, HTTP_IF_NONE_MATCH=page_1["ETag"]).status_code == 200
    )


@pytest.mark.parametrize(
    "if_none_match",
    [
        '"stale", {etag}',  # one of a list
        "W/{etag}",  # weak comparison: W/ matches the strong tag
        "*",  # any current representation
    ],
)
def test_if_none_match_compares_weakly_and_takes_lists_and_star(if_none_match, north_patient, nora_api):
    etag = nora_api.get(detail(north_patient))["ETag"]
    response = nora_api.get(detail(north_patient), HTTP_IF_NONE_MATCH=if_none_match.format(etag=etag))
    assert response.status_code == 304


@pytest.mark.parametrize(
    "if_none_match",
    ["garbage", "", ",", '"unterminated', "{etag_unquoted}", '"{etag_upper}"', "W/ {etag}"],
)
def test_an_if_none_match_that_names_no_current_etag_gets_the_full_answer(
    if_none_match, north_patient, nora_api
):
    etag = nora_api.get(detail(north_patient))["ETag"]
    header = if_none_match.format(
        etag=etag, etag_unquoted=etag.strip('"'), etag_upper=etag.strip('"').upper()
    )
    response = nora_api.get(detail(north_patient), HTTP_IF_NONE_MATCH=header)
    assert response.status_code == 200, header
    assert response.json()["id"] == north_patient.pk


def test_an_outsider_gets_404_whatever_if_none_match_says(north_patient, nora_api, sam_api):
    etag = nora_api.get(detail(north_patient))["ETag"]
    assert sam_api.get(detail(north_patient), HTTP_IF_NONE_MATCH=etag).status_code == 404
    assert sam_api.get(detail(north_patient), HTTP_IF_NONE_MATCH="*").status_code == 404


def test_a_304_is_still_a_read_of_the_patient_in_the_access_log(north_patient, nora_api):
    etag = nora_api.get(detail(north_patient))["ETag"]
    nora_api.get(detail(north_patient), HTTP_IF_NONE_MATCH=etag)
    assert AccessRecord.objects.filter(user__username="nora", action="patient_read").count() == 2


def test_if_none_match_does_not_apply_to_changes(north_patient, nora_api):
    etag = nora_api.get(detail(north_patient))["ETag"]
    response = nora_api.patch(
        detail(north_patient), {"given_name": "Irene"}, format="json", HTTP_IF_NONE_MATCH=etag
    )
    assert response.status_code == 200


class TestRequireIfMatch:
    @pytest.fixture(autouse=True)
    def strict(self, settings):
        settings.API_REQUIRE_IF_MATCH = True

    def test_a_patch_without_if_match_is_a_428_in_words_and_changes_nothing(self, north_patient, nora_api):
        response = nora_api.patch(detail(north_patient), {"given_name": "Irene"}, format="json")
        assert response.status_code == 428
        assert "If-Match" in response.json()["detail"]
        assert Patient.objects.get(pk=north_patient.pk).given_name == north_patient.given_name

    def test_a_patch_with_the_current_etag_goes_through(self, north_patient, nora_api):
        etag = nora_api.get(detail(north_patient))["ETag"]
        response = nora_api.patch(
            detail(north_patient), {"given_name": "Irene"}, format="json", HTTP_IF_MATCH=etag
        )
        assert response.status_code == 200 and response.json()["given_name"] == "Irene"

    def test_a_stale_etag_is_still_a_412(self, north_patient, nora_api):
        response = nora_api.patch(
            detail(north_patient), {"given_name": "Irene"}, format="json", HTTP_IF_MATCH='"stale"'
        )
        assert response.status_code == 412

    def test_an_outsider_gets_404_not_428(self, north_patient, sam_api):
        assert sam_api.patch(detail(north_patient), {"given_name": "X"}, format="json").status_code == 404

    def test_posts_need_no_if_match(self, north, nora_api):
        body = {
            "clinic": "north",
            "mrn": "B1",
            "given_name": "Bea",
            "family_name": "Hart",
            "date_of_birth": "1975-04-01",
        }
        assert nora_api.post(LIST, body, format="json").status_code == 201


def test_without_the_setting_a_patch_needs_no_if_match(north_patient, nora_api):
    assert nora_api.patch(detail(north_patient), {"given_name": "Irene"}, format="json").status_code == 200


def test_the_schema_documents_304_412_428_and_if_none_match(nora_api):
    paths = nora_api.get("/api/schema/?format=json").json()["paths"]
    for path in ("/api/v1/patients/", "/api/v1/patients/{id}/", "/api/v1/patients/{id}/trends/"):
        operation = paths[path]["get"]
        assert "304" in operation["responses"], path
        assert "If-None-Match" in {p["name"] for p in operation["parameters"]}, path
    patch = paths["/api/v1/patients/{id}/"]["patch"]
    assert {"412", "428"} <= set(patch["responses"])
    assert "304" not in paths["/api/v1/reports/caseload/"]["get"]["responses"]
