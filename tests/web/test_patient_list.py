"""The patient list: search, filters, badges in words, pagination, a fixed number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from patients.models import Patient
from tests import factories

pytestmark = pytest.mark.django_db

URL = reverse("web:patient_list")


def _names(response):
    return [row.patient.family_name for row in response.context["rows"]]


@pytest.fixture
def cohort(north, south, nora):
    today = timezone.localdate()
    overdue = factories.PatientFactory(clinic=north, family_name="Overdue", mrn="N-100", ms_type="SPMS")
    factories.assessment_with_grades(overdue, today - datetime.timedelta(weeks=20), {("grip", "left"): "4"})
    recent = factories.PatientFactory(clinic=north, family_name="Recent", given_name="Rosa", mrn="N-200")
    factories.assessment_with_grades(recent, today, {("grip", "left"): "4"})
    due_soon = factories.PatientFactory(clinic=north, family_name="Soon", mrn="N-300", ms_type="PPMS")
    factories.assessment_with_grades(
        due_soon, today - datetime.timedelta(weeks=12, days=-3), {("grip", "left"): "4"}
    )
    faller = factories.PatientFactory(clinic=north, family_name="Faller", mrn="N-400")
    factories.assessment_with_grades(faller, today, {("grip", "left"): "4"})
    factories.FallFactory.create_batch(2, patient=faller, recorded_by=nora)
    gone = factories.PatientFactory(clinic=north, family_name="Gone", mrn="N-500", status="discharged")
    factories.assessment_with_grades(gone, today - datetime.timedelta(weeks=30), {("grip", "left"): "4"})
    factories.PatientFactory(clinic=south, family_name="Southerner", mrn="S-100")
    wrong = factories.PatientFactory(clinic=north, family_name="Mistake", mrn="N-999")
    wrong.mark_entered_in_error(by=nora, reason="Duplicate")
    return {"overdue": overdue, "recent": recent, "soon": due_soon, "faller": faller, "gone": gone}


def test_lists_the_valid_patients_of_my_clinics_only(nora_web, cohort):
    response = nora_web.get(URL)
    assert response.status_code == 200
    assert sorted(_names(response)) == ["Faller", "Gone", "Overdue", "Recent", "Soon"]
    assert b"Southerner" not in response.content and b"Mistake" not in response.content


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "rosa"}, ["Recent"]),
        ({"q": "Rosa Recent"}, ["Recent"]),
        ({"q": "n-30"}, ["Soon"]),
        ({"q": "nobody"}, []),
        ({"status": "discharged"}, ["Gone"]),
        ({"ms_type": "PPMS"}, ["Soon"]),
        ({"due": "on"}, ["Overdue", "Soon"]),
        ({"high_fall_risk": "on"}, ["Faller"]),
        ({"due": "on", "ms_type": "SPMS"}, ["Overdue"]),
    ],
)
def test_search_and_filters(nora_web, cohort, query, expected):
    response = nora_web.get(URL, query)
    assert response.status_code == 200
    assert sorted(_names(response)) == expected
    # The filters the user chose stay chosen.
    for key, value in query.items():
        if key == "q":
            assert f'value="{value}"' in response.content.decode()


def test_a_bad_filter_value_is_shown_not_applied(nora_web, cohort):
    response = nora_web.get(URL, {"status": "asleep"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert len(_names(response)) == 5


def test_badges_say_what_they_mean_in_words(nora_web, cohort):
    response = nora_web.get(URL)
    rows = {row.patient.family_name: row for row in response.context["rows"]}
    assert rows["Overdue"].follow_up == "overdue"
    assert rows["Soon"].follow_up == "due"
    assert rows["Recent"].follow_up is None
    assert rows["Gone"].follow_up is None  # discharged patients are never due
    html = response.content.decode()
    assert ">Overdue</span>" in html and ">Due soon</span>" in html and "High fall risk</span>" in html


def test_my_reminders_count(nora_web, nora, phil, cohort):
    for patient in (cohort["overdue"], cohort["soon"]):
        factories.ReminderFactory(patient=patient).recipients.add(nora)
    factories.ReminderFactory(patient=cohort["recent"]).recipients.add(phil)
    response = nora_web.get(URL)
    assert "My reminders: 2 open" in response.content.decode()


def test_paginated(nora_web, north):
    factories.PatientFactory.create_batch(30, clinic=north)
    first = nora_web.get(URL)
    second = nora_web.get(URL, {"page": 2})
    assert len(first.context["rows"]) == 25 and len(second.context["rows"]) == 5
    assert "page=2" in first.content.decode()
    assert not {r.patient.pk for r in first.context["rows"]} & {r.patient.pk for r in second.context["rows"]}


def test_htmx_gets_only_the_results(nora_web, cohort):
    response = nora_web.get(URL, {"q": "rosa"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html and "Recent" in html
    assert "HX-Request" in response["Vary"]


def _queries(client, **params):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL, params).status_code == 200
    return len(queries)


def test_a_page_costs_a_fixed_number_of_queries(nora_web, north, nora):
    def add(n):
        for _ in range(n):
            patient = factories.PatientFactory(clinic=north)
            factories.assessment_with_grades(patient, timezone.localdate(), {("grip", "left"): "4"})
            factories.FallFactory(patient=patient, recorded_by=nora)

    add(2)
    few = _queries(nora_web, due="on")
    add(20)
    assert Patient.objects.count() == 22
    assert _queries(nora_web, due="on") == few
    # Beyond the list's own: one renews the session (the idle timeout, SESSION_SAVE_EVERY_REQUEST);
    # one asks whether the user has a second factor to give (accounts.middleware); four write the
    # access record (its row and its patients, in a savepoint: the test runs in a transaction).
    assert few <= 14


def test_the_list_tells_two_patients_of_the_same_name_apart_by_date_of_birth(nora_web, north):
    for mrn, born in (("N-501", datetime.date(1961, 3, 4)), ("N-502", datetime.date(1979, 11, 30))):
        factories.PatientFactory(
            clinic=north, given_name="Mary", family_name="Jones", mrn=mrn, date_of_birth=born
        )
    html = nora_web.get(URL, {"q": "Mary Jones"}).content.decode()
    assert '<th scope="col">Date of birth</th>' in html
    assert "<td>4 Mar 1961</td>" in html and "<td>30 Nov 1979</td>" in html


def test_an_unknown_ms_type_reads_as_a_word(nora_web, north):
    factories.PatientFactory(clinic=north, family_name="Unsure", ms_type="unknown")
    factories.PatientFactory(clinic=north, family_name="Known", ms_type="PPMS")
    html = nora_web.get(URL).content.decode()
    assert "<td>Unknown</td>" in html and "<td>PPMS</td>" in html
    assert "<td>unknown</td>" not in html
