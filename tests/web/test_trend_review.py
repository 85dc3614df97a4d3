"""Trend reviews on the pages: "Mark reviewed" from the dashboard, the last review and the past
ones shown, and the changes to review marked new until a review has seen them."""

import datetime
import re

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import Assessment, TrendReview
from assessments.services import NOTHING_TO_REVIEW, trend_review_record
from audit.models import AccessRecord
from patients.services import record_mark_entered_in_error
from tests import factories
from tests.support.clients import web_client_of

pytestmark = pytest.mark.django_db

NEW = '<span class="badge badge--warning">New since the last review</span>'
NEVER_REVIEWED = '<span class="badge badge--warning">New: never reviewed</span>'


def _dashboard(patient):
    return reverse("web:patient_dashboard", args=[patient.pk])


def _review_url(patient):
    return reverse("web:trend_review", args=[patient.pk])


def _section(html, section_id):
    return html.split(f'id="{section_id}"', 1)[1].split("</section>", 1)[0]


def _changes(html):
    """The lines of "changes to review", each as shown inside its ``<li>``."""
    return re.findall(r"<li[^>]*>(.*?)</li>", _section(html, "alerts-title"))


def _line_of(lines, text):
    (line,) = [line for line in lines if text in line]
    return line


def _latest(patient):
    return Assessment.objects.filter(patient=patient).latest_first().first()


def test_the_dashboard_offers_mark_reviewed_with_a_labelled_note(phil_web, assessed_patient):
    html = phil_web.get(_dashboard(assessed_patient)).content.decode()
    review = _section(html, "review")
    assert f'<form method="post" action="{_review_url(assessed_patient)}"' in review
    assert 'name="csrfmiddlewaretoken"' in review
    assert '<label for="id_note">Review note:</label>' in review
    assert '<textarea name="note"' in review
    assert ">Mark reviewed</button>" in review


@pytest.mark.parametrize("user", ["nora", "phil", "ada"])
def test_nurses_physios_and_admins_record_a_review_of_the_latest_assessment(request, user, assessed_patient):
    reviewer = request.getfixturevalue(user)
    client = web_client_of(reviewer)
    response = client.post(_review_url(assessed_patient), {"note": "  Ankle weaker; AFO discussed.  "})
    assert response.status_code == 302
    assert response["Location"] == _dashboard(assessed_patient)
    [review] = TrendReview.objects.all()
    assert (review.patient, review.assessment, review.reviewed_by, review.note) == (
        assessed_patient,
        _latest(assessed_patient),
        reviewer,
        "Ankle weaker; AFO discussed.",
    )
    html = client.get(response["Location"]).content.decode()
    assert "Review recorded, as of the assessment of 10 Apr 2026." in html


@pytest.mark.parametrize("note", ["", "   "])
def test_an_empty_note_is_refused_in_words_and_nothing_is_recorded(nora_web, assessed_patient, note):
    response = nora_web.post(_review_url(assessed_patient), {"note": note})
    assert response.status_code == 200
    html = response.content.decode()
    assert '<div class="error-summary" role="alert"' in html
    assert '<a href="#id_note">Review note: This field is required.</a>' in html
    assert 'aria-invalid="true"' in html
    assert not TrendReview.objects.exists()


def test_a_note_over_10000_characters_is_refused(nora_web, assessed_patient):
    response = nora_web.post(_review_url(assessed_patient), {"note": "x" * 10_001})
    assert response.status_code == 200
    assert response.context["form"].errors["note"] == [
        "Ensure this value has at most 10000 characters (it has 10001)."
    ]
    assert not TrendReview.objects.exists()
    assert nora_web.post(_review_url(assessed_patient), {"note": "x" * 10_000}).status_code == 302
    assert TrendReview.objects.count() == 1


def test_the_review_page_shows_the_form_on_its_own(nora_web, assessed_patient):
    response = nora_web.get(_review_url(assessed_patient))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Mark the findings reviewed" in html and "Lovelace, Ada" in html
    assert '<textarea name="note"' in html


def test_a_patient_without_an_assessment_has_nothing_to_review(nora_web, north):
    patient = factories.PatientFactory(clinic=north)
    assert 'id="review"' not in nora_web.get(_dashboard(patient)).content.decode()
    response = nora_web.post(_review_url(patient), {"note": "Looked."})
    assert response.status_code == 200
    assert NOTHING_TO_REVIEW in response.content.decode()
    assert not TrendReview.objects.exists()


def test_a_patient_entered_in_error_is_not_found_and_not_offered(ada_web, ada, assessed_patient):
    assessed_patient.mark_entered_in_error(by=ada, reason="Duplicate registration")
    assert "Mark reviewed" not in ada_web.get(_dashboard(assessed_patient)).content.decode()
    assert ada_web.post(_review_url(assessed_patient), {"note": "Looked."}).status_code == 404
    assert not TrendReview.objects.exists()


