"""Strength: per clinic and month of assessment, what the assessments showed and how soon they
were reviewed. Every figure below is worked out by hand from the clinic built here."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from assessments.grades import MRCGrade
from assessments.models import TrendReview
from assessments.services import assessment_record, trend_review_record
from clinical_rules.findings import findings_record
from patients.models import StaffMembership
from tests import factories
from tests.support.clients import web_client_of

pytestmark = pytest.mark.django_db
URL = reverse("api:report-strength")
COLUMNS = [
    "clinic",
    "month",
    "assessments",
    "patients_with_decline",
    "patients_with_improvement",
    "strength_reviews",
    "median_days_to_review",
]


def local(*args):
    """An aware datetime at this clinic-local wall-clock time (Europe/London)."""
    return timezone.make_aware(datetime.datetime(*args))


def assess(patient, day, grades, by):
    """An assessment on ``day`` with ``{(muscle_group, side): grade}``."""
    return factories.assessment_with_grades(patient, datetime.date.fromisoformat(day), grades, assessor=by)


def review(assessment, by, at):
    """A trend review of ``assessment`` made at ``at``."""
    made = TrendReview.objects.create(
        patient=assessment.patient, assessment=assessment, reviewed_by=by, note="Findings seen."
    )
    TrendReview.objects.filter(pk=made.pk).update(reviewed_at=at)
    return made


GRIP = ("grip", "left")
HIP = ("hip_flexion", "left")


def build_clinic(north, south, nora, phil, ada, sam):
    """Patients of clinic north assessed from January to May 2025, and what must not count.

    A: grip 5 (10 Jan), 4 (14 Feb: a decline, reviewed 3 days later), 4 (5 Mar: a decline
       from the best of January; one review entered in error, one 5 days later).
    B: grip 3 (20 Jan), 4 (3 Feb: an improvement), 4 (25 Feb: reviewed the same evening).
    C: grip 5 and hip 2 (5 Jan), grip 4- and hip 3 (20 Feb: a decline and an improvement in
       one assessment, reviewed on 4 March: counted in February, 12 days).
    D: grip 5 (15 Jan), 3 (10 Feb, entered in error with its review), 5 (2 May); nothing in April.
    F: discharged since, assessed 20 Mar and reviewed at 00:30 on 1 April, London summer time
       (still 31 March in UTC): 12 days.
    E (entered in error) and S (clinic south) have declines and reviews in February.
    """
    p = {name: factories.PatientFactory(clinic=north) for name in "ABCDF"}
    a = {}
    a["A1"] = assess(p["A"], "2025-01-10", {GRIP: "5"}, nora)
    a["A2"] = assess(p["A"], "2025-02-14", {GRIP: "4"}, nora)
    a["A3"] = assess(p["A"], "2025-03-05", {GRIP: "4"}, nora)
    assess(p["B"], "2025-01-20", {GRIP: "3"}, nora)
    assess(p["B"], "2025-02-03", {GRIP: "4"}, nora)
    a["B3"] = assess(p["B"], "2025-02-25", {GRIP: "4"}, nora)
    assess(p["C"], "2025-01-05", {GRIP: "5", HIP: "2"}, nora)
    a["C2"] = assess(p["C"], "2025-02-20", {GRIP: "4-", HIP: "3"}, nora)
    assess(p["D"], "2025-01-15", {GRIP: "5"}, nora)
    a["D2"] = assess(p["D"], "2025-02-10", {GRIP: "3"}, nora)
    assess(p["D"], "2025-05-02", {GRIP: "5"}, nora)
    a["F1"] = assess(p["F"], "2025-03-20", {GRIP: "4"}, nora)
    in_error = factories.PatientFactory(clinic=north)
    assess(in_error, "2025-01-12", {GRIP: "5"}, nora)
    a["E2"] = assess(in_error, "2025-02-12", {GRIP: "2"}, nora)
    outsider = factories.PatientFactory(clinic=south)
    assess(outsider, "2025-01-12", {GRIP: "5"}, sam)
    a["S2"] = assess(outsider, "2025-02-12", {GRIP: "2"}, sam)
    for patient in [*p.values(), in_error, outsider]:
        findings_record(patient)

    review(a["A2"], phil, local(2025, 2, 17, 10))
    review(a["A3"], phil, local(2025, 3, 6, 9)).mark_entered_in_error(by=ada, reason="Wrong patient")
    review(a["A3"], phil, local(2025, 3, 10, 16))
    review(a["B3"], nora, local(2025, 2, 25, 23, 30))
    review(a["C2"], phil, local(2025, 3, 4, 8))
    review(a["D2"], phil, local(2025, 2, 11, 9))
    review(a["F1"], phil, local(2025, 4, 1, 0, 30))
    review(a["E2"], phil, local(2025, 2, 13, 9))
    review(a["S2"], sam, local(2025, 2, 13, 9))
    a["D2"].mark_entered_in_error(by=ada, reason="Another patient's grades")
    in_error.mark_entered_in_error(by=ada, reason="Duplicate registration")
    p["F"].status = "discharged"
    p["F"].save(update_fields=["status"])
    return p, a


@pytest.fixture
def clinic(north, south, nora, phil, ada, sam):
    return build_clinic(north, south, nora, phil, ada, sam)


def row(month, assessments, declined, improved, reviews, median):
    return {
        "clinic": "north",
        "month": month,
        "assessments": assessments,
        "patients_with_decline": declined,
        "patients_with_improvement": improved,
        "strength_reviews": reviews,
        "median_days_to_review": median,
    }


EXPECTED = [
    # A, B, C, D: first assessments, nothing to compare with; none reviewed.
    row("2025-01", 4, 0, 0, 0, None),
    # A 14 Feb, B 3 and 25 Feb, C 20 Feb (D's of 10 Feb and E's are entered in error).
    # Declines: A, C. Improvements: B (3 Feb), C. Reviews: B3 after 0 days, A2 after 3,
    # C2 after 12 (made in March): the median of 0, 3, 12 is 3.
    row("2025-02", 4, 2, 2, 3, 3.0),
    # A 5 Mar (a decline from best) and F 20 Mar. Reviews: A3 after 5 days (the one of 6 Mar
    # was entered in error), F1 after 12 clinic-local days: the median is 8.5.
    row("2025-03", 2, 1, 0, 2, 8.5),
    # No assessment in April: no row. D 2 May: back to 5, the same as D's last valid grade.
    row("2025-05", 1, 0, 0, 0, None),
]


def test_months_by_hand(clinic, ada_api):
    body = ada_api.get(URL).json()
    assert body["report"] == "strength"
    assert body["columns"] == COLUMNS
    assert body["results"] == EXPECTED


def test_the_date_range_selects_assessments_and_their_reviews_whenever_made(clinic, ada_api):
    rows = ada_api.get(URL, {"from": "2025-02-01", "to": "2025-02-28"}).json()["results"]
    # C2's review of 4 March still counts in February: it is of a February assessment.
    assert rows == [EXPECTED[1]]
    rows = ada_api.get(URL, {"from": "2025-02-20", "to": "2025-03-05"}).json()["results"]
    # C2 (a decline and an improvement, reviewed after 12 days), B3 (0 days); A3 (5 days).
    assert rows == [row("2025-02", 2, 1, 1, 2, 6.0), row("2025-03", 1, 1, 0, 1, 5.0)]


def test_entered_in_error_records_take_no_part(clinic, ada, ada_api):
    p, a = clinic
    a["A2"].mark_entered_in_error(by=ada, reason="Another patient's grades")
    TrendReview.objects.get(assessment=a["C2"]).mark_entered_in_error(by=ada, reason="Not reviewed")
    rows = ada_api.get(URL, {"from": "2025-02-01", "to": "2025-03-31"}).json()["results"]
    # February loses A2 and its review, C2's review; B3's review (0 days) is left. In March,
    # A3 now declines against A1 directly (5 to 4): still one patient with a decline.
    assert rows == [row("2025-02", 3, 1, 2, 1, 0.0), row("2025-03", 2, 1, 0, 2, 8.5)]


def test_another_clinic_is_absent_until_the_admin_is_a_member(clinic, ada, south, ada_api):
    assert {r["clinic"] for r in ada_api.get(URL).json()["results"]} == {"north"}
    StaffMembership.objects.create(user=ada, clinic=south)
    rows = ada_api.get(URL, {"clinic": "south"}).json()["results"]
    # S: grip 5 in January, 2 in February (a decline), reviewed the next day.
    assert rows == [
        {**row("2025-01", 1, 0, 0, 0, None), "clinic": "south"},
        {**row("2025-02", 1, 1, 0, 1, 1.0), "clinic": "south"},
    ]


def test_a_clinic_that_is_not_the_admins_is_404(clinic, ada_api):
    response = ada_api.get(URL, {"clinic": "south"})
    assert (response.status_code, response.json()) == (404, {"detail": "No such clinic among yours."})


def test_an_assessment_whose_findings_were_never_recorded_counts_with_none(north, nora, ada_api):
    patient = factories.PatientFactory(clinic=north)
    assess(patient, "2025-06-01", {GRIP: "5"}, nora)
    assess(patient, "2025-07-01", {GRIP: "2"}, nora)
    rows = ada_api.get(URL).json()["results"]
    # Findings are what the services recorded; none were for these two.
    assert [(r["month"], r["assessments"], r["patients_with_decline"]) for r in rows] == [
        ("2025-06", 1, 0),
        ("2025-07", 1, 0),
    ]


def test_the_services_record_what_the_report_reads(north, nora, phil, ada_api):
    patient = factories.PatientFactory(clinic=north)

    def record(day, grade):
        with time_machine.travel(local(*day, 11), tick=False):
            return assessment_record(
                patient=patient,
                assessor=nora,
                assessed_on=datetime.date(*day),
                scores=[{"muscle_group": "grip", "side": "left", "grade": MRCGrade.from_label(grade)}],
            )

    record((2025, 9, 1), "5")
    record((2025, 10, 6), "3+")
    with time_machine.travel(local(2025, 10, 13, 15), tick=False):
        trend_review_record(patient=patient, by=phil, note="Grip weaker: referred to physiotherapy.")
    rows = ada_api.get(URL, {"from": "2025-10-01"}).json()["results"]
    # 5 to 3+ is 15 to 10 thirds: a decline; reviewed 7 days after the assessment.
    assert rows == [row("2025-10", 1, 1, 0, 1, 7.0)]


def test_the_csv_has_the_columns_and_the_rows(clinic, ada_api):
    response = ada_api.get(URL, {"format": "csv"})
    assert response["Content-Disposition"].startswith('attachment; filename="strength-')
    header, *rows = csv.reader(io.StringIO(b"".join(response.streaming_content).decode()))
    assert header == COLUMNS
    assert rows == [
        ["north", "2025-01", "4", "0", "0", "0", ""],
        ["north", "2025-02", "4", "2", "2", "3", "3.0"],
        ["north", "2025-03", "2", "1", "0", "2", "8.5"],
        ["north", "2025-05", "1", "0", "0", "0", ""],
    ]


def test_the_report_page_shows_it_with_its_csv_link(clinic, north, ada):
    response = web_client_of(ada).get(reverse("web:reports"), {"date_from": "2025-03-01"})
    assert response.status_code == 200
    assert response.context["tables"]["strength"]["rows"] == [
        [north.name, "Mar 2025", 2, 1, 0, 2, Decimal("8.5")],
        [north.name, "May 2025", 1, 0, 0, 0, "—"],
    ]
    page = response.content.decode()
    assert ">Strength</h2>" in page
    assert f'href="{URL}?from=2025-03-01&amp;format=csv"' in page
    assert '<th scope="col">Median days to review</th>' in page
    assert "median_days_to_review" not in page
    assert "<td>8.5</td>" in page
