"""The MMT grid: 12 muscle groups × left/right, typed grades, weakness types carried over."""

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.grades import MRCGrade, MuscleGroup, Side
from assessments.models import Assessment

pytestmark = pytest.mark.django_db


def _url(patient):
    return reverse("web:assessment_new", args=[patient.pk])


def grid(grades=None, weakness=None, **extra):
    """POST data: ``grades`` {(group, side): "4-"}, the rest of the grid left as typed (empty)."""
    data = {
        "assessed_on": timezone.localdate().isoformat(),
        "edss": "",
        "timed_25ft_walk_seconds": "",
        "notes": "",
    }
    for group in MuscleGroup:
        for side in Side:
            data[f"{group}_{side}_grade"] = (grades or {}).get((group, side), "")
            data[f"{group}_{side}_weakness"] = (weakness or {}).get((group, side), "unknown")
    return data | extra


def grades_of(assessment):
    """{(group, side): MRCGrade} of what was stored."""
    return {(s.muscle_group, s.side): MRCGrade(s.grade) for s in assessment.scores.all()}


def full(label):
    return {(group, side): label for group in MuscleGroup for side in Side}


def test_the_grid_has_every_muscle_side_labelled_in_reading_order(nora_web, assessed_patient):
    response = nora_web.get(_url(assessed_patient))
    assert response.status_code == 200
    html = response.content.decode()
    positions = []
    for group in MuscleGroup:
        for side in Side:
            for field in ("grade", "weakness"):
                field_id = f"id_{group}_{side}_{field}"
                assert f'<label class="visually-hidden" for="{field_id}">' in html, field_id
                positions.append(html.index(f'id="{field_id}"'))
    # Tab order is document order: row by row, left grade, left type, right grade, right type.
    assert positions == sorted(positions)
    assert 'tabindex="' not in html.split('<table class="table mmt-grid">')[1]


def test_weakness_types_start_from_the_previous_assessment(nora_web, assessed_patient):
    form = nora_web.get(_url(assessed_patient)).context["form"]
    assert form["ankle_dorsiflexion_left_weakness"].value() == "primary"
    assert form["knee_extension_right_weakness"].value() == "secondary"
    assert form["grip_left_weakness"].value() == "unknown"
    assert form["assessed_on"].value() == timezone.localdate()
    html = nora_web.get(_url(assessed_patient)).content.decode()
    assert "was 3-" in html  # the previous grade is shown beside the cell


