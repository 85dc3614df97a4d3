"""Plausible input on the pages (SPEC §2): a decimal comma reads as a decimal point, what cannot be
read is refused in words (never stored as something else, never blanked), dates keep to their
bounds, and a grade two whole grades from the previous grading is saved only once confirmed."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from assessments.grades import MRCGrade, MuscleGroup, Side
from assessments.models import Assessment
from care.models import DevicePrescription, Referral
from patients.models import Patient

pytestmark = pytest.mark.django_db


def _assessment_url(patient):
    return reverse("web:assessment_new", args=[patient.pk])


def grid(grades, **extra):
    """POST data for the MMT grid: ``grades`` {(group, side): "4-"}, every other cell empty."""
    data = {"assessed_on": "2026-05-01", "edss": "", "timed_25ft_walk_seconds": "", "notes": ""}
    for group in MuscleGroup:
        for side in Side:
            data[f"{group}_{side}_grade"] = grades.get((group, side), "")
            data[f"{group}_{side}_weakness"] = "unknown"
    return data | extra


GRIP = {("grip", "left"): "5", ("grip", "right"): "5"}


def latest(patient):
    return Assessment.objects.latest_first().filter(patient=patient).first()


# Decimal numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("edss", "walk", "stored"),
    [
        ("4,5", "8,4", (Decimal("4.5"), Decimal("8.4"))),
        ("4.5", "8.4", (Decimal("4.5"), Decimal("8.4"))),
        (" 6 ", "12,25", (Decimal("6"), Decimal("12.25"))),
        ("0", "1,0", (Decimal("0"), Decimal("1"))),
        ("10,0", "180", (Decimal("10"), Decimal("180"))),
        (",5", "8,", (Decimal("0.5"), Decimal("8"))),
    ],
)
def test_a_decimal_comma_is_read_as_a_decimal_point(nora_web, assessed_patient, edss, walk, stored):
    response = nora_web.post(
        _assessment_url(assessed_patient), grid(GRIP, edss=edss, timed_25ft_walk_seconds=walk)
    )
    assert response.status_code == 302, response.context["form"].errors
    saved = latest(assessed_patient)
    assert (saved.edss, saved.timed_25ft_walk_seconds) == stored


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("edss", "4+", "“4+” is not a number: type digits with a point or a comma, such as 4.5 or 4,5."),
        ("edss", "4½", "“4½” is not a number"),
        ("edss", "4,25", "EDSS is scored in steps of 0.5 from 0 to 10, such as 4.0 or 4.5."),
        ("edss", "10,5", "Ensure this value is less than or equal to 10."),
        ("edss", "-0,5", "Ensure this value is greater than or equal to 0."),
        ("timed_25ft_walk_seconds", "8,4s", "“8,4s” is not a number"),
        ("timed_25ft_walk_seconds", "8.4.1", "“8.4.1” is not a number"),
        ("timed_25ft_walk_seconds", "1.000,5", "“1.000,5” is not a number"),
        ("timed_25ft_walk_seconds", "1e2", "“1e2” is not a number"),
        ("timed_25ft_walk_seconds", "0,99", "The timed 25-foot walk is from 1.0 to 180.0 seconds"),
        ("timed_25ft_walk_seconds", "180,01", "The timed 25-foot walk is from 1.0 to 180.0 seconds"),
        ("timed_25ft_walk_seconds", "84", None),  # read as typed: 84 s is plausible
    ],
)
def test_what_cannot_be_read_or_is_out_of_range_is_refused_in_words(
    nora_web, assessed_patient, field, typed, message
):
    before = Assessment.objects.count()
    response = nora_web.post(_assessment_url(assessed_patient), grid(GRIP, **{field: typed}))
    if message is None:
        assert response.status_code == 302
        assert latest(assessed_patient).timed_25ft_walk_seconds == Decimal("84")
        return
    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in error for error in form.errors[field]), form.errors
    # What was typed is back in its field, and in the error summary in words.
    assert form[field].value() == typed
    assert f'name="{field}" value="{typed}"' in response.content.decode()
    assert Assessment.objects.count() == before


def test_the_number_fields_are_text_boxes_the_browser_cannot_rewrite(nora_web, assessed_patient, north):
    def tag(html, name):
        return re.search(f'<input[^>]*name="{name}"[^>]*>', html).group()

    html = nora_web.get(_assessment_url(assessed_patient)).content.decode()
    for name in ("edss", "timed_25ft_walk_seconds"):
        assert 'type="text"' in tag(html, name) and 'inputmode="decimal"' in tag(html, name)
    html = nora_web.get(reverse("web:patient_new")).content.decode()
    interval = tag(html, "reassessment_interval_weeks")
    assert 'type="text"' in interval and 'inputmode="numeric"' in interval


PATIENT = {
    "mrn": "N-1",
    "given_name": "Ann",
    "family_name": "Lee",
    "date_of_birth": "1970-01-01",
    "sex": "female",
    "ms_type": "RRMS",
    "status": "active",
}


@pytest.mark.parametrize("typed", ["12,0", "12.0", " 12 "])
def test_a_whole_reassessment_interval_reads_with_a_comma_as_with_a_point(nora_web, north, typed):
    data = PATIENT | {"clinic": str(north.pk), "reassessment_interval_weeks": typed}
    assert nora_web.post(reverse("web:patient_new"), data).status_code == 302
    assert Patient.objects.get().reassessment_interval_weeks == 12


def test_a_reassessment_interval_typed_with_a_comma_is_refused_not_multiplied(nora_web, north):
    data = {
        "clinic": str(north.pk),
        "mrn": "N-1",
        "given_name": "Ann",
        "family_name": "Lee",
        "date_of_birth": "1970-01-01",
        "sex": "female",
        "ms_type": "RRMS",
        "status": "active",
        "reassessment_interval_weeks": "1,2",
    }
    response = nora_web.post(reverse("web:patient_new"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["reassessment_interval_weeks"] == ["Enter a whole number."]
    assert not Patient.objects.exists()


# Dates ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [("date_of_birth", "1899-12-31"), ("diagnosis_date", "1899-12-31")],
)
def test_no_patient_date_before_1900(nora_web, north, field, value):
    data = {
        "clinic": str(north.pk),
        "mrn": "N-1",
        "given_name": "Ann",
        "family_name": "Lee",
        "date_of_birth": "1970-01-01",
        "sex": "female",
        "ms_type": "RRMS",
        "status": "active",
        "reassessment_interval_weeks": "12",
    } | {field: value}
    if field == "diagnosis_date":
        data["date_of_birth"] = "1899-01-01"
    response = nora_web.post(reverse("web:patient_new"), data)
    assert response.status_code == 200
    assert response.context["form"].errors[field] == ["Must not be before 1 Jan 1900."]
    assert not Patient.objects.exists()


def test_an_afo_needs_a_side_and_its_review_date_defaults(phil_web, assessed_patient):
    url = reverse("web:device_new", args=[assessed_patient.pk])
    data = {
        "device_type": "afo",
        "side": "na",
        "prescribed_on": "2026-03-03",
        "review_due_on": "",
        "reason": "Foot drop",
    }
    response = phil_web.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors["side"] == [
        "An AFO or FES device is for a side: choose left, right or bilateral."
    ]
    assert '<option value="afo" selected>' in response.content.decode()
    response = phil_web.post(url, data | {"side": "left"})
    assert response.status_code == 302
    assert DevicePrescription.objects.get().review_due_on == datetime.date(2026, 6, 1)


def test_a_review_date_more_than_five_years_on_is_refused(phil_web, assessed_patient):
    url = reverse("web:device_new", args=[assessed_patient.pk])
    data = {"device_type": "cane", "side": "na", "prescribed_on": "2024-02-29", "review_due_on": "2029-03-01"}
    response = phil_web.post(url, data)
    assert response.context["form"].errors["review_due_on"] == [
        "Must be at most 5 years after the prescription date: 28 Feb 2029 at the latest."
    ]
    assert phil_web.post(url, data | {"review_due_on": "2029-02-28"}).status_code == 302


def test_a_referral_due_more_than_five_years_on_is_refused(nora_web, assessed_patient):
    url = reverse("web:referral_new", args=[assessed_patient.pk])
    data = {"to_service": "gp", "reason": "Bladder", "urgency": "routine", "referred_on": "2026-03-03"}
    response = nora_web.post(url, data | {"due_by": "2031-03-04"})
    assert response.context["form"].errors["due_by"] == [
        "Must be at most 5 years after the referral date: 03 Mar 2031 at the latest."
    ]
    assert nora_web.post(url, data | {"due_by": "2031-03-03"}).status_code == 302
    assert Referral.objects.get().due_by == datetime.date(2031, 3, 3)


# A jump of two whole grades ---------------------------------------------------------------------
# The assessed patient's left ankle dorsiflexion was 4 on 10 Jan 2026 and 3- on 10 Apr 2026;
# everything else 5.


def test_a_grade_two_whole_grades_from_the_previous_one_asks_for_confirmation(nora_web, assessed_patient):
    url = _assessment_url(assessed_patient)
    data = grid({("ankle_dorsiflexion", "left"): "0", ("grip", "left"): "4"}, notes="Fell last week")
    response = nora_web.post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "A grade differs by two whole grades or more from the muscle&#x27;s previous grading" in html
    box = html.split('id="confirm-grade-jumps"')[1].split("</div>")[0]
    assert "Ankle dorsiflexion, left: 0, from 3- on 10 Apr 2026." in box
    assert "Grip" not in box  # 5 → 4 is one grade
    assert 'name="confirm_grade_jumps"' in box and "checked" not in box
    assert 'name="grade_jumps_shown" value="ankle_dorsiflexion:left:3-:0"' in html
    # Everything typed is kept; nothing is saved until confirmed.
    assert 'name="ankle_dorsiflexion_left_grade" value="0"' in html and "Fell last week" in html
    assert Assessment.objects.filter(patient=assessed_patient).count() == 2

    confirmed = data | {"confirm_grade_jumps": "on", "grade_jumps_shown": "ankle_dorsiflexion:left:3-:0"}
    assert nora_web.post(url, confirmed).status_code == 302
    saved = latest(assessed_patient)
    assert saved.scores.get(muscle_group="ankle_dorsiflexion", side="left").grade == MRCGrade.G0


def test_a_confirmation_covers_only_the_jumps_it_was_shown(nora_web, assessed_patient):
    # Ticked for the ankle, then the grip changed to a jump of its own: asked again, box cleared.
    data = grid(
        {("ankle_dorsiflexion", "left"): "0", ("grip", "left"): "2"},
        confirm_grade_jumps="on",
        grade_jumps_shown="ankle_dorsiflexion:left:3-:0",
    )
    response = nora_web.post(_assessment_url(assessed_patient), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Grip, left: 2, from 5 on 10 Apr 2026." in html
    assert 'id="id_confirm_grade_jumps" checked' not in html
    assert 'value="grip:left:5:2;ankle_dorsiflexion:left:3-:0"' in html
    assert Assessment.objects.filter(patient=assessed_patient).count() == 2


@pytest.mark.parametrize(
    ("muscle", "typed", "asks"),
    [
        # From 5 (15 thirds): 3+ is 5 thirds down, 3 is 6 — the threshold — and 2+ is 8.
        ("grip", "3+", False),
        ("grip", "3", True),
        ("grip", "2+", True),
        # From 3- (8 thirds), up and down: 4+ is +5, 5 is +7; 1 is −5, 0 is −8.
        ("ankle_dorsiflexion", "4+", False),
        ("ankle_dorsiflexion", "5", True),
        ("ankle_dorsiflexion", "1", False),
        ("ankle_dorsiflexion", "0", True),
    ],
)
def test_the_jump_is_two_whole_grades_either_way_from_the_latest_grading(
    nora_web, assessed_patient, muscle, typed, asks
):
    response = nora_web.post(_assessment_url(assessed_patient), grid({(muscle, "left"): typed}))
    assert response.status_code == (200 if asks else 302)


def test_the_previous_grading_is_the_latest_before_the_assessment_s_date(nora_web, assessed_patient):
    url = _assessment_url(assessed_patient)
    # Dated before the April assessment: the previous grading of the left ankle is January's 4.
    response = nora_web.post(url, grid({("ankle_dorsiflexion", "left"): "2"}, assessed_on="2026-02-01"))
    assert response.status_code == 200
    assert "Ankle dorsiflexion, left: 2, from 4 on 10 Jan 2026." in response.content.decode()
    # Before any assessment there is nothing to compare with.
    response = nora_web.post(url, grid({("ankle_dorsiflexion", "left"): "0"}, assessed_on="2025-12-01"))
    assert response.status_code == 302


def test_the_api_does_not_ask(nora_api, assessed_patient):
    body = {
        "patient": assessed_patient.pk,
        "assessed_on": "2026-05-01",
        "scores": [{"muscle_group": "ankle_dorsiflexion", "side": "left", "grade": "0"}],
    }
    assert nora_api.post(reverse("api:assessment-list"), body, format="json").status_code == 201
