"""``GET reports/access/``: who read what, for clinic admins, about their own clinics only."""

import csv
import datetime
import io
import json
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.urls import reverse

from audit.models import AccessRecord
from tests import factories
from tests.support.clients import api_client_of

pytestmark = pytest.mark.django_db

URL = reverse("api:report-access")
LONDON = ZoneInfo("Europe/London")


def local(*args):
    """An instant at this wall-clock time in the clinics' zone (settings.TIME_ZONE)."""
    return datetime.datetime(*args, tzinfo=LONDON)


def read(client, patient, at=None):
    """``client`` reads ``patient`` through the API, at the instant ``at`` if given."""
    url = reverse("api:patient-detail", args=[patient.pk])
    if at is None:
        assert client.get(url).status_code == 200
        return
    with time_machine.travel(at, tick=False):
        assert client.get(url).status_code == 200


def results(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.fixture
def north_patients(north):
    return factories.PatientFactory(clinic=north), factories.PatientFactory(clinic=north)


def test_nurses_and_physios_are_refused_like_the_other_reports(
    nora_api, phil_api, sam_api, anonymous, ada_api, north_patients
):
    read(nora_api, north_patients[0])
    assert nora_api.get(URL).status_code == 403
    assert phil_api.get(URL).status_code == 403
    assert sam_api.get(URL).status_code == 403
    assert anonymous.get(URL).status_code == 401
    assert nora_api.get(URL, {"format": "csv"}).status_code == 403
    assert len(results(ada_api)) == 1


def test_an_admin_sees_who_read_their_clinic_s_patients_newest_first(
    nora_api, phil_api, ada_api, north_patients
):
    first, second = north_patients
    read(nora_api, first, local(2026, 3, 2, 9, 0))
    read(phil_api, second, local(2026, 3, 2, 10, 30))
    rows = results(ada_api)
    assert rows == [
        {
            "at": "2026-03-02T10:30:00+00:00",
            "user": "phil",
            "action": "patient_read",
            "patients": [second.pk],
            "query": {},
            "ip": "127.0.0.1",
        },
        {
            "at": "2026-03-02T09:00:00+00:00",
            "user": "nora",
            "action": "patient_read",
            "patients": [first.pk],
            "query": {},
            "ip": "127.0.0.1",
        },
    ]


def test_times_are_the_clinic_s_wall_clock(nora_api, ada_api, north_patients):
    read(nora_api, north_patients[0], local(2026, 7, 1, 8, 15))
    assert results(ada_api)[0]["at"] == "2026-07-01T08:15:00+01:00"  # British Summer Time


def test_the_admin_of_another_clinic_sees_nothing_of_north(
    nora_api, ada_api, stella_api, sam_api, north_patients, south_patient
):
    read(nora_api, north_patients[0])
    assert ada_api.get(reverse("api:report-caseload")).status_code == 200
    assert results(stella_api) == []
    read(sam_api, south_patient)
    assert [row["user"] for row in results(stella_api)] == ["sam"]
    assert [row["user"] for row in results(ada_api)] == ["ada", "nora"]


def test_a_patient_of_another_clinic_is_a_404_never_their_reads(sam_api, ada_api, stella_api, south_patient):
    read(sam_api, south_patient)
    response = ada_api.get(URL, {"patient": south_patient.pk})
    assert response.status_code == 404
    assert response.json() == {"detail": "No such patient among yours."}
    assert "sam" not in response.content.decode()
    assert [row["user"] for row in results(stella_api, patient=south_patient.pk)] == ["sam"]


def test_a_clinic_not_theirs_is_a_404(ada_api):
    response = ada_api.get(URL, {"clinic": "south"})
    assert (response.status_code, response.json()) == (404, {"detail": "No such clinic among yours."})


def test_a_list_across_clinics_shows_each_admin_only_their_own_patients(
    ada_api, stella_api, north_patients, south_patient
):
    root = get_user_model().objects.create_superuser("root", password="x")
    root_api = api_client_of(root)
    assert root_api.get(reverse("api:patient-list")).json()["count"] == 3
    north_ids = sorted(p.pk for p in north_patients)
    assert [row["patients"] for row in results(ada_api)] == [north_ids]
    assert [row["patients"] for row in results(stella_api)] == [[south_patient.pk]]
    assert [row["patients"] for row in results(root_api)] == [sorted([*north_ids, south_patient.pk])]


def test_by_patient(nora_api, ada_api, north_patients):
    first, second = north_patients
    read(nora_api, first)
    read(nora_api, second)
    assert nora_api.get(reverse("api:patient-list")).status_code == 200
    rows = results(ada_api, patient=first.pk)
    assert [row["action"] for row in rows] == ["patient_list", "patient_read"]
    assert all(first.pk in row["patients"] for row in rows)
    assert results(ada_api, patient=second.pk)[1]["patients"] == [second.pk]


def test_by_username_then_or_now_and_an_unknown_one_is_empty(
    nora, nora_api, phil_api, ada_api, north_patients
):
    read(nora_api, north_patients[0])
    read(phil_api, north_patients[0])
    assert [row["user"] for row in results(ada_api, user="nora")] == ["nora"]
    assert results(ada_api, user="nobody") == []
    nora.username = "nora.b"
    nora.save(update_fields=["username"])
    # The record keeps the name she had; she is found by either.
    assert [row["user"] for row in results(ada_api, user="nora.b")] == ["nora"]
    assert [row["user"] for row in results(ada_api, user="nora")] == ["nora"]


def test_dates_are_clinic_local_and_both_ends_are_included(nora_api, ada_api, north_patients):
    patient = north_patients[0]
    # In June, London is UTC+1: each read below falls on another date in UTC than in London.
    moments = {
        "the evening before": local(2026, 6, 13, 23, 59, 30),
        "just after midnight": local(2026, 6, 14, 0, 0, 10),
        "just before midnight": local(2026, 6, 14, 23, 59, 50),
        "the next morning": local(2026, 6, 15, 0, 0, 10),
    }
    for at in moments.values():
        read(nora_api, patient, at)

    def shown(**params):
        return [row["at"] for row in reversed(results(ada_api, **params))]

    iso = {name: at.isoformat() for name, at in moments.items()}
    assert shown(**{"from": "2026-06-14", "to": "2026-06-14"}) == [
        iso["just after midnight"],
        iso["just before midnight"],
    ]
    assert shown(**{"from": "2026-06-15"}) == [iso["the next morning"]]
    assert shown(to="2026-06-13") == [iso["the evening before"]]


@pytest.mark.parametrize(
    "params, field",
    [
        ({"patient": "abc"}, "patient"),
        ({"patient": "0"}, "patient"),
        ({"patient": str(2**63)}, "patient"),
        ({"from": "soon"}, "from"),
        ({"to": "1899-12-31"}, "to"),
        ({"from": "2026-06-02", "to": "2026-06-01"}, "to"),
        ({"user": "x" * 151}, "user"),
        ({"format": "xml"}, "format"),
    ],
)
def test_bad_values_are_a_400_naming_the_field(params, field, ada_api):
    response = ada_api.get(URL, params)
    assert response.status_code == 400
    assert field in response.json() and response.json()[field]


def test_pages_of_the_log(nora_api, ada_api, north_patients):
    for hour in (9, 10, 11):
        read(nora_api, north_patients[0], local(2026, 3, 2, hour))
    body = ada_api.get(URL, {"page_size": 2}).json()
    assert body["count"] == 3
    assert [row["at"][11:13] for row in body["results"]] == ["11", "10"]
    assert "page=2" in body["next"]
    assert body["report"] == "access" and body["clinics"] == ["north"]
    assert body["columns"] == ["at", "user", "action", "patients", "query", "ip"]


def test_reports_appear_with_their_parameters_for_the_clinics_they_covered(ada_api, stella_api, north):
    assert (
        ada_api.get(reverse("api:report-falls"), {"from": "2026-01-01", "format": "csv"}).status_code == 200
    )
    assert stella_api.get(reverse("api:report-falls")).status_code == 200
    [row] = results(ada_api)
    assert (row["user"], row["action"], row["patients"]) == ("ada", "export", [])
    assert row["query"] == {"from": "2026-01-01", "format": "csv", "report": "falls"}
    assert [row["user"] for row in results(stella_api)] == ["stella"]


def test_a_list_that_found_nobody_read_no_clinic_s_data_only_superusers_see_it(nora_api, ada_api, north):
    assert nora_api.get(reverse("api:patient-list"), {"search": "Nobody"}).json()["count"] == 0
    assert results(ada_api) == []
    root = get_user_model().objects.create_superuser("root", password="x")
    [row] = results(api_client_of(root))
    assert (row["user"], row["patients"], row["query"]) == ("nora", [], {"search": "Nobody"})


def test_reading_the_access_report_is_not_itself_recorded(nora_api, ada_api, north_patients):
    read(nora_api, north_patients[0])
    for params in ({}, {"format": "csv"}, {"patient": north_patients[0].pk}):
        ada_api.get(URL, params)
    assert AccessRecord.objects.count() == 1


def read_csv(response):
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_csv_is_every_record_newest_first(nora_api, ada_api, north_patients):
    first, second = north_patients
    read(nora_api, first, local(2026, 3, 2, 9))
    with time_machine.travel(local(2026, 3, 2, 10), tick=False):
        assert (
            nora_api.get(reverse("api:patient-list"), {"search": second.mrn, "status": "active"}).status_code
            == 200
        )
    response = ada_api.get(URL, {"format": "csv", "page_size": 1})
    assert response["Content-Disposition"].startswith('attachment; filename="access-')
    header, *rows = read_csv(response)
    assert header == ["at", "user", "action", "patients", "query", "ip"]
    assert len(rows) == 2
    listed, one = rows
    assert listed[:4] == ["2026-03-02T10:00:00+00:00", "nora", "patient_list", str(second.pk)]
    assert json.loads(listed[4]) == {"search": second.mrn, "status": "active"}
    assert one == ["2026-03-02T09:00:00+00:00", "nora", "patient_read", str(first.pk), "{}", "127.0.0.1"]


def test_the_csv_of_one_patient_lists_the_patients_read_separated_by_spaces(
    nora_api, ada_api, north_patients
):
    assert nora_api.get(reverse("api:patient-list")).status_code == 200
    [_, row] = read_csv(ada_api.get(URL, {"format": "csv", "patient": north_patients[0].pk}))
    assert row[3].split() == [str(p.pk) for p in sorted(north_patients, key=lambda p: p.pk)]


def test_the_schema_documents_the_parameters_and_the_answer(anonymous, nora_api, ada_api, north_patients):
    read(nora_api, north_patients[0])
    schema = anonymous.get(reverse("api:schema"), {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/reports/access/"]["get"]
    assert {"patient", "user", "from", "to", "clinic", "format", "page", "page_size"} <= {
        p["name"] for p in operation["parameters"]
    }
    assert {"200", "400", "401", "403", "404"} <= set(operation["responses"])
    components = schema["components"]["schemas"]
    body = ada_api.get(URL).json()
    assert set(body) == set(components["AccessReport"]["properties"])
    assert set(body["results"][0]) == set(components["AccessRecordRow"]["properties"])
    assert "text/csv" in operation["responses"]["200"]["content"]
