"""The MMT grid in a real browser, filled in one pass from the keyboard (issue 14).

The first test types a whole assessment — date, EDSS, walk time, 24 grades and two weakness
types — counting every key it sends, and checks what was stored is what was typed. The others
hold the ways a nurse could lose work or time: Enter never submits half a form, the weakness
type is out of the Tab order but reachable, the page works without JavaScript, and a touch
screen gets a score picker instead of its full keyboard.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.grades import MRCGrade, MuscleGroup
from assessments.models import Assessment, SpasticityScore

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

# The grades typed, head to toe: (left, right). None is more than a whole grade from the
# previous visit (all 5, the left ankle dorsiflexion 3-), so the page asks nothing more.
TYPED = {
    MuscleGroup.SHOULDER_ABDUCTION: ("5", "5"),
    MuscleGroup.ELBOW_FLEXION: ("5", "4+"),
    MuscleGroup.ELBOW_EXTENSION: ("4", "5"),
    MuscleGroup.WRIST_EXTENSION: ("5", "5"),
    MuscleGroup.GRIP: ("4+", "5"),
    MuscleGroup.HIP_FLEXION: ("4-", "4"),
    MuscleGroup.HIP_EXTENSION: ("4", "4+"),
    MuscleGroup.HIP_ABDUCTION: ("4", "4"),
    MuscleGroup.KNEE_EXTENSION: ("4", "5"),
    MuscleGroup.KNEE_FLEXION: ("4-", "4"),
    MuscleGroup.ANKLE_DORSIFLEXION: ("2+", "5"),
    MuscleGroup.ANKLE_PLANTARFLEXION: ("4", "4+"),
}
# Weakness types changed on the way, by their first letter: W in the grade, then the letter.
WEAKNESS_TYPED = {(MuscleGroup.GRIP, "left"): "s", (MuscleGroup.HIP_FLEXION, "left"): "p"}


class CountingKeyboard:
    """Sends keys to the page as a person presses them, and counts every key pressed.

    A character is one key, a special key (Tab, Enter) is one key, a chord is as many keys as
    it holds (Ctrl+Enter is two). "+" is counted as one key, as on a numeric keypad or the
    grid's picker; on a laptop it takes Shift too.
    """

    def __init__(self, web):
        self.web, self.count = web, 0

    def press(self, *keys):
        for key in keys:
            self.count += len(key)
        self.web.keys(*keys)

    def ctrl_enter(self):
        self.web.ctrl_enter()
        self.count += 2


def _open_grid(web, patient):
    web.get(reverse("web:assessment_new", args=[patient.pk]))
    web.wait.until(lambda d: web.find("#grid-keys").is_displayed())  # mmt-grid.js has run


def test_a_nurse_records_a_whole_assessment_in_one_pass_of_the_keyboard(web, nora, assessed_patient):
    from selenium.webdriver.common.keys import Keys

    web.log_in("nora")
    _open_grid(web, assessed_patient)
    keyboard = CountingKeyboard(web)

    # The page opens on the date, today's, selected: typing replaces it, one Tab leaves it
    # (a text box: Chromium's date input would take a Tab for each of its day, month and year).
    assert web.active_id() == "id_assessed_on"
    assert web.find("#id_assessed_on").get_attribute("value") == timezone.localdate().strftime("%d/%m/%Y")
    day = timezone.localdate() - timedelta(days=3)
    keyboard.press(day.strftime("%d/%m/%Y"), Keys.TAB)
    assert web.active_id() == "id_edss"
    keyboard.press("3,5", Keys.TAB, "8,4", Keys.ENTER)

    # Left then right for each muscle, head to toe; Enter and Tab both move on.
    cells = [
        (group, side, grade)
        for group, grades in TYPED.items()
        for side, grade in zip(("left", "right"), grades, strict=True)
    ]
    for number, (group, side, grade) in enumerate(cells):
        assert web.active_id() == f"id_{group}_{side}_grade"
        keyboard.press(grade)
        if letter := WEAKNESS_TYPED.get((group, side)):
            keyboard.press("w")
            assert web.active_id() == f"id_{group}_{side}_weakness"
            keyboard.press(letter)
        if number < len(cells) - 1:
            keyboard.press(Keys.ENTER if number % 2 else Keys.TAB)
    web.screenshot("mmt-grid-one-pass")
    keyboard.ctrl_enter()  # saves from the last grade

    web.wait.until(lambda d: "Assessment of" in web.text() and "recorded" in web.text())
    # 10 + 1 (date), 3 + 1 (EDSS), 3 + 1 (walk), 31 grade keys, 23 moves between the 24 cells,
    # 2 × 2 for the weakness types, 2 to save.
    assert keyboard.count == 79

    saved = Assessment.objects.latest_first().filter(patient=assessed_patient).first()
    assert (saved.assessed_on, saved.edss, saved.timed_25ft_walk_seconds) == (
        day,
        Decimal("3.5"),
        Decimal("8.4"),
    )
    stored = {
        (s.muscle_group, s.side): (MRCGrade(s.grade).label, s.weakness_type) for s in saved.scores.all()
    }
    carried = {  # from the previous assessment, untouched
        ("ankle_dorsiflexion", "left"): "primary",
        ("knee_extension", "left"): "secondary",
        ("knee_extension", "right"): "secondary",
    }
    chosen = {("grip", "left"): "secondary", ("hip_flexion", "left"): "primary"}
    assert stored == {
        (group, side): (grade, (carried | chosen).get((group, side), "unknown"))
        for group, side, grade in cells
    }


def test_enter_moves_on_and_never_submits_half_a_form(web, nora, assessed_patient):
    from selenium.webdriver.common.keys import Keys

    web.log_in("nora")
    _open_grid(web, assessed_patient)
    url = web.driver.current_url
    web.keys(Keys.ENTER)
    assert web.active_id() == "id_edss"  # from the date
    web.keys("4", Keys.ENTER, Keys.ENTER)
    assert web.active_id() == "id_shoulder_abduction_left_grade"
    web.keys("4", Keys.ENTER)
    assert web.active_id() == "id_shoulder_abduction_right_grade"
    web.keys("7", Keys.ENTER)  # a wrong grade: still nothing is sent
    assert web.active_id() == "id_elbow_flexion_left_grade"

    # The weakness type: W goes there, Escape back, Enter on to the next grade.
    web.keys("w")
    assert web.active_id() == "id_elbow_flexion_left_weakness"
    web.keys(Keys.ESCAPE)
    assert web.active_id() == "id_elbow_flexion_left_grade"
    assert web.find("#id_elbow_flexion_left_grade").get_attribute("value") == ""  # W is not typed
    web.keys("w", Keys.ENTER)
    assert web.active_id() == "id_elbow_flexion_right_grade"

    assert web.driver.current_url == url and not web.find_all(".error-summary")
    assert Assessment.objects.filter(patient=assessed_patient).count() == 2

    # Ctrl+Enter saves: the wrong grade is named, everything typed kept.
    web.ctrl_enter()
    web.wait.until(lambda d: web.find_all(".error-summary"))
    assert "Shoulder abduction, right: grade: “7” is not an MRC grade." in web.text()
    assert web.find("#id_shoulder_abduction_left_grade").get_attribute("value") == "4"
    assert Assessment.objects.filter(patient=assessed_patient).count() == 2


def test_correcting_an_assessment_a_grade_moved_to_is_replaced_by_what_is_typed(web, nora, assessed_patient):
    from selenium.webdriver.common.keys import Keys

    latest = Assessment.objects.latest_first().filter(patient=assessed_patient).first()
    web.log_in("nora")
    web.get(reverse("web:assessment_edit", args=[latest.pk]))
    web.wait.until(lambda d: web.find("#grid-keys").is_displayed())
    assert web.active_id() == "id_assessed_on"
    assert web.find("#id_assessed_on").get_attribute("value") == "10/04/2026"
    web.keys(Keys.ENTER, Keys.ENTER, Keys.ENTER)
    assert web.active_id() == "id_shoulder_abduction_left_grade"
    web.keys("4", Keys.ENTER, "4+")  # each stored 5 is selected as the cell is reached
    web.ctrl_enter()

    web.wait.until(lambda d: "corrected" in web.text())
    grades = {(s.muscle_group, s.side): MRCGrade(s.grade).label for s in latest.scores.all()}
    assert (grades[("shoulder_abduction", "left")], grades[("shoulder_abduction", "right")]) == ("4", "4+")
    latest.refresh_from_db()
    assert latest.assessed_on.isoformat() == "2026-04-10"


def test_the_weakness_type_is_out_of_the_tab_order_but_named_for_a_screen_reader(web, nora, assessed_patient):
    from selenium.webdriver.common.keys import Keys

    web.log_in("nora")
    _open_grid(web, assessed_patient)
    web.find("#id_grip_left_grade").click()
    web.keys(Keys.TAB)
    assert web.active_id() == "id_grip_right_grade"  # the grip's left weakness type is passed over
    select = web.find("#id_grip_left_weakness")
    assert select.get_attribute("tabindex") == "-1"
    label = web.find("label[for=id_grip_left_weakness]").get_attribute("textContent")
    assert label == "Grip, left: weakness type"
    grade = web.find("#id_grip_left_grade")
    assert grade.get_attribute("aria-describedby") == "grid-keys"
    assert "W in a grade: its weakness type" in web.find("#grid-keys").text


def test_the_spasticity_section_is_keyboard_first_too(web, phil, assessed_patient):
    from selenium.webdriver.common.keys import Keys

    web.log_in("phil")
    _open_grid(web, assessed_patient)
    web.find("#id_ankle_plantarflexion_right_grade").click()
    web.keys("4", Keys.ENTER)
    assert web.active_id() == "spasticity-toggle"
    web.keys(Keys.ENTER, Keys.TAB)  # Enter opens the section, Tab goes in
    assert web.active_id() == "id_shoulder_abduction_left_mas"
    web.keys("1+", Keys.ENTER, "2", Keys.ENTER)
    assert web.active_id() == "id_elbow_flexion_left_mas"
    web.ctrl_enter()

    web.wait.until(lambda d: "Assessment of" in web.text() and "recorded" in web.text())
    saved = Assessment.objects.latest_first().filter(patient=assessed_patient).first()
    stored = {(s.muscle_group, s.side): s.mas for s in SpasticityScore.objects.filter(assessment=saved)}
    assert stored == {("shoulder_abduction", "left"): 2, ("shoulder_abduction", "right"): 3}


def test_without_javascript_every_field_is_in_the_tab_order_and_enter_sends_nothing(
    web, nora, assessed_patient
):
    from selenium.webdriver.common.keys import Keys

    web.log_in("nora")
    web.driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        web.get(reverse("web:assessment_new", args=[assessed_patient.pk]))
        assert not web.find("#grid-keys").is_displayed()
        assert web.active_id() == "id_assessed_on"  # autofocus needs no script
        web.find("#id_grip_left_grade").send_keys("4", Keys.TAB)
        assert web.active_id() == "id_grip_left_weakness"
        web.keys(Keys.TAB, "4", Keys.ENTER)  # the form's default button is disabled
        assert web.active_id() == "id_grip_right_grade"
        assert Assessment.objects.filter(patient=assessed_patient).count() == 2
        web.find(".form-actions button[type=submit]").click()
        web.wait.until(lambda d: "recorded" in web.find("main").text)
    finally:
        web.driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})
    saved = Assessment.objects.latest_first().filter(patient=assessed_patient).first()
    assert {(s.muscle_group, s.side, MRCGrade(s.grade).label) for s in saved.scores.all()} == {
        ("grip", "left", "4"),
        ("grip", "right", "4"),
    }


def test_a_touch_screen_picks_grades_from_buttons_without_its_keyboard(web, nora, assessed_patient):
    web.log_in("nora")
    web.driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 5})
    web.driver.set_window_size(820, 1180)  # a tablet held upright
    try:
        _open_grid(web, assessed_patient)
        assert web.driver.execute_script("return matchMedia('(pointer: coarse)').matches")
        grade = web.find("#id_hip_flexion_left_grade")
        assert grade.get_attribute("inputmode") == "none"  # the on-screen keyboard stays down
        picker = web.find(".grade-picker")
        assert not picker.is_displayed()
        grade.click()
        assert picker.is_displayed()
        assert web.find(".grade-picker__title").text == "Hip flexion, left: grade"
        choices = [button.text for button in web.find_all(".grade-picker__choice")]
        assert choices == [*MRCGrade.labels, "Clear"]
        assert web.find(".grade-picker__choice[value='4-']").get_attribute("aria-label") == "4 minus"
        web.find(".grade-picker__choice[value='4-']").click()
        assert grade.get_attribute("value") == "4-"
        assert web.active_id() == "id_hip_flexion_right_grade"  # on to the next grade
        web.screenshot("mmt-grid-touch-picker")

        # The spasticity boxes get the Modified Ashworth scale. The page has room below it to
        # scroll the section's toggle above the picker.
        toggle = web.find("#spasticity-toggle")
        web.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", toggle)
        toggle.click()
        web.find("#id_hip_flexion_left_mas").click()
        choices = [button.text for button in web.find_all(".grade-picker__choice")]
        assert choices == ["0", "1", "1+", "2", "3", "4", "Clear"]
        web.find(".grade-picker__choice[value='1+']").click()
        assert web.find("#id_hip_flexion_left_mas").get_attribute("value") == "1+"
        notes = web.find("#id_notes")
        web.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", notes)
        notes.click()
        assert not picker.is_displayed()  # only a score box has it
    finally:
        web.driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": False})
        web.driver.set_window_size(1366, 1000)