def test_another_clinics_patient_is_not_found(sam_web, assessed_patient):
    response = sam_web.post(_review_url(assessed_patient), {"note": "Looked."})
    assert response.status_code == 404
    assert not TrendReview.objects.exists()


def test_a_member_without_a_role_is_refused_and_not_offered(rolf_web, assessed_patient):
    assert "Mark reviewed" not in rolf_web.get(_dashboard(assessed_patient)).content.decode()
    response = rolf_web.post(_review_url(assessed_patient), {"note": "Looked."})
    assert response.status_code == 403
    assert not TrendReview.objects.exists()


def test_a_post_without_the_csrf_token_is_refused(nora, assessed_patient):
    client = Client(enforce_csrf_checks=True)
    client.force_login(nora)
    assert client.post(_review_url(assessed_patient), {"note": "Looked."}).status_code == 403
    assert not TrendReview.objects.exists()


def test_the_last_review_says_who_when_of_which_assessment_and_the_note(nora_web, phil, assessed_patient):
    phil.first_name, phil.last_name = "Phil", "Hughes"
    phil.save()
    # 23:30 UTC on 1 June is 00:30 on 2 June in London (summer time).
    with time_machine.travel(datetime.datetime(2026, 6, 1, 23, 30, tzinfo=datetime.UTC), tick=False):
        trend_review_record(patient=assessed_patient, by=phil, note="Ankle weaker.\nAFO discussed.")
    review = _section(nora_web.get(_dashboard(assessed_patient)).content.decode(), "review")
    assert "Latest assessment, 10 Apr 2026: " in review
    assert '<span class="status status--done"><span aria-hidden="true">✓ </span>Reviewed</span>' in review
    assert "Not reviewed yet" not in review
    assert "Last review on 2 Jun 2026 00:30 by Phil Hughes, of the assessment of 10 Apr 2026:" in review
    assert "<blockquote>Ankle weaker.<br>AFO discussed.</blockquote>" in review


def test_a_later_assessment_is_not_reviewed_yet_and_the_last_review_stays_shown(
    nora_web, nora, phil, assessed_patient
):
    trend_review_record(patient=assessed_patient, by=phil, note="Ankle weaker.")
    factories.assessment_with_grades(
        assessed_patient, datetime.date(2026, 7, 1), factories.full_grades("5"), assessor=nora
    )
    review = _section(nora_web.get(_dashboard(assessed_patient)).content.decode(), "review")
    assert (
        'Latest assessment, 1 Jul 2026: <span class="badge badge--warning">Not reviewed yet</span>' in review
    )
    assert ">Reviewed</span>" not in review
    # Phil has no full name: his username, as elsewhere on the pages.
    assert "by phil, of the assessment of 10 Apr 2026:" in review


def test_never_reviewed(nora_web, assessed_patient):
    review = _section(nora_web.get(_dashboard(assessed_patient)).content.decode(), "review")
    assert "Not reviewed yet" in review and "Never reviewed." in review
    assert "Past reviews" not in review


def test_every_finding_is_new_until_reviewed_then_none_is(nora_web, nora, assessed_patient):
    lines = _changes(nora_web.get(_dashboard(assessed_patient)).content.decode())
    # The left ankle's decline, its asymmetry with the right, and its foot drop with no AFO.
    assert len(lines) == 3
    assert all(line.endswith(f" {NEVER_REVIEWED}") for line in lines)
    nora_web.post(_review_url(assessed_patient), {"note": "Ankle weaker; AFO discussed."})
    html = nora_web.get(_dashboard(assessed_patient)).content.decode()
    lines = _changes(html)
    assert len(lines) == 3 and not any("badge" in line for line in lines)


def test_only_what_was_not_there_at_the_last_review_is_new(nora_web, nora, phil, assessed_patient):
    """Reviewed at 10 Apr (left ankle 4 → 3-); on 1 Jul the left ankle slides a third more and the
    left grip drops from 5 to 4: the grip's decline is new, and so is the MRC sum's drop from its
    best (59 → 57; it was 58 on 10 Apr, a point off); the ankle's decline from best (left unsaid
    on 10 Apr, when it was the decline itself) and its asymmetry are not."""
    trend_review_record(patient=assessed_patient, by=phil, note="Ankle weaker.")
    grades = factories.full_grades("5") | {("ankle_dorsiflexion", "left"): "2+", ("grip", "left"): "4"}
    factories.assessment_with_grades(assessed_patient, datetime.date(2026, 7, 1), grades, assessor=nora)
    lines = _changes(nora_web.get(_dashboard(assessed_patient)).content.decode())
    assert _line_of(lines, "Decline:</strong> Grip, left: 5 → 4").endswith(f" {NEW}")
    ankle = _line_of(lines, "Decline from best:</strong> Left ankle dorsiflexion 4 → 2+")
    assert "badge" not in ankle
    assert "badge" not in _line_of(lines, "Asymmetry:</strong> Ankle dorsiflexion")
    assert _line_of(lines, "Decline from best:</strong> MRC sum 59 → 57").endswith(f" {NEW}")
    # The left foot drop (no AFO) was there at the review too: graded lower since, it is not new.
    assert "badge" not in _line_of(lines, "Foot drop:</strong> Left ankle dorsiflexion 2+")
    assert len(lines) == 5


