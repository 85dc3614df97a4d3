"""The MMT grid: 12 muscle groups × left/right, typed grades, weakness types carried over."""

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.grades import MASGrade, MRCGrade, MuscleGroup, Side
from assessments.models import Assessment, SpasticityScore

pytestmark = pytest.mark.django_db


def _url(patient):
    return reverse("web:assessment_new", args=[patient.pk])


def grid(grades=None, weakness=None, mas=None, **extra):
    """POST data: ``grades`` {(group, side): "4-"} and ``mas`` {(group, side): "1+"}, the rest of
    the grid left as typed (empty)."""
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
            data[f"{group}_{side}_mas"] = (mas or {}).get((group, side), "")
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
    # Without JavaScript, Tab order is document order: row by row, left grade, left type, right
    # grade, right type (mmt-grid.js then takes the types out of it: test_browser_grid.py).
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
        (
            {"assessed_on": "not a date"},
            "assessed_on",
            "“not a date” is not a date: type day/month/year, such as 28/11/2026.",
        ),
        ({"assessed_on": "28/11/26"}, "assessed_on", "“28/11/26”: type the year in full"),
        ({"assessed_on": "31/02/2026"}, "assessed_on", "“31/02/2026” is not a day of the calendar"),
        ({"assessed_on": "11/28/2026"}, "assessed_on", "“11/28/2026” is not a day of the calendar"),
        ({"assessed_on": "00/00/0000"}, "assessed_on", "“00/00/0000” is not a day of the calendar"),
        ({"assessed_on": "29/02/2025"}, "assessed_on", "“29/02/2025” is not a day of the calendar"),
        ({"assessed_on": "01/01/0000"}, "assessed_on", "“01/01/0000” is not a day of the calendar"),
        ({"assessed_on": "28/11/20266"}, "assessed_on", "“28/11/20266”: type the year in full"),
        ({"assessed_on": "28／11／2026"}, "assessed_on", "“28／11／2026” is not a date"),
        ({"assessed_on": "9" * 5000}, "assessed_on", "is not a date: type day/month/year"),
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


# Spasticity (Modified Ashworth Scale): an optional section of the grid, closed until opened.


def mas_of(assessment):
    """{(group, side): MASGrade} of what was stored."""
    return {(s.muscle_group, s.side): MASGrade(s.mas) for s in assessment.spasticity.all()}


def spasticity_section(html):
    return html.split('<details class="card mmt-spasticity"')[1].split("</details>")[0]


def test_the_spasticity_section_is_closed_with_every_muscle_side_labelled(nora_web, assessed_patient):
    html = nora_web.get(_url(assessed_patient)).content.decode()
    section = spasticity_section(html)
    assert section.startswith(">")  # no ``open``: closed until the assessor opens it
    positions = []
    for group in MuscleGroup:
        for side in Side:
            field_id = f"id_{group}_{side}_mas"
            assert f'<label class="visually-hidden" for="{field_id}">' in section, field_id
            positions.append(section.index(f'id="{field_id}"'))
    # Tab order is document order: row by row, left then right; after the grades, before the notes.
    assert positions == sorted(positions)
    assert html.index('id="id_ankle_plantarflexion_right_weakness"') < html.index('id="spasticity-toggle"')
    assert html.index('id="spasticity-toggle"') < html.index('id="id_notes"')
    assert "Hip flexion, left: spasticity (MAS)" in section


def test_records_spasticity_scores_with_the_grades(nora_web, assessed_patient):
    mas = {
        ("hip_flexion", "left"): "1+",
        ("knee_flexion", "right"): " 3",
        ("ankle_plantarflexion", "left"): "0",
    }
    response = nora_web.post(_url(assessed_patient), grid(full("4"), mas=mas, notes="Tone up"))
    assert response.status_code == 302
    assessment = Assessment.objects.get(patient=assessed_patient, notes="Tone up")
    assert mas_of(assessment) == {
        ("hip_flexion", "left"): MASGrade.MAS1_PLUS,
        ("knee_flexion", "right"): MASGrade.MAS3,
        ("ankle_plantarflexion", "left"): MASGrade.MAS0,  # 0 is a score, not "not scored"
    }
    assert assessment.spasticity.get(muscle_group="hip_flexion", side="left").mas == 2  # 1+ is step 2


