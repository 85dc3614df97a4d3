"""The report page says everything in words: headings, codes, chart labels, months and days.

The API and its CSV keep the codes (they are the fields and values integrations read; see
test_csv); the page is for people.
"""

import json
import re

import pytest
from django.urls import reverse

from tests.support.clients import web_client_of

from .conftest import _referral

pytestmark = pytest.mark.django_db
URL = reverse("web:reports")

# Codes of columns and values that a person must never have to read on the page.
CODES = [
    "assessed_in_interval",
    "never_assessed",
    "due_for_reassessment",
    "assessed_in_period",
    "on_antispasticity_drugs",
    "with_active_plans",
    "active_patients",
    "near_falls",
    "serious_injuries",
    "patients_who_fell",
    "falls_per_patient",
    "high_fall_risk",
    "to_service",
    "reached_seen",
    "median_days",
    "device_type",
    "review_due",
    "patients_with_",
    "strength_reviews",
    "occupational_therapy",
    "reassessment_due",
    "referral_overdue",
    "device_review_due",
    "ms_type",
    "RRMS</td>",
]


def page_of(ada, **params):
    response = web_client_of(ada).get(URL, params)
    assert response.status_code == 200
    return response


def charts(response):
    page = response.content.decode()
    return json.loads(page.split('id="report-data" type="application/json">')[1].split("</script>")[0])


def visible_text(response):
    """The page without its attributes (a CSV link's query, a field's name) and scripts."""
    page = response.content.decode()
    page = re.sub(r"<script.*?</script>", "", page, flags=re.S)
    return re.sub(r"<[^>]*>", "<>", page)


@pytest.fixture
def occupational_therapy(network, nora):
    """A draft to occupational therapy, referred 60 days ago: due 42 days after, 18 days overdue."""
    return _referral(network.p4, nora, service="occupational_therapy", moves=[], referred_days_ago=60)


def test_the_page_reads_in_words_and_shows_no_code(network, ada, occupational_therapy):
    response = page_of(ada)
    text = visible_text(response)
    for code in CODES:
        assert code not in text, code
    for words in (
        "<>Assessed within their interval<>",
        "<>Reassessment overdue<>",
        "<>Relapsing-remitting (RRMS)<>",
        "<>Secondary progressive (SPMS)<>",
        "<>Occupational therapy<>",
        "<>Median days from sent to seen<>",
        "<>Ankle-foot orthosis (AFO)<>",
        "<>Share at high fall risk<>",
        "<>25%<>",
        "<>Patients with a decline<>",
    ):
        assert words in text, words
    # The chart data is words too: every label and series name a legend or an axis shows.
    data = json.dumps(charts(response))
    for code in CODES:
        assert code not in data, code
    assert "Occupational therapy" in charts(response)["referrals"]["labels"]
    assert "Ankle-foot orthosis (AFO)" in charts(response)["devices"]["labels"]


def test_what_is_not_yet_due_reads_due_in_so_many_days_never_negative_days_overdue(
    network, ada, occupational_therapy
):
    response = page_of(ada)
    rows = [(row["what"], row["when"], row["detail_words"]) for row in response.context["overdue"]]
    assert rows == [
        ("Referral overdue", "358 days overdue", "Orthotics"),
        ("Reassessment due", "30 days overdue", ""),
        ("Referral overdue", "18 days overdue", "Occupational therapy"),
        ("Reassessment due", "16 days overdue", ""),
        ("Referral overdue", "5 days overdue", "Physiotherapy"),
        ("Device review due", "1 day overdue", "Cane"),
        ("Device review due", "Due in 3 days", "Ankle-foot orthosis (AFO)"),
        ("Reassessment due", "Due in 4 days", ""),
    ]
    table = visible_text(response).split("Overdue follow-ups", 1)[1].split("<>Falls<>", 1)[0]
    assert "<>Due in 3 days<>" in table and "<>358 days overdue<>" in table
    assert not re.search(r"[-−]\d+ day", table)
    assert "<>Days overdue<>" not in table
    # Due dates as the clinic writes them.
    assert re.search(r"<>\d{1,2} [A-Z][a-z]{2} \d{4}<>", table)


def test_months_without_falls_show_zero_on_the_page_and_its_chart(network, ada):
    response = page_of(ada, date_from="2025-01-01", date_to="2025-06-30")
    table = response.context["tables"]["falls"]
    months = [(row[1], row[2]) for row in table["rows"]]
    assert months == [
        ("Jan 2025", 0),
        ("Feb 2025", 1),
        ("Mar 2025", 1),
        ("Apr 2025", 2),
        ("May 2025", 0),
        ("Jun 2025", 0),
    ]
    falls = charts(response)["falls"]
    assert falls["labels"] == ["Jan 2025", "Feb 2025", "Mar 2025", "Apr 2025", "May 2025", "Jun 2025"]
    assert falls["series"][0] == {"name": "Falls", "values": [0, 1, 1, 2, 0, 0]}
