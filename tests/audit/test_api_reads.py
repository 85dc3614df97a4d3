"""Every read of patient data through the API writes one access record: who, what, which
patients, with what query and from where (SPEC §5 "Access log")."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessRecord
from audit.services import access_log_off_for_benchmark
from tests import factories
from tests.api.test_query_counts import BUILDERS

from .conftest import clinics_of, only_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def patients(north):
    return [factories.PatientFactory(clinic=north) for _ in range(3)]


def test_a_patient_read_records_who_which_patient_and_from_where(nora, nora_api, north_patient):
    response = nora_api.get(reverse("api:patient-detail", args=[north_patient.pk]), REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 200
    record = only_record()
    assert (record.user, record.username, record.action) == (nora, "nora", "patient_read")
    assert record.patient_ids == [north_patient.pk]
    assert record.ip == "203.0.113.7"
    assert record.query == {}
    assert clinics_of(record) == [north_patient.clinic_id]
    assert timezone.now() - record.at < datetime.timedelta(seconds=10)


def test_a_list_records_its_query_and_the_patients_of_the_page_it_answered(nora_api, patients):
    url = reverse("api:patient-list")
    first = nora_api.get(url, {"page_size": 2, "status": "active"})
    assert first.status_code == 200
    second = nora_api.get(url, {"page_size": 2, "status": "active", "page": 2})
    shown = [[row["id"] for row in page.json()["results"]] for page in (first, second)]
    assert [len(ids) for ids in shown] == [2, 1]
    records = list(AccessRecord.objects.with_patient_ids().order_by("id"))
    assert [r.action for r in records] == ["patient_list", "patient_list"]
    assert [r.patient_ids for r in records] == [sorted(ids) for ids in shown]
    assert [r.query for r in records] == [
        {"page_size": "2", "status": "active"},
        {"page_size": "2", "status": "active", "page": "2"},
    ]


def test_a_repeated_parameter_is_kept_as_a_list(nora_api, patients):
    assert nora_api.get(reverse("api:patient-list") + "?status=active&status=discharged").status_code == 200
    assert only_record().query == {"status": ["active", "discharged"]}


def test_an_empty_list_is_recorded_with_no_patients(nora_api, patients):
    assert nora_api.get(reverse("api:patient-list"), {"search": "nobody-by-this-name"}).json()["count"] == 0
    record = only_record()
    assert (record.action, record.patient_ids, record.query) == (
        "patient_list",
        [],
        {"search": "nobody-by-this-name"},
    )


@pytest.mark.parametrize("kind", ["assessment", "fall", "device", "referral", "reminder"])
def test_every_list_of_records_names_their_patients_and_every_record_read_its_patient(
    kind, north, nora, phil_api, patients
):
    make = {
        "assessment": lambda p: factories.AssessmentFactory(patient=p, assessor=nora),
        "fall": lambda p: factories.FallFactory(patient=p, recorded_by=nora),
        "device": lambda p: factories.DeviceFactory(patient=p, prescribed_by=nora),
        "referral": lambda p: factories.ReferralFactory(patient=p, created_by=nora),
        "reminder": lambda p: factories.ReminderFactory(
            patient=p, due_on=datetime.date(2025, 1, 1) + datetime.timedelta(days=p.reminders.count())
        ),
    }[kind]
    first, second, _ = patients
    records = [make(first), make(first), make(second)]
    assert phil_api.get(reverse(f"api:{kind}-list"), {"page_size": 10}).status_code == 200
    listed = only_record()
    assert (listed.username, listed.action) == ("phil", "patient_list")
    assert listed.patient_ids == sorted([first.pk, second.pk])  # each patient once
    assert listed.query == {"page_size": "10"}
    listed_id = listed.pk

    assert phil_api.get(reverse(f"api:{kind}-detail", args=[records[2].pk])).status_code == 200
    read = AccessRecord.objects.with_patient_ids().exclude(pk=listed_id).get()
    assert (read.username, read.action, read.patient_ids) == ("phil", "patient_read", [second.pk])


def test_trends_are_recorded_as_trends(nora_api, north_patient):
    assert nora_api.get(reverse("api:patient-trends", args=[north_patient.pk])).status_code == 200
    record = only_record()
    assert (record.action, record.patient_ids) == ("trends", [north_patient.pk])


def test_clinics_are_not_patient_data(nora_api, north):
    assert nora_api.get(reverse("api:clinic-list")).status_code == 200
    assert nora_api.get(reverse("api:clinic-detail", args=["north"])).status_code == 200
    assert not AccessRecord.objects.exists()


def test_a_write_is_in_the_history_not_the_access_log(nora_api, north_patient):
    response = nora_api.patch(
        reverse("api:patient-detail", args=[north_patient.pk]), {"given_name": "Irene"}, format="json"
    )
    assert response.status_code == 200
    assert not AccessRecord.objects.exists()


def test_an_outsider_s_404_records_nothing_about_the_other_clinic_s_patient(sam_api, north_patient):
    assert sam_api.get(reverse("api:patient-detail", args=[north_patient.pk])).status_code == 404
    assert sam_api.get(reverse("api:patient-trends", args=[north_patient.pk])).status_code == 404
    assert not AccessRecord.objects.exists()


def test_an_outsider_s_list_records_none_of_the_other_clinic_s_patients(sam_api, sam, north_patient):
    response = sam_api.get(reverse("api:patient-list"), {"search": north_patient.family_name})
    assert response.json()["results"] == []
    record = only_record()
    assert (record.user, record.patient_ids) == (sam, [])


def test_bad_input_and_a_missing_page_record_nothing(nora_api, patients):
    assert nora_api.get(reverse("api:patient-list"), {"high_fall_risk": "maybe"}).status_code == 400
    assert nora_api.get(reverse("api:patient-list"), {"page": 99}).status_code == 404
    assert not AccessRecord.objects.exists()


@pytest.mark.parametrize("query", ["note=a%00b", "search=a%00b"])
def test_a_nul_character_in_the_query_is_a_400_in_words_not_a_500(nora_api, patients, query):
    # PostgreSQL cannot store NUL in text or jsonb: an unknown parameter (whatever its value) and a
    # filter's value are refused before anything is read, so nothing reaches the log.
    response = nora_api.get(reverse("api:patient-list") + f"?{query}")
    assert response.status_code == 400
    [message] = response.json()[query.split("=")[0]]
    assert message.startswith(("Unknown query parameter", "Null characters are not allowed"))
    assert not AccessRecord.objects.exists()


@pytest.mark.parametrize(
    "remote_addr, stored",
    [("unknown", None), ("", None), ("2001:db8::7", "2001:db8::7"), ("fe80::1%eth0", "fe80::1")],
)
def test_the_address_is_stored_when_it_is_one(remote_addr, stored, nora_api, north_patient):
    response = nora_api.get(reverse("api:patient-detail", args=[north_patient.pk]), REMOTE_ADDR=remote_addr)
    assert response.status_code == 200
    assert only_record().ip == stored


@pytest.mark.parametrize("format", ["json", "csv"])
def test_a_report_records_its_name_parameters_and_clinics_not_patients(format, ada, ada_api, north, patients):
    params = {"clinic": "north", "from": "2025-01-01", "to": "2025-12-31", "format": format}
    response = ada_api.get(reverse("api:report-caseload"), params)
    assert response.status_code == 200
    if format == "csv":
        b"".join(response.streaming_content)
    record = only_record()
    assert (record.user, record.action) == (ada, "report" if format == "json" else "export")
    assert record.query == {**params, "report": "caseload"}
    assert record.patient_ids == []
    assert clinics_of(record) == [north.pk]


# Clinics and webhook endpoints are no patient data: their lists write no access record.
@pytest.mark.parametrize("name", [name for name in BUILDERS if name not in ("clinic-list", "webhook-list")])
def test_the_log_adds_the_same_few_queries_to_a_page_of_5_and_a_page_of_50(name, north, nora, phil, nora_api):
    """One statement on PostgreSQL; elsewhere two INSERTs and the savepoint the test's transaction
    puts around them. Whatever the page."""
    BUILDERS[name](north, nora, phil)
    url = reverse(f"api:{name}")
    # Reminders are no clinical records: they have no include_errors to ask for.
    query = {} if name == "reminder-list" else {"include_errors": "true"}
    added = {}
    for size in (5, 50):
        counts = []
        for logged in (True, False):
            with CaptureQueriesContext(connection) as queries:
                if logged:
                    response = nora_api.get(url, {"page_size": size, **query})
                else:
                    with access_log_off_for_benchmark():
                        response = nora_api.get(url, {"page_size": size, **query})
            assert len(response.json()["results"]) == size
            counts.append(len(queries))
        added[size] = counts[0] - counts[1]
    statements = 1 if connection.vendor == "postgresql" else 4
    assert added == {5: statements, 50: statements}
    assert AccessRecord.objects.count() == 2


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_the_record_commits_on_its_own_without_waiting_for_the_disk(postgresql, nora_api, north_patient):
    with CaptureQueriesContext(connection) as queries:
        response = nora_api.get(reverse("api:patient-detail", args=[north_patient.pk]))
    assert response.status_code == 200
    *_, statement = [q["sql"] for q in queries.captured_queries]
    assert "set_config('synchronous_commit', 'off', true)" in statement
    assert statement.lstrip().startswith("WITH durability")
    assert only_record().patient_ids == [north_patient.pk]


@pytest.mark.services
def test_inside_a_caller_s_transaction_the_record_leaves_its_durability_alone(
    postgresql, nora_api, north_patient
):
    with CaptureQueriesContext(connection) as queries:
        response = nora_api.get(reverse("api:patient-detail", args=[north_patient.pk]))
    assert response.status_code == 200
    *_, statement = [q["sql"] for q in queries.captured_queries]
    assert "INSERT INTO audit_accessrecord " in statement
    assert "synchronous_commit" not in statement
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone() == ("on",)
    assert only_record().patient_ids == [north_patient.pk]