def test_an_empty_spasticity_section_records_none(nora_web, assessed_patient):
    response = nora_web.post(_url(assessed_patient), grid(full("4"), notes="No tone scored"))
    assert response.status_code == 302
    assessment = Assessment.objects.get(patient=assessed_patient, notes="No tone scored")
    assert assessment.scores.count() == 24
    assert not SpasticityScore.objects.filter(assessment=assessment).exists()


def test_spasticity_alone_is_not_an_assessment(nora_web, assessed_patient):
    response = nora_web.post(_url(assessed_patient), grid({}, mas={("grip", "left"): "2"}))
    assert response.status_code == 200
    assert "Enter a grade for at least one muscle group." in response.content.decode()
    assert spasticity_section(response.content.decode()).startswith(" open>")


@pytest.mark.parametrize("typed", ["5", "2+", "1-", "+1", "one", "1.5"])
def test_a_bad_spasticity_score_is_refused_in_words_naming_the_muscle_side(nora_web, assessed_patient, typed):
    mas = {("hip_flexion", "left"): typed, ("hip_flexion", "right"): "1+"}
    data = grid(full("4"), mas=mas, notes="Bad MAS")
    response = nora_web.post(_url(assessed_patient), data)
    assert response.status_code == 200
    assert not Assessment.objects.filter(notes="Bad MAS").exists()
    html = response.content.decode()
    message = f"“{typed}” is not a Modified Ashworth score. Allowed: 0, 1, 1+, 2, 3, 4."
    # In the summary, linked to the cell and naming the muscle-side; and in the cell itself.
    assert f'<a href="#id_hip_flexion_left_mas">Hip flexion, left: spasticity (MAS): {message}</a>' in html
    section = spasticity_section(html)
    assert section.startswith(" open>")  # shown open, so the cell in error can be reached
    assert 'id="id_hip_flexion_left_mas_error"' in section
    assert f'name="hip_flexion_left_mas" value="{typed}"' in section
    assert 'name="hip_flexion_right_mas" value="1+"' in section
    _assert_typed_values_kept(html, data)


def test_a_form_shown_again_with_spasticity_typed_keeps_the_section_open(nora_web, assessed_patient):
    data = grid(full("4"), mas={("grip", "right"): "1"}, edss="3.3")
    response = nora_web.post(_url(assessed_patient), data)
    assert response.status_code == 200
    section = spasticity_section(response.content.decode())
    assert section.startswith(" open>")
    assert 'name="grip_right_mas" value="1"' in section


# Correcting a recorded assessment: the same grid, as stored, spasticity included.


def _edit_url(assessment):
    return reverse("web:assessment_edit", args=[assessment.pk])


@pytest.fixture
def scored_assessment(assessed_patient, nora):
    """The patient's latest assessment (10 Apr 2026), with spasticity scored on two muscle-sides."""
    assessment = Assessment.objects.latest_first().filter(patient=assessed_patient).first()
    SpasticityScore.objects.create(
        assessment=assessment, muscle_group="hip_flexion", side="left", mas=MASGrade.MAS1_PLUS
    )
    SpasticityScore.objects.create(
        assessment=assessment, muscle_group="ankle_plantarflexion", side="right", mas=MASGrade.MAS3
    )
    return assessment


def test_the_edit_page_shows_the_stored_assessment_with_its_spasticity_open(nora_web, scored_assessment):
    response = nora_web.get(_edit_url(scored_assessment))
    assert response.status_code == 200
    form = response.context["form"]
    assert form["assessed_on"].value() == scored_assessment.assessed_on
    assert form["ankle_dorsiflexion_left_grade"].value() == "3-"
    assert form["ankle_dorsiflexion_left_weakness"].value() == "primary"
    html = response.content.decode()
    assert "Correct the assessment of 10 Apr 2026" in html
    section = spasticity_section(html)
    assert section.startswith(" open>")  # stored scores: shown open
    assert 'name="hip_flexion_left_mas" value="1+"' in section
    assert 'name="ankle_plantarflexion_right_mas" value="3"' in section
    assert 'name="grip_left_mas" value=' not in section  # not scored: an empty cell


