"""Attacks on the pages issue 13 added (medication events, exercise plans, the printable sheet, the
findings' links): markup typed into a drug's name, a dose, notes or a prescription is shown as
text on every page that shows it, never run; a link cannot pre-fill markup into the referral form."""

import datetime
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from care.services import medication_record, plan_prescribe
from tests import factories
from tests.support.clients import web_client_of

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 1)
PAYLOAD = "</script><script>alert(1)</script><img src=x onerror=alert(2)>"
ESCAPED = "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"


@pytest.fixture(autouse=True)
def today(clock):
    clock.move_to(datetime.datetime.combine(TODAY, datetime.time(12), tzinfo=datetime.UTC))


@pytest.fixture
def marked_up(north, nora, phil):
    """A patient whose medicine, dose, notes and plan were typed as markup, with a decline after a
    dose increase (a medication-review finding that quotes the dose)."""
    patient = factories.PatientFactory(clinic=north)
    factories.assessment_with_grades(
        patient, datetime.date(2026, 3, 1), factories.full_grades("4"), assessor=nora
    )
    medication = medication_record(
        patient=patient,
        recorded_by=nora,
        drug="other",
        drug_name=PAYLOAD,
        event="start",
        occurred_on=datetime.date(2026, 4, 1),
        dose=PAYLOAD,
        notes=PAYLOAD,
    )
    medication_record(
        patient=patient,
        recorded_by=nora,
        drug="baclofen",
        event="increase",
        occurred_on=datetime.date(2026, 4, 2),
        dose=PAYLOAD,
    )
    factories.assessment_with_grades(
        patient, datetime.date(2026, 5, 1), factories.full_grades("3"), assessor=nora
    )
    plan = plan_prescribe(
        patient=patient,
        prescribed_by=phil,
        muscle_group="knee_extension",
        side="both",
        kind="maintenance",
        started_on=datetime.date(2026, 5, 2),
        prescription=PAYLOAD,
    )
    return patient, medication, plan


def pages(patient, medication, plan):
    return [
        reverse("web:patient_dashboard", args=[patient.pk]),
        reverse("web:medication_edit", args=[medication.pk]),
        reverse("web:plan_edit", args=[plan.pk]),
        reverse("web:plan_sheet", args=[patient.pk, plan.pk]),
        reverse("web:entered_in_error", args=["medication", medication.pk]),
        reverse("web:entered_in_error", args=["exercise_plan", plan.pk]),
    ]


def test_markup_typed_into_a_medicine_or_a_plan_is_shown_as_text_on_every_page(marked_up, ada):
    client = web_client_of(ada)
    for url in pages(*marked_up):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert "<script>alert(1)" not in html and "<img src=x" not in html, url
        # The only script elements are the page's own (and the dashboard's chart data).
        assert html.count("<script") == html.count("<script src=") + html.count('<script id="trend-data"'), (
            url
        )


def test_the_dashboard_shows_the_markup_escaped_where_it_is_text(marked_up, ada):
    patient, _, _ = marked_up
    html = web_client_of(ada).get(reverse("web:patient_dashboard", args=[patient.pk])).content.decode()
    assert ESCAPED in html
    # In the chart data the dose-change words are JSON with <, > and & escaped: no early </script>.
    data = html.split('<script id="trend-data" type="application/json">', 1)[1].split("</script>", 1)[0]
    assert "<" not in data and "\\u003C/script\\u003E" in data


def test_the_sheet_shows_the_prescription_as_text(marked_up, nora):
    patient, _, plan = marked_up
    html = web_client_of(nora).get(reverse("web:plan_sheet", args=[patient.pk, plan.pk])).content.decode()
    assert ESCAPED in html


def test_a_link_cannot_prefill_markup_or_another_service_into_a_referral(marked_up, nora):
    patient, _, _ = marked_up
    query = urlencode({"to_service": '"><script>alert(1)</script>', "reason": PAYLOAD, "urgency": "now"})
    response = web_client_of(nora).get(f"{reverse('web:referral_new', args=[patient.pk])}?{query}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert(1)" not in html and ESCAPED in html
    assert " selected>" not in html.split('name="to_service"', 1)[1].split("</select>", 1)[0]


def test_fields_a_change_page_does_not_have_are_ignored_not_written(marked_up, north, nora, phil):
    patient, medication, plan = marked_up
    other = factories.PatientFactory(clinic=north)
    smuggled = {
        "patient": other.pk,
        "patient_id": other.pk,
        "prescribed_by": nora.pk,
        "recorded_by": phil.pk,
        "entered_in_error_at": "2026-05-01T00:00:00Z",
    }
    plan_data = {
        "muscle_group": "knee_extension",
        "side": "both",
        "kind": "maintenance",
        "prescription": "Sit-to-stand, 10 a day",
        "started_on": "2026-05-02",
        "review_on": "2026-07-01",
        "status": "active",
    }
    assert (
        web_client_of(phil).post(reverse("web:plan_edit", args=[plan.pk]), plan_data | smuggled).status_code
        == 302
    )
    medication_data = {"drug": "baclofen", "drug_name": "", "event": "start", "occurred_on": "2026-04-01"}
    response = web_client_of(phil).post(
        reverse("web:medication_edit", args=[medication.pk]), medication_data | smuggled
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    medication.refresh_from_db()
    assert (plan.patient, plan.prescribed_by, plan.entered_in_error) == (patient, phil, False)
    assert (plan.prescription, plan.review_on) == ("Sit-to-stand, 10 a day", datetime.date(2026, 7, 1))
    assert (medication.patient, medication.recorded_by, medication.entered_in_error) == (patient, nora, False)
    assert medication.drug == "baclofen"


def test_a_medicine_named_only_by_invisible_characters_is_refused_in_words_on_the_page(marked_up, nora):
    patient, _, _ = marked_up
    data = {"drug": "other", "drug_name": "\u200b\u2060", "event": "start", "occurred_on": "2026-05-01"}
    response = web_client_of(nora).post(reverse("web:medication_new", args=[patient.pk]), data)
    assert response.status_code == 200
    assert response.context["form"].errors["drug_name"] == [
        "Required when the drug is other: name the medicine."
    ]
    assert patient.medication_events.count() == 2


@pytest.mark.parametrize(
    "dates", [{"started_on": "9999-12-31"}, {"started_on": "9999-12-31", "review_on": "9999-12-31"}]
)
def test_a_plan_started_at_the_end_of_the_calendar_is_refused_in_words_not_a_500(marked_up, phil, dates):
    patient, _, _ = marked_up
    data = {"muscle_group": "grip", "side": "left", "kind": "balance", **dates}
    response = web_client_of(phil).post(reverse("web:plan_new", args=[patient.pk]), data)
    assert response.status_code == 200
    assert response.context["form"].errors["started_on"] == ["Must not be in the future."]
    assert patient.exercise_plans.count() == 1
