"""Bad parameters are a 400 that names the parameter, never a 500."""

import pytest
from django.urls import reverse

from reports.queries import REPORTS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", REPORTS)
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "yesterday"}, "from"),
        ({"to": "2025-13-01"}, "to"),
        ({"from": "2025-05-02", "to": "2025-05-01"}, "to"),
        ({"from": "0001-01-01"}, "from"),
        ({"to": "9999-12-31"}, "to"),
        ({"format": "xml"}, "format"),
        ({"clinic": "north clinic"}, "clinic"),
        ({"clinic": "x" * 51}, "clinic"),
    ],
)
def test_bad_parameters_are_400(name, params, field, network, ada_api):
    response = ada_api.get(reverse(f"api:report-{name}"), params)
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_a_page_that_does_not_exist_is_404(network, ada_api):
    assert ada_api.get(reverse("api:report-overdue"), {"page": "99"}).status_code == 404


@pytest.mark.parametrize("page", ["0", "x", "last"])
@pytest.mark.parametrize("output", ["json", "csv"])
def test_a_page_that_is_no_whole_number_from_1_is_a_400_naming_it(page, output, network, ada_api):
    response = ada_api.get(reverse("api:report-overdue"), {"page": page, "format": output})
    assert (response.status_code, response.json()) == (400, {"page": ["A whole number from 1."]})


@pytest.mark.parametrize("param", ["clinic", "from", "to", "format", "page_size"])
def test_an_empty_parameter_is_a_400_not_absent(param, network, ada_api):
    response = ada_api.get(reverse("api:report-overdue"), {param: ""})
    assert (response.status_code, response.json()) == (
        400,
        {param: ["Give a value, or leave the parameter out."]},
    )


def test_unknown_parameters_are_ignored(network, ada_api):
    assert ada_api.get(reverse("api:report-devices"), {"colour": "blue"}).status_code == 200