def _as_stored(client, assessment):
    """The edit page's form data as the page was drawn, to change a few cells of."""
    form = client.get(_edit_url(assessment)).context["form"]
    return {name: "" if form[name].value() is None else str(form[name].value()) for name in form.fields}


def test_an_edit_round_trip_changes_adds_and_removes_spasticity_scores(phil_web, phil, scored_assessment):
    data = _as_stored(phil_web, scored_assessment)
    data |= {"hip_flexion_left_mas": "2", "ankle_plantarflexion_right_mas": "", "grip_right_mas": "0"}
    response = phil_web.post(_edit_url(scored_assessment), data)
    assert response.status_code == 302, response.context["form"].errors
    assert response["Location"] == reverse("web:patient_dashboard", args=[scored_assessment.patient_id])
    assert mas_of(scored_assessment) == {
        ("hip_flexion", "left"): MASGrade.MAS2,
        ("grip", "right"): MASGrade.MAS0,
    }
    # The grades were saved as they stood, and the page shows the scores as now stored.
    assert grades_of(scored_assessment)[("ankle_dorsiflexion", "left")] == MRCGrade.G3_MINUS
    assert grades_of(scored_assessment)[("grip", "right")] == MRCGrade.G5
    assert scored_assessment.scores.count() == 24
    again = spasticity_section(phil_web.get(_edit_url(scored_assessment)).content.decode())
    assert 'name="hip_flexion_left_mas" value="2"' in again
    assert 'name="grip_right_mas" value="0"' in again
    assert 'name="ankle_plantarflexion_right_mas" value="3"' not in again


def test_emptying_every_spasticity_cell_removes_them_all(phil_web, scored_assessment):
    data = _as_stored(phil_web, scored_assessment) | {
        "hip_flexion_left_mas": "",
        "ankle_plantarflexion_right_mas": "",
    }
    assert phil_web.post(_edit_url(scored_assessment), data).status_code == 302
    assert not SpasticityScore.objects.filter(assessment=scored_assessment).exists()
    section = spasticity_section(phil_web.get(_edit_url(scored_assessment)).content.decode())
    assert section.startswith(">")  # nothing scored now: closed again


def test_a_bad_spasticity_score_on_the_edit_page_changes_nothing(phil_web, scored_assessment):
    data = _as_stored(phil_web, scored_assessment) | {"hip_flexion_left_mas": "1++", "notes": "Changed"}
    response = phil_web.post(_edit_url(scored_assessment), data)
    assert response.status_code == 200
    assert (
        "Hip flexion, left: spasticity (MAS): “1++” is not a Modified Ashworth score."
        in response.content.decode()
    )
    scored_assessment.refresh_from_db()
    assert scored_assessment.notes == ""
    assert mas_of(scored_assessment)[("hip_flexion", "left")] == MASGrade.MAS1_PLUS


def test_an_edit_over_someone_elses_correction_is_held_back(phil_web, nora_web, scored_assessment):
    mine = _as_stored(phil_web, scored_assessment) | {"grip_left_mas": "1"}
    theirs = _as_stored(nora_web, scored_assessment) | {"grip_left_mas": "4"}
    assert nora_web.post(_edit_url(scored_assessment), theirs).status_code == 302
    response = phil_web.post(_edit_url(scored_assessment), mine)
    assert response.status_code == 200
    assert "Someone else corrected this assessment while you were editing." in response.content.decode()
    assert mas_of(scored_assessment)[("grip", "left")] == MASGrade.MAS4
    # Saving the page as shown again replaces the other correction.
    assert phil_web.post(_edit_url(scored_assessment), response.context["form"].data).status_code == 302
    assert mas_of(scored_assessment)[("grip", "left")] == MASGrade.MAS1