def test_records_a_full_assessment(nora_web, nora, assessed_patient):
    grades = full("5") | {("ankle_dorsiflexion", "left"): "2+", ("hip_flexion", "right"): "4\u2212"}
    weakness = {("ankle_dorsiflexion", "left"): "primary"}
    data = grid(grades, weakness, edss="3.5", timed_25ft_walk_seconds="9.25", notes="Foot drop worse")
    response = nora_web.post(_url(assessed_patient), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("web:patient_dashboard", args=[assessed_patient.pk])
    assessment = Assessment.objects.latest_first().get(patient=assessed_patient, notes="Foot drop worse")
    assert assessment.assessor == nora
    assert str(assessment.edss) == "3.5" and str(assessment.timed_25ft_walk_seconds) == "9.25"
    assert grades_of(assessment)[("ankle_dorsiflexion", "left")] == MRCGrade.G2_PLUS
    assert grades_of(assessment)[("hip_flexion", "right")] == MRCGrade.G4_MINUS  # a typed Unicode minus
    assert assessment.scores.count() == 24
    assert assessment.scores.get(muscle_group="ankle_dorsiflexion", side="left").weakness_type == "primary"
    # The message on the dashboard, and the new point in its chart data.
    page = nora_web.get(response["Location"])
    assert f"Assessment of {timezone.localdate():%d %b %Y} recorded." in page.content.decode()
    ankle = next(
        s
        for s in page.context["chart_data"]["series"]
        if (s["muscle_group"], s["side"]) == ("ankle_dorsiflexion", "left")
    )
    assert ankle["points"][-1] == {"assessed_on": timezone.localdate(), "grade": "2+", "thirds": 7}


def test_a_partial_assessment_keeps_only_the_graded_cells(phil_web, assessed_patient):
    response = phil_web.post(_url(assessed_patient), grid({("grip", "left"): "4", ("grip", "right"): "4+"}))
    assert response.status_code == 302
    latest = Assessment.objects.latest_first().filter(patient=assessed_patient).first()
    assert grades_of(latest) == {("grip", "left"): MRCGrade.G4, ("grip", "right"): MRCGrade.G4_PLUS}


def _assert_typed_values_kept(html, data):
    for name, value in data.items():
        if value and name.endswith("_grade"):
            assert f'name="{name}" value="{value}"' in html, name


def test_a_bad_grade_is_shown_in_its_cell_and_nothing_typed_is_lost(nora_web, assessed_patient):
    grades = full("4") | {("knee_flexion", "left"): "6", ("grip", "right"): "4++"}
    data = grid(
        grades,
        {("hip_flexion", "left"): "secondary"},
        edss="2.5",
        timed_25ft_walk_seconds="7.1",
        notes="Kept",
    )
    response = nora_web.post(_url(assessed_patient), data)
    assert response.status_code == 200
    assert Assessment.objects.filter(patient=assessed_patient).count() == 2
    html = response.content.decode()
    assert "“6” is not an MRC grade. Allowed: 0, 1, 2-, 2, 2+, 3-, 3, 3+, 4-, 4, 4+, 5." in html
    assert "“4++” is not an MRC grade" in html
    assert 'id="id_knee_flexion_left_grade_error"' in html
    assert 'aria-invalid="true"' in html
    _assert_typed_values_kept(html, data)
    form = response.context["form"]
    assert form["hip_flexion_left_weakness"].value() == "secondary"
    assert form["edss"].value() == "2.5" and form["timed_25ft_walk_seconds"].value() == "7.1"
    assert form["notes"].value() == "Kept"
    assert "Please correct 2 problems" in html


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"edss": "3.3"}, "edss", "EDSS is scored in steps of 0.5 from 0 to 10, such as 4.0 or 4.5."),
        ({"edss": "3,3"}, "edss", "EDSS is scored in steps of 0.5 from 0 to 10, such as 4.0 or 4.5."),
        ({"edss": "11"}, "edss", "less than or equal to 10"),
        (
            {"edss": "4+"},
            "edss",
            "“4+” is not a number: type digits with a point or a comma, such as 4.5 or 4,5.",
        ),
        ({"edss": "four"}, "edss", "“four” is not a number"),
        ({"timed_25ft_walk_seconds": "0"}, "timed_25ft_walk_seconds", "from 1.0 to 180.0 seconds"),
        ({"timed_25ft_walk_seconds": "0,9"}, "timed_25ft_walk_seconds", "from 1.0 to 180.0 seconds"),
        ({"timed_25ft_walk_seconds": "180.01"}, "timed_25ft_walk_seconds", "from 1.0 to 180.0 seconds"),
        ({"timed_25ft_walk_seconds": "8.4 s"}, "timed_25ft_walk_seconds", "“8.4 s” is not a number"),
        ({"timed_25ft_walk_seconds": "1,234.5"}, "timed_25ft_walk_seconds", "“1,234.5” is not a number"),
        ({"timed_25ft_walk_seconds": "8,456"}, "timed_25ft_walk_seconds", "no more than 2 decimal places"),
        ({"assessed_on": "2999-01-01"}, "assessed_on", "Must not be in the future."),
        ({"assessed_on": "1899-12-31"}, "assessed_on", "Must not be before 1 Jan 1900."),
        ({"assessed_on": "1970-01-01"}, "assessed_on", "Must not be before the patient"),
        ({"assessed_on": "not a date"}, "assessed_on", "Enter a valid date."),
    ],
)
def test_service_and_field_errors_are_shown_by_their_field(nora_web, assessed_patient, extra, field, message):
    data = grid(full("4-"), **extra)
    response = nora_web.post(_url(assessed_patient), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in error for error in form.errors[field]), form.errors
    _assert_typed_values_kept(response.content.decode(), data)
    assert form[field].value() == extra[field]
    assert Assessment.objects.filter(patient=assessed_patient).count() == 2


def test_at_least_one_grade(nora_web, assessed_patient):
    response = nora_web.post(_url(assessed_patient), grid({}, edss="4"))
    assert response.status_code == 200
    assert "Enter a grade for at least one muscle group." in response.content.decode()


def test_the_date_is_required(nora_web, assessed_patient):
    response = nora_web.post(_url(assessed_patient), grid(full("4"), assessed_on=""))
    assert response.status_code == 200
    assert response.context["form"].errors["assessed_on"] == ["This field is required."]


def test_an_assessment_today_is_the_latest_even_after_an_earlier_one_that_day(nora_web, assessed_patient):
    assert nora_web.post(_url(assessed_patient), grid(full("4"))).status_code == 302
    assert nora_web.post(_url(assessed_patient), grid(full("4-"))).status_code == 302
    form = nora_web.get(_url(assessed_patient)).context["form"]
    assert form.previous[("grip", "left")].grade == MRCGrade.G4_MINUS