def test_a_review_entered_in_error_leaves_the_page_and_its_findings_are_new_again(
    ada_web, ada, phil, assessed_patient
):
    review = trend_review_record(patient=assessed_patient, by=phil, note="Wrong patient's findings.")
    record_mark_entered_in_error(record=review, by=ada, reason="Reviewed the wrong patient")
    html = ada_web.get(_dashboard(assessed_patient)).content.decode()
    section = _section(html, "review")
    assert "Wrong patient's findings." not in section
    assert "Not reviewed yet" in section and "Never reviewed." in section
    assert all(NEVER_REVIEWED in line for line in _changes(html))


@pytest.mark.parametrize(("viewer", "may_mark"), [("phil", True), ("ada", True), ("nora", False)])
def test_past_reviews_are_listed_with_the_entered_in_error_link_for_whom_the_policy_allows(
    request, viewer, may_mark, nora, phil, assessed_patient
):
    older = trend_review_record(patient=assessed_patient, by=phil, note="First look.")
    latest = trend_review_record(patient=assessed_patient, by=phil, note="Second look.")
    past = _section(
        request.getfixturevalue(f"{viewer}_web").get(_dashboard(assessed_patient)).content.decode(), "review"
    )
    past = past.split("<summary>Past reviews (2)</summary>", 1)[1]
    assert past.index("Second look.") < past.index("First look.")  # newest first
    assert "of the assessment of 10 Apr 2026: First look." in past
    for review in (older, latest):
        link = reverse("web:entered_in_error", args=["trend_review", review.pk])
        assert (link in past) is may_mark


def test_a_review_of_an_assessment_since_entered_in_error_is_listed_as_such(
    ada_web, ada, phil, assessed_patient
):
    trend_review_record(patient=assessed_patient, by=phil, note="Ankle weaker.")
    _latest(assessed_patient).mark_entered_in_error(by=ada, reason="Wrong patient")
    section = _section(ada_web.get(_dashboard(assessed_patient)).content.decode(), "review")
    # The review no longer stands for the patient's findings (SPEC §2: last_review) but is kept.
    assert "Never reviewed." in section
    assert (
        "of the assessment of 10 Apr 2026 (that assessment was since marked entered in error): Ankle weaker."
        in section
    )


def test_marking_a_review_entered_in_error_through_the_generic_page(phil_web, phil, assessed_patient):
    review = trend_review_record(patient=assessed_patient, by=phil, note="Looked at the wrong chart.")
    url = reverse("web:entered_in_error", args=["trend_review", review.pk])
    assert "Trend review of" in phil_web.get(url).content.decode()
    response = phil_web.post(url, {"reason": "Reviewed before the new grades were in"})
    assert response.status_code == 302 and response["Location"] == _dashboard(assessed_patient)
    review.refresh_from_db()
    assert (
        review.entered_in_error and review.entered_in_error_reason == "Reviewed before the new grades were in"
    )


def test_the_dashboard_still_writes_one_dashboard_read_and_a_review_writes_none(nora_web, assessed_patient):
    assert nora_web.post(_review_url(assessed_patient), {"note": "Looked."}).status_code == 302
    assert not AccessRecord.objects.exists()
    assert nora_web.get(_dashboard(assessed_patient)).status_code == 200
    [record] = AccessRecord.objects.with_patient_ids()
    assert (record.username, record.action, record.patient_ids) == (
        "nora",
        "dashboard",
        [assessed_patient.pk],
    )


def test_a_refused_review_shows_the_form_page_a_read_of_the_patient(nora_web, assessed_patient):
    assert nora_web.post(_review_url(assessed_patient), {"note": ""}).status_code == 200
    [record] = AccessRecord.objects.with_patient_ids()
    assert (record.action, record.patient_ids) == ("patient_read", [assessed_patient.pk])


def test_the_dashboard_costs_a_fixed_number_of_queries_however_many_reviews(
    nora_web, nora, phil, assessed_patient
):
    def review(n):
        for _ in range(n):
            trend_review_record(patient=assessed_patient, by=phil, note="Looked.")
            trend_review_record(patient=assessed_patient, by=nora, note="Looked too.")

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert nora_web.get(_dashboard(assessed_patient)).status_code == 200
        return len(queries)

    review(1)
    few = count()
    review(10)
    assert count() == few
