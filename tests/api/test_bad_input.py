"""Bad input of any shape is a 400 with messages by field — never a 500, never a partial write."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment
from patients.models import Patient
from patients.services import latest_follow_up_date
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
TOMORROW = (TODAY + datetime.timedelta(days=1)).isoformat()
ALLOWED_GRADES = "0, 1, 2-, 2, 2+, 3-, 3, 3+, 4-, 4, 4+, 5"
FIVE_YEARS_AND_A_DAY = (latest_follow_up_date(TODAY) + datetime.timedelta(days=1)).isoformat()


def new_patient(**changes):
    return {
        "clinic": "north",
        "mrn": "B1",
        "given_name": "Bea",
        "family_name": "Hart",
        "date_of_birth": "1975-04-01",
        **changes,
    }


def new_assessment(patient, **changes):
    return {
        "patient": patient.pk,
        "assessed_on": TODAY.isoformat(),
        "scores": [{"muscle_group": "grip", "side": "left", "grade": "4"}],
        **changes,
    }


def post(client, name, body, **kwargs):
    return client.post(reverse(f"api:{name}-list"), body, format="json", **kwargs)


def assert_bad(response, field):
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    return response.json()[field]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"date_of_birth": 19750401}, "date_of_birth"),
        ({"date_of_birth": "yesterday"}, "date_of_birth"),
        ({"reassessment_interval_weeks": "many"}, "reassessment_interval_weeks"),
        ({"reassessment_interval_weeks": 0}, "reassessment_interval_weeks"),
        ({"reassessment_interval_weeks": 105}, "reassessment_interval_weeks"),
        ({"given_name": ["Bea"]}, "given_name"),
        ({"given_name": None}, "given_name"),
        ({"sex": "robot"}, "sex"),
        ({"ms_type": "XMS"}, "ms_type"),
        ({"status": "gone"}, "status"),
        ({"clinic": "nowhere"}, "clinic"),
        ({"clinic": "south"}, "clinic"),
        ({"date_of_birth": TOMORROW}, "date_of_birth"),
        ({"diagnosis_date": TOMORROW}, "diagnosis_date"),
        ({"diagnosis_date": "1970-01-01"}, "diagnosis_date"),
        ({"given_name": "x" * 101}, "given_name"),
        ({"mrn": "x" * 1_000_000}, "mrn"),
        ({"given_name": "Bea\x00"}, "given_name"),
        ({"date_of_birth": "1899-12-31"}, "date_of_birth"),
        ({"date_of_birth": "1899-01-01", "diagnosis_date": "1899-12-31"}, "diagnosis_date"),
    ],
)
def test_bad_patient_fields_are_named(changes, field, nora_api, south):
    assert_bad(post(nora_api, "patient", new_patient(**changes)), field)
    assert not Patient.objects.exists()


def test_missing_fields_are_each_named(nora_api):
    errors = post(nora_api, "patient", {}).json()
    assert set(errors) == {"clinic", "mrn", "given_name", "family_name", "date_of_birth"}


def test_an_mrn_already_registered_at_the_clinic_is_refused(north, nora_api):
    factories.PatientFactory(clinic=north, mrn="B1")
    assert "already registered" in assert_bad(post(nora_api, "patient", new_patient()), "mrn")[0]


@pytest.mark.parametrize(
    "body",
    [b"{", b'{"mrn": "B1",}', b"not json", b'{"given_name": "\\ud800"}', b"\xff\xfe"],
    ids=["truncated", "trailing comma", "not json", "lone surrogate", "not utf-8"],
)
def test_a_body_that_is_not_json_is_a_400(body, nora_api):
    response = nora_api.generic("POST", reverse("api:patient-list"), body, content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()


@pytest.mark.parametrize("body", [[], "text", 42, None])
def test_a_body_that_is_not_an_object_is_a_400(body, nora_api):
    response = post(nora_api, "patient", body)
    assert response.status_code == 400


def test_an_invalid_grade_is_named_and_the_allowed_grades_listed(north_patient, nora_api):
    body = new_assessment(north_patient, scores=[{"muscle_group": "grip", "side": "left", "grade": "6+"}])
    errors = assert_bad(post(nora_api, "assessment", body), "scores")
    message = str(errors)
    assert "grade" in message
    assert '"6+" is not an MRC grade' in message
    assert ALLOWED_GRADES in message


@pytest.mark.parametrize("grade", [4, 4.0, 0, True, ["4"], {"grade": "4"}])
def test_a_grade_that_is_not_a_string_is_named_and_the_allowed_grades_listed(grade, north_patient, nora_api):
    body = new_assessment(north_patient, scores=[{"muscle_group": "grip", "side": "left", "grade": grade}])
    errors = assert_bad(post(nora_api, "assessment", body), "scores")
    assert errors == {"0": {"grade": [f"An MRC grade is a string; allowed grades: {ALLOWED_GRADES}."]}}
    assert not Assessment.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"assessed_on": TOMORROW}, "assessed_on"),
        ({"assessed_on": "1975-05-16"}, "assessed_on"),
        ({"edss": 4.3}, "edss"),
        ({"edss": 10.5}, "edss"),
        ({"edss": -1}, "edss"),
        ({"edss": "NaN"}, "edss"),
        ({"timed_25ft_walk_seconds": 0}, "timed_25ft_walk_seconds"),
        ({"timed_25ft_walk_seconds": 1e300}, "timed_25ft_walk_seconds"),
        ({"timed_25ft_walk_seconds": 0.99}, "timed_25ft_walk_seconds"),
        ({"timed_25ft_walk_seconds": 180.01}, "timed_25ft_walk_seconds"),
        ({"timed_25ft_walk_seconds": "8,4"}, "timed_25ft_walk_seconds"),
        ({"edss": "4+"}, "edss"),
        ({"edss": 4.25}, "edss"),
        ({"assessed_on": "1899-12-31"}, "assessed_on"),
        ({"notes": "x" * 10_001}, "notes"),
        ({"scores": []}, "scores"),
        ({"scores": "4,4,4"}, "scores"),
        ({"scores": [{"muscle_group": "neck", "side": "left", "grade": "4"}]}, "scores"),
        ({"scores": [{"muscle_group": "grip", "side": "middle", "grade": "4"}]}, "scores"),
        (
            {"scores": [{"muscle_group": "grip", "side": "left", "grade": "4", "weakness_type": "odd"}]},
            "scores",
        ),
        ({"scores": [{"muscle_group": "grip", "side": "left"}]}, "scores"),
        ({"patient": 10**30}, "patient"),
        ({"patient": "me"}, "patient"),
    ],
)
def test_bad_assessment_fields_are_named_and_nothing_is_written(changes, field, north_patient, nora_api):
    assert_bad(post(nora_api, "assessment", new_assessment(north_patient) | changes), field)
    assert not Assessment.objects.exists()


def test_two_scores_for_one_muscle_side_are_refused(north_patient, nora_api):
    scores = [{"muscle_group": "grip", "side": "left", "grade": g} for g in ("4", "3")]
    errors = assert_bad(post(nora_api, "assessment", new_assessment(north_patient, scores=scores)), "scores")
    assert "grip left is scored more than once" in errors[0]
    assert not Assessment.objects.exists()


def test_a_fall_in_the_future_is_refused(north_patient, nora_api):
    later = (timezone.now() + datetime.timedelta(hours=1)).isoformat()
    body = {"patient": north_patient.pk, "occurred_at": later}
    assert assert_bad(post(nora_api, "fall", body), "occurred_at") == ["Must not be in the future."]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"injury": "broken"}, "injury"),
        ({"location": "moon"}, "location"),
        ({"device_in_use": "jetpack"}, "device_in_use"),
        ({"contributing_factors": ["gravity"]}, "contributing_factors"),
        ({"contributing_factors": "heat"}, "contributing_factors"),
        ({"near_fall": "perhaps"}, "near_fall"),
        ({"occurred_at": "10000-01-01T00:00:00Z"}, "occurred_at"),
        ({"activity": "x" * 201}, "activity"),
    ],
)
def test_bad_fall_fields_are_named(changes, field, north_patient, nora_api):
    body = {"patient": north_patient.pk, "occurred_at": timezone.now().isoformat(), **changes}
    assert_bad(post(nora_api, "fall", body), field)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"device_type": "hoverboard"}, "device_type"),
        ({"side": "both"}, "side"),
        ({"prescribed_on": TOMORROW}, "prescribed_on"),
        ({"review_due_on": (TODAY - datetime.timedelta(days=1)).isoformat()}, "review_due_on"),
        ({"status": "discontinued"}, "discontinued_on"),
        ({"discontinued_on": TODAY.isoformat()}, "discontinued_on"),
        ({"side": "na"}, "side"),
        ({"prescribed_on": "1899-12-31"}, "prescribed_on"),
        ({"review_due_on": FIVE_YEARS_AND_A_DAY}, "review_due_on"),
    ],
)
def test_bad_device_fields_are_named(changes, field, north_patient, phil_api):
    body = {
        "patient": north_patient.pk,
        "device_type": "afo",
        "side": "left",
        "prescribed_on": TODAY.isoformat(),
        "review_due_on": (TODAY + datetime.timedelta(days=90)).isoformat(),
        **changes,
    }
    assert_bad(post(phil_api, "device", body), field)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"to_service": "astrology"}, "to_service"),
        ({"urgency": "whenever"}, "urgency"),
        ({"referred_on": TOMORROW}, "referred_on"),
        ({"due_by": (TODAY - datetime.timedelta(days=1)).isoformat()}, "due_by"),
        ({"reason": ""}, "reason"),
        ({"referred_on": "1899-12-31"}, "referred_on"),
        ({"referred_on": TODAY.isoformat(), "due_by": FIVE_YEARS_AND_A_DAY}, "due_by"),
    ],
)
def test_bad_referral_fields_are_named(changes, field, north_patient, nora_api):
    body = {"patient": north_patient.pk, "to_service": "gp", "reason": "Bladder urgency", **changes}
    assert_bad(post(nora_api, "referral", body), field)


@pytest.mark.parametrize(
    ("name", "params", "field"),
    [
        ("patient", {"status": "gone"}, "status"),
        ("patient", {"ms_type": "XMS"}, "ms_type"),
        ("patient", {"search": "x" * 101}, "search"),
        ("assessment", {"assessed_on_after": "last week"}, "assessed_on"),
        ("assessment", {"patient": "me"}, "patient"),
        ("fall", {"occurred_before": "2024-13-01"}, "occurred"),
        ("device", {"prescribed_on_after": "x"}, "prescribed_on"),
        ("referral", {"status": "lost"}, "status"),
        ("referral", {"to_service": "astrology"}, "to_service"),
        ("referral", {"referred_on_before": "2024-02-30"}, "referred_on"),
        ("reminder", {"kind": "birthday"}, "kind"),
        ("reminder", {"status": "snoozed"}, "status"),
        ("medication", {"drug": "aspirin"}, "drug"),
        ("medication", {"event": "double\x00"}, "event"),
        ("medication", {"occurred_on_after": "1 Jan 2026"}, "occurred_on"),
        ("medication", {"occurred_on_before": "99999-01-01"}, "occurred_on"),
        ("medication", {"patient": "9" * 30}, "patient"),
        ("exercise_plan", {"status": "paused"}, "status"),
        ("exercise_plan", {"kind": "yoga"}, "kind"),
        ("exercise_plan", {"started_on_after": "2026-02-30"}, "started_on"),
        ("exercise_plan", {"patient": "-1"}, "patient"),
        ("exercise_plan", {"patient": ""}, "patient"),
        ("fall", {"occurred_before": ""}, "occurred_before"),
        ("patient", {"search": ""}, "search"),
    ],
)
def test_invalid_filter_values_are_a_400(name, params, field, nora_api):
    response = nora_api.get(reverse(f"api:{name}-list"), params)
    assert_bad(response, field)


LISTS = ["patient", "assessment", "fall", "device", "referral", "reminder", "medication", "exercise_plan"]


@pytest.mark.parametrize(
    ("name", "param"),
    [
        *((name, "ordering") for name in LISTS),
        # Filters a reader might expect but the list does not have: never the whole list as if applied.
        ("medication", "drug_name"),
        ("exercise_plan", "muscle_group"),
        ("exercise_plan", "side"),
        ("exercise_plan", "review_on_before"),
        ("medication", "occurred_on"),
        ("assessment", "clinic"),
        ("medication", "include_error"),
    ],
)
def test_an_unknown_query_parameter_is_a_400_naming_it_and_the_accepted_ones(
    name, param, north_patient, nora, phil, nora_api
):
    factories.MedicationFactory(patient=north_patient, recorded_by=nora, drug="baclofen")
    factories.PlanFactory(patient=north_patient, prescribed_by=phil, muscle_group="knee_extension")
    response = nora_api.get(reverse(f"api:{name}-list"), {param: "grip", "page_size": 10})
    assert response.status_code == 400
    [message] = response.json()[param]
    assert message.startswith("Unknown query parameter; accepted: ")
    accepted = message.removeprefix("Unknown query parameter; accepted: ").removesuffix(".").split(", ")
    assert {"page", "page_size"} <= set(accepted) and param not in accepted
    assert ("include_errors" in accepted) is (name != "reminder")


def test_the_accepted_query_parameters_are_each_read(nora_api):
    response = nora_api.get(
        reverse("api:exercise_plan-list"),
        {
            "format": "json",
            "page": 1,
            "page_size": 5,
            "patient": 1,
            "status": "active",
            "kind": "maintenance",
            "started_on_after": "2026-01-01",
            "started_on_before": "2026-12-31",
            "plan_review_due": "false",
            "include_errors": "false",
        },
    )
    assert response.status_code == 200, response.json()


@pytest.mark.parametrize(
    ("name", "body", "field"),
    [
        # The default follow-up (42 or 90 days on) or the five-year bound of a date this late
        # lies past the calendar's end: a crash (500) before the date was refused as future.
        ("exercise_plan", {"started_on": "9999-12-31"}, "started_on"),
        ("exercise_plan", {"started_on": "9999-12-31", "review_on": "9999-12-31"}, "started_on"),
        ("exercise_plan", {"started_on": "9996-02-29", "review_on": "9999-12-31"}, "started_on"),
        ("device", {"prescribed_on": "9999-12-31"}, "prescribed_on"),
        ("device", {"prescribed_on": "9999-11-30", "review_due_on": "9999-12-31"}, "prescribed_on"),
        ("referral", {"referred_on": "9999-12-31", "due_by": "9999-12-31"}, "referred_on"),
    ],
)
def test_a_start_date_at_the_end_of_the_calendar_is_refused_as_future_not_a_500(
    name, body, field, north_patient, phil_api
):
    base = {
        "exercise_plan": {"muscle_group": "grip", "side": "left", "kind": "balance"},
        "device": {"device_type": "cane"},
        "referral": {"to_service": "gp", "reason": "Leg weakness"},
    }[name]
    response = phil_api.post(
        reverse(f"api:{name}-list"), {"patient": north_patient.pk, **base, **body}, format="json"
    )
    assert response.status_code == 400
    assert response.json()[field] == ["Must not be in the future."]


def test_the_latest_follow_up_of_a_start_in_the_calendars_last_years_is_its_last_day():
    assert latest_follow_up_date(datetime.date(9995, 3, 1)) == datetime.date.max
    assert latest_follow_up_date(datetime.date(9994, 12, 31)) == datetime.date(9999, 12, 31)
