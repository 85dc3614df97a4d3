"""The pages write the access log like the API (SPEC §5), and a clinic admin sees on a
patient's page who looked at them."""

import csv
import datetime
import re

import pytest
import time_machine
from django.urls import reverse

from audit.models import AccessRecord
from tests import factories
from tests.support.clients import web_client_of

from .conftest import clinics_of, only_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(north):
    return factories.PatientFactory(clinic=north, given_name="Iris", family_name="Reid")


def test_the_patient_list_records_its_query_and_the_patients_on_the_page(nora, north, patient):
    other = factories.PatientFactory(clinic=north, given_name="Olga", family_name="Brandt")
    client = web_client_of(nora)
    assert (
        client.get(reverse("web:patient_list"), {"q": "reid"}, REMOTE_ADDR="198.51.100.4").status_code == 200
    )
    record = only_record()
    assert (record.user, record.action, record.patient_ids) == (nora, "patient_list", [patient.pk])
    assert (record.query, record.ip) == ({"q": "reid"}, "198.51.100.4")
    client.get(reverse("web:patient_list"), headers={"HX-Request": "true"})
    fragment = AccessRecord.objects.with_patient_ids().latest("id")
    assert sorted(fragment.patient_ids) == sorted([patient.pk, other.pk])


def test_the_dashboard_records_a_dashboard_read(phil, patient):
    assert web_client_of(phil).get(reverse("web:patient_dashboard", args=[patient.pk])).status_code == 200
    record = only_record()
    assert (record.username, record.action, record.patient_ids) == ("phil", "dashboard", [patient.pk])


@pytest.mark.parametrize("page", ["patient_edit", "assessment_new", "fall_new", "referral_new"])
def test_each_page_about_one_patient_records_a_read_of_them(page, nora, patient):
    assert web_client_of(nora).get(reverse(f"web:{page}", args=[patient.pk])).status_code == 200
    record = only_record()
    assert (record.action, record.patient_ids) == ("patient_read", [patient.pk])


def test_a_form_shown_again_with_its_errors_is_a_read_and_a_saved_one_is_not(nora, patient):
    client = web_client_of(nora)
    url = reverse("web:fall_new", args=[patient.pk])
    assert client.post(url, {"occurred_at": "not a time"}).status_code == 200
    assert only_record().action == "patient_read"
    data = {"occurred_at": "2026-01-05T10:00", "injury": "none", "location": "home", "device_in_use": "none"}
    assert client.post(url, data).status_code == 302  # the dashboard it leads to records its own read
    assert AccessRecord.objects.count() == 1


def test_the_entered_in_error_page_records_a_read_of_the_record_s_patient(nora, patient):
    fall = factories.FallFactory(patient=patient, recorded_by=nora)
    assert web_client_of(nora).get(reverse("web:entered_in_error", args=["fall", fall.pk])).status_code == 200
    assert only_record().patient_ids == [patient.pk]


def test_the_reminder_inbox_records_the_patients_it_lists(nora, patient):
    factories.ReminderFactory(patient=patient).recipients.add(nora)
    assert web_client_of(nora).get(reverse("web:reminder_inbox")).status_code == 200
    record = only_record()
    assert (record.action, record.patient_ids) == ("patient_list", [patient.pk])


def test_a_reminder_acknowledged_in_place_records_a_read_of_its_patient(nora, patient):
    reminder = factories.ReminderFactory(patient=patient)
    reminder.recipients.add(nora)
    response = web_client_of(nora).post(
        reverse("web:reminder_ack", args=[reminder.pk]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    record = only_record()
    assert (record.action, record.patient_ids) == ("patient_read", [patient.pk])


def test_the_report_page_records_a_report_of_the_admin_s_clinics(ada, north):
    response = web_client_of(ada).get(reverse("web:reports"), {"date_from": "2026-01-01"})
    assert response.status_code == 200
    record = only_record()
    assert (record.action, record.patient_ids) == ("report", [])
    assert record.query == {"date_from": "2026-01-01", "report": "all"}
    assert clinics_of(record) == [north.pk]


def test_pages_that_answer_404_or_400_record_nothing(sam, ada, patient):
    outsider = web_client_of(sam)
    for page in ("patient_dashboard", "patient_edit", "fall_new"):
        assert outsider.get(reverse(f"web:{page}", args=[patient.pk])).status_code == 404
    assert web_client_of(ada).get(reverse("web:reports"), {"date_from": "soon"}).status_code == 400
    assert not AccessRecord.objects.exists()


# Who looked at this patient --------------------------------------------------------------------


def _section(html):
    match = re.search(r'<section class="card" aria-labelledby="access-log-title".*?</section>', html, re.S)
    return match and match.group(0)


def test_an_admin_sees_the_latest_20_reads_newest_first_and_a_link_to_all_of_them(ada, nora, phil, patient):
    nurse, physio = web_client_of(nora), web_client_of(phil)
    dashboard = reverse("web:patient_dashboard", args=[patient.pk])
    start = datetime.datetime(2026, 2, 1, 9, 0, tzinfo=datetime.UTC)
    for n in range(21):
        with time_machine.travel(start + datetime.timedelta(minutes=n), tick=False):
            (nurse if n % 2 else physio).get(dashboard)
    with time_machine.travel(start + datetime.timedelta(minutes=30), tick=False):
        nurse.get(reverse("web:patient_edit", args=[patient.pk]))

    section = _section(web_client_of(ada).get(dashboard).content.decode())
    assert section and "Who looked at this patient" in section
    rows = re.findall(r"<tr>\s*<td>(.*?)</td>\s*<td>(.*?)</td>\s*<td>(.*?)</td>", section, re.S)
    assert len(rows) == 20
    assert rows[0] == ("1 Feb 2026 09:30:00", "nora", "Read a patient&#x27;s record")
    assert rows[1] == ("1 Feb 2026 09:20:00", "phil", "Opened the patient&#x27;s page")
    assert rows[-1][0] == "1 Feb 2026 09:02:00"  # the first two of 22 reads are left out
    csv_url = f"{reverse('api:report-access')}?patient={patient.pk}&amp;format=csv"
    assert f'href="{csv_url}"' in section


def test_the_link_gives_the_admin_the_whole_history_of_this_patient_as_csv(ada, nora, patient, north):
    other = factories.PatientFactory(clinic=north)
    web_client_of(nora).get(reverse("web:patient_dashboard", args=[patient.pk]))
    web_client_of(nora).get(reverse("web:patient_dashboard", args=[other.pk]))
    admin = web_client_of(ada)
    response = admin.get(reverse("web:patient_dashboard", args=[patient.pk]))
    url = response.context["access_log"]["csv_url"]
    rows = list(csv.reader(b"".join(admin.get(url).streaming_content).decode().splitlines()))
    assert rows[0] == ["at", "user", "action", "patients", "query", "ip"]
    # Ada's own look at the page is in it too; the other patient's read is not.
    assert [row[1:4] for row in rows[1:]] == [
        ["ada", "dashboard", str(patient.pk)],
        ["nora", "dashboard", str(patient.pk)],
    ]


def test_nurses_and_physios_do_not_see_who_looked(nora, phil, patient):
    for user in (nora, phil):
        response = web_client_of(user).get(reverse("web:patient_dashboard", args=[patient.pk]))
        assert response.context["access_log"] is None
        assert "Who looked at this patient" not in response.content.decode()


def test_a_patient_nobody_has_looked_at_yet(ada, patient):
    section = _section(
        web_client_of(ada).get(reverse("web:patient_dashboard", args=[patient.pk])).content.decode()
    )
    assert "Nobody has looked at this patient's data yet." in section
