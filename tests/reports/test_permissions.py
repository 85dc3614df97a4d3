"""Reports are for clinic admins, over their own clinics only (SPEC §4 roles table)."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from patients.models import StaffMembership
from reports.queries import REPORTS
from tests.support.clients import api_client_of

pytestmark = pytest.mark.django_db


@pytest.fixture(params=list(REPORTS))
def url(request):
    return reverse(f"api:report-{request.param}")


def test_admin_200_nurse_and_physio_403_anonymous_401(
    url, network, ada_api, nora_api, phil_api, sam_api, anonymous
):
    assert ada_api.get(url).status_code == 200
    assert nora_api.get(url).status_code == 403
    assert phil_api.get(url).status_code == 403
    assert sam_api.get(url).status_code == 403
    assert anonymous.get(url).status_code == 401


def test_an_admin_sees_only_their_clinics(url, network, ada_api):
    body = ada_api.get(url, {"format": "json"}).json()
    assert body["clinics"] == ["north"]
    assert {row["clinic"] for row in body["results"]} == {"north"}
    assert ada_api.get(url, {"clinic": "north"}).json()["results"] == body["results"]


@pytest.mark.parametrize("code", ["south", "nowhere"])
def test_a_clinic_not_theirs_is_404_like_any_record_outside_them(url, code, network, ada_api):
    response = ada_api.get(url, {"clinic": code})
    assert response.status_code == 404
    assert response.json() == {"detail": "No such clinic among yours."}


def test_an_admin_of_two_clinics_sees_both_and_can_pick_one(url, network, ada, south, ada_api):
    StaffMembership.objects.create(user=ada, clinic=south)
    assert ada_api.get(url).json()["clinics"] == ["north", "south"]
    rows = ada_api.get(url, {"clinic": "south"}).json()["results"]
    assert rows
    assert {row["clinic"] for row in rows} == {"south"}


def test_a_superuser_sees_every_clinic(url, network):
    root = get_user_model().objects.create_superuser("root", password="x")
    body = api_client_of(root).get(url).json()
    assert body["clinics"] == ["north", "south"]
    assert {row["clinic"] for row in body["results"]} == {"north", "south"}


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_reports_are_read_only(url, method, network, ada_api, nora_api):
    assert getattr(ada_api, method)(url).status_code == 405
    assert getattr(nora_api, method)(url).status_code == 405
