"""``?format=csv``: the whole report, streamed (header row, then a line a row)."""

import csv
import io
from decimal import Decimal, InvalidOperation

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from reports.queries import REPORTS

pytestmark = pytest.mark.django_db


def read_csv(response):
    assert isinstance(response, StreamingHttpResponse)
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def same(value):
    """A cell as compared: numbers by value (CSV writes 0.250 where JSON has 0.25)."""
    try:
        return Decimal(value)
    except InvalidOperation:
        return value


@pytest.mark.parametrize("name", REPORTS)
def test_each_report_streams_the_same_rows_as_its_json(name, network, ada_api):
    url = reverse(f"api:report-{name}")
    response = ada_api.get(url, {"format": "csv", "page_size": 2})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{name}-{network.today}.csv"'
    header, *rows = read_csv(response)
    body = ada_api.get(url, {"page_size": 500}).json()
    assert header == body["columns"]
    expected = [
        [same("" if value is None else str(value)) for value in row.values()] for row in body["results"]
    ]
    # The CSV holds every row, whatever the page size asked for.
    assert [[same(value) for value in row] for row in rows] == expected
    assert rows


def test_the_overdue_export_is_every_row_oldest_first(network, ada_api):
    header, *rows = read_csv(ada_api.get(reverse("api:report-overdue"), {"format": "csv"}))
    assert header[:3] == ["kind", "clinic", "patient"]
    assert [row[-1] for row in rows] == ["358", "30", "16", "5", "1", "-3", "-4"]


def test_an_error_is_json_even_when_csv_was_asked_for(network, nora_api, ada_api):
    response = nora_api.get(reverse("api:report-caseload"), {"format": "csv"})
    assert (response.status_code, response["Content-Type"]) == (403, "application/json")
    response = ada_api.get(reverse("api:report-caseload"), {"format": "csv", "from": "soon"})
    assert (response.status_code, response["Content-Type"]) == (400, "application/json")


def test_text_a_spreadsheet_would_run_as_a_formula_is_quoted_and_numbers_are_not(network, ada_api):
    # Names and MRNs are typed by staff: each of these would start a formula in a spreadsheet.
    typed = {
        network.p2: ('=HYPERLINK("http://x")', "+1", "-2"),
        network.p3: ("@SUM(A1)", "\tTab", "\rReturn"),
    }
    for patient, (mrn, given_name, family_name) in typed.items():
        patient.mrn, patient.given_name, patient.family_name = mrn, given_name, family_name
        patient.save(update_fields=["mrn", "given_name", "family_name"])
    header, *rows = read_csv(ada_api.get(reverse("api:report-overdue"), {"format": "csv"}))
    cells = {row[header.index("patient")]: row for row in rows}
    p2, p3 = cells[str(network.p2.pk)], cells[str(network.p3.pk)]
    names = ("mrn", "given_name", "family_name")
    assert [p2[header.index(n)] for n in names] == ['\'=HYPERLINK("http://x")', "'+1", "'-2"]
    assert [p3[header.index(n)] for n in names] == ["'@SUM(A1)", "'\tTab", "'\rReturn"]
    # Negative numbers (what falls due within the week) are still written as numbers.
    assert [row[-1] for row in rows] == ["358", "30", "16", "5", "1", "-3", "-4"]


def raw_csv(response):
    return b"".join(response.streaming_content).decode()


# Text staff could type into a name or MRN so that some cell of the export, read by a
# spreadsheet splitting on semicolons or tabs (common where the decimal point is a comma),
# starts with a formula.
TYPED_TO_START_FORMULAS = {
    "mrn": "a;=1+1",
    "given_name": 'b;"=2+2"\t+SUM(A1)',
    "family_name": "c\n@cmd|' /C calc'!A0\r-2+3",
}


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_no_cell_starts_a_formula_when_a_spreadsheet_splits_on_another_separator(network, ada_api, delimiter):
    for field, text in TYPED_TO_START_FORMULAS.items():
        setattr(network.p2, field, text)
    network.p2.save(update_fields=list(TYPED_TO_START_FORMULAS))
    text = raw_csv(ada_api.get(reverse("api:report-overdue"), {"format": "csv"}))

    # A spreadsheet ends a row at a bare carriage return too (Python's reader refuses one).
    lines = io.StringIO(text.replace("\r\n", "\n").replace("\r", "\n"))
    read_otherwise = [cell for row in csv.reader(lines, delimiter=delimiter) for cell in row]
    assert len(read_otherwise) > 10
    for cell in read_otherwise:
        assert not cell.startswith(("=", "+", "@", "\t", "\r")), cell
        # A leading minus is only harmless on a number (days overdue: -3).
        assert not cell.startswith("-") or cell[1:].isdigit(), cell


def test_text_cells_are_quoted_and_read_back_whole_with_a_quote_before_each_formula(network, ada_api):
    for field, text in TYPED_TO_START_FORMULAS.items():
        setattr(network.p2, field, text)
    network.p2.save(update_fields=list(TYPED_TO_START_FORMULAS))
    text = raw_csv(ada_api.get(reverse("api:report-overdue"), {"format": "csv"}))
    header, *rows = csv.reader(io.StringIO(text))
    p2 = next(row for row in rows if row[header.index("patient")] == str(network.p2.pk))
    assert [p2[header.index(name)] for name in TYPED_TO_START_FORMULAS] == [
        "a;'=1+1",
        "b;\"'=2+2\"\t'+SUM(A1)",
        "c\n'@cmd|' /C calc'!A0\r'-2+3",
    ]
    # Text is quoted (the header too); numbers are not, so they stay numbers.
    assert text.startswith('"kind","clinic","patient",')
    assert f',{network.p2.pk},"a;\'=1+1",' in text
