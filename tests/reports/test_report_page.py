"""The report page: the same figures as the API, with charts and CSV links, for clinic admins only."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.support.clients import web_client_of

from .test_query_counts import grow

pytestmark = pytest.mark.django_db
URL = reverse("web:reports")


def test_an_admin_sees_every_report_with_its_charts_and_csv_links(network, ada):
    response = web_client_of(ada).get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    for title in ("Caseload", "Overdue follow-ups", "Falls", "Referrals", "Devices", "Strength"):
        assert f">{title}</h2>" in page
    for name in ("caseload", "overdue", "falls", "referrals", "devices", "strength"):
        assert f'href="{reverse(f"api:report-{name}")}?format=csv"' in page
    assert "vendor/chart.js/chart.umd.min.js" in page
    charts = json.loads(page.split('id="report-data" type="application/json">')[1].split("</script>")[0])
    # The caseload chart sums the MS types of each clinic (see test_caseload).
    assert charts["caseload"] == {
        "labels": ["North"],
        "series": [
            {"name": "Assessed within their interval", "values": [2]},
            {"name": "Reassessment overdue", "values": [2]},
            {"name": "Never assessed", "values": [1]},
        ],
    }
    assert response.context["overdue_count"] == 7
    assert "<td>Referral overdue</td>" in page and "<td>Device review due</td>" in page
    assert "Reports</a>" in page  # in the header's navigation


def test_the_filters_narrow_the_reports_and_the_csv_links(network, ada):
    response = web_client_of(ada).get(
        URL, {"clinic": "north", "date_from": "2025-03-01", "date_to": "2025-04-30"}
    )
    assert response.status_code == 200
    assert [row[:2] for row in response.context["tables"]["falls"]["rows"]] == [
        ["North", "Mar 2025"],
        ["North", "Apr 2025"],
    ]
    assert "?clinic=north&amp;from=2025-03-01&amp;to=2025-04-30&amp;format=csv" in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "soon"},
        {"date_from": "2025-05-02", "date_to": "2025-05-01"},
        {"clinic": "south"},
        {"date_to": "9999-12-31"},
    ],
)
def test_bad_filters_are_shown_on_the_form(network, ada, params):
    response = web_client_of(ada).get(URL, params)
    assert response.status_code == 400
    assert response.context["form"].errors


def test_nurses_and_physios_may_not_and_anonymous_logs_in(network, nora, phil, anonymous):
    assert web_client_of(nora).get(URL).status_code == 403
    assert web_client_of(phil).get(URL).status_code == 403
    assert b"Reports</a>" not in web_client_of(nora).get(reverse("web:patient_list")).content
    response = anonymous.get(URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("web:login"))


def test_the_page_costs_the_same_queries_for_a_bigger_network(network, ada, phil):
    client = web_client_of(ada)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL).status_code == 200
        return len(queries)

    small = count()
    grow(ada, phil)
    assert count() == small


@pytest.mark.parametrize(
    ("day", "accepted"), [("1899-12-31", False), ("1900-01-01", True), ("3000-01-01", False)]
)
def test_the_page_and_the_api_bound_dates_alike(network, ada, ada_api, day, accepted):
    page = web_client_of(ada).get(URL, {"date_from": day})
    api = ada_api.get(reverse("api:report-falls"), {"from": day})
    assert (page.status_code, api.status_code) == ((200, 200) if accepted else (400, 400))
    if not accepted:
        # The same bounds; the page writes them as the clinic does, the API as it is sent them.
        assert page.context["form"].errors["date_from"] == ["Enter a date from 1 Jan 1900 to 31 Dec 2999."]
        assert api.json()["from"] == ["Enter a date from 1900-01-01 to 2999-12-31."]


def test_the_referrals_chart_has_a_series_for_every_status(network, ada):
    response = web_client_of(ada).get(URL)
    charts = json.loads(
        response.content.decode().split('id="report-data" type="application/json">')[1].split("</script>")[0]
    )
    names = [series["name"] for series in charts["referrals"]["series"]]
    assert names == ["Draft", "Sent", "Accepted", "Seen", "Closed", "Declined", "Cancelled"]