def test_a_grade_jump_is_checked_against_the_other_assessments_not_itself(nora_web, scored_assessment):
    # The stored 3- against the January 4 is no jump; 1 against January's 4 is one to confirm.
    data = _as_stored(nora_web, scored_assessment)
    assert nora_web.post(_edit_url(scored_assessment), data).status_code == 302
    response = nora_web.post(
        _edit_url(scored_assessment), data | {"ankle_dorsiflexion_left_grade": "1", "version": ""}
    )
    assert response.status_code == 200
    assert "Ankle dorsiflexion, left: 1, from 4 on 10 Jan 2026." in response.content.decode()


def test_an_assessment_entered_in_error_cannot_be_corrected(ada_web, ada, scored_assessment):
    scored_assessment.mark_entered_in_error(by=ada, reason="Wrong patient")
    assert ada_web.get(_edit_url(scored_assessment)).status_code == 404


# The page as a nurse's keyboard meets it (issue 14); the browser tests drive it in
# tests/web/test_browser_grid.py.


def test_the_page_opens_on_the_date_typed_day_month_year(nora_web, assessed_patient):
    html = nora_web.get(_url(assessed_patient)).content.decode()
    today = timezone.localdate().strftime("%d/%m/%Y")
    assert f'<input type="text" name="assessed_on" value="{today}"' in html
    date_input = html.split('name="assessed_on"')[1].split(">")[0]
    assert "autofocus" in date_input
    assert "Day/month/year, such as 28/11/2026." in html


def test_a_page_shown_again_with_errors_leaves_the_focus_to_the_error_summary(nora_web, assessed_patient):
    html = nora_web.post(_url(assessed_patient), grid({}, edss="4")).content.decode()
    assert 'id="error-summary"' in html
    assert "autofocus" not in html


def test_enter_in_a_field_finds_a_disabled_default_button_and_sends_nothing(nora_web, assessed_patient):
    """The first submit button is the form's default (what Enter in a field presses): disabled,
    Enter does nothing even without JavaScript; the Save button sends the form."""
    html = nora_web.get(_url(assessed_patient)).content.decode()
    form = html.split('<form method="post" class="mmt-form" novalidate>')[1]
    buttons = form.split('<button type="submit"')
    assert buttons[1].startswith(" disabled hidden></button>")
    assert "Save assessment" in buttons[2]


def test_the_score_boxes_carry_their_scale_for_the_touch_picker(nora_web, assessed_patient):
    html = nora_web.get(_url(assessed_patient)).content.decode()
    grade = html.split('name="grip_left_grade"')[1].split(">")[0]
    assert 'data-scale="0 1 2- 2 2+ 3- 3 3+ 4- 4 4+ 5"' in grade
    assert 'inputmode="text"' in grade and 'autocapitalize="off"' in grade and 'enterkeyhint="next"' in grade
    mas = html.split('name="grip_left_mas"')[1].split(">")[0]
    assert 'data-scale="0 1 1+ 2 3 4"' in mas
    assert '<td class="grade-cell" data-weakness="id_grip_left_weakness">' in html


@pytest.mark.parametrize(
    "typed",
    [
        "28/11/2025",
        "28.11.2025",
        "28-11-2025",
        "28 11 2025",
        " 28/11/2025 ",
        "2025-11-28",
        "28 Nov 2025",
        "28 november 2025",
    ],
)
def test_the_date_is_read_as_the_clinic_writes_it(nora_web, assessed_patient, typed):
    assert nora_web.post(_url(assessed_patient), grid(full("5"), assessed_on=typed)).status_code == 302
    saved = Assessment.objects.filter(patient=assessed_patient).latest("pk")
    assert saved.assessed_on.isoformat() == "2025-11-28"


def test_a_day_and_month_of_one_digit_are_read(nora_web, assessed_patient):
    assert nora_web.post(_url(assessed_patient), grid(full("5"), assessed_on="3/2/2026")).status_code == 302
    saved = Assessment.objects.filter(patient=assessed_patient).latest("pk")
    assert saved.assessed_on.isoformat() == "2026-02-03"


def test_the_edit_page_shows_the_stored_date_day_month_year(nora_web, scored_assessment):
    html = nora_web.get(_edit_url(scored_assessment)).content.decode()
    assert '<input type="text" name="assessed_on" value="10/04/2026"' in html
