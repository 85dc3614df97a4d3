"""Attacks on optimistic concurrency (``patients.concurrency`` behind the API's ETag and If-Match):
malformed and borrowed ETags never let an edit through, a change made on the pages or by another
route makes the API's ETag stale, and a refused edit writes nothing."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tests.support.clients import web_client_of

pytestmark = pytest.mark.django_db

KINDS = ["patient", "assessment", "fall", "device", "referral", "medication", "exercise_plan"]
# A valid change of each kind of record, as a PATCH body.
CHANGES = {
    "patient": {"given_name": "Irene"},
    "assessment": {"notes": "Re-checked"},
    "fall": {"notes": "Tripped on a rug"},
    "device": {"reason": "Foot drop"},
    "referral": {"reason": "AFO review"},
    "medication": {"dose": "15 mg three times a day"},
    "exercise_plan": {"prescription": "Sit-to-stand, 2 sets of 8, daily"},
}


def _make(kind, patient, *, nora, phil):
    if kind == "patient":
        return patient
    return {
        "assessment": lambda: factories.assessment_with_grades(
            patient, timezone.localdate(), {("grip", "left"): "4"}, assessor=nora
        ),
        "fall": lambda: factories.FallFactory(patient=patient, recorded_by=nora),
        "device": lambda: factories.DeviceFactory(patient=patient, prescribed_by=phil),
        "referral": lambda: factories.ReferralFactory(patient=patient, created_by=nora),
        "medication": lambda: factories.MedicationFactory(patient=patient, recorded_by=nora),
        "exercise_plan": lambda: factories.PlanFactory(patient=patient, prescribed_by=phil),
    }[kind]()


@pytest.fixture
def record_of(north, north_patient, nora, phil):
    """``record_of(kind)``: a record of that kind in clinic north (another one at each call)."""

    def make(kind):
        patient = north_patient if kind != "patient" else factories.PatientFactory(clinic=north)
        return _make(kind, patient, nora=nora, phil=phil)

    return make


def _detail(kind, record):
    return reverse(f"api:{kind}-detail", kwargs={"pk": record.pk})


def _edit_page(page, patient):
    """The patient's edit page URL and its form's data as drawn (the version included)."""
    url = reverse("web:patient_edit", args=[patient.pk])
    initial = page.get(url).context["form"].initial
    return url, {name: value for name, value in initial.items() if value is not None}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "if_match",
    [
        "garbage",  # not an entity-tag at all
        "",  # an empty list names nothing
        '"*"',  # a tag whose value is a star, not the wildcard
        '*, "stale.0"',  # the wildcard inside a list is not the wildcard
        "W/{etag}",  # weak: never matches under If-Match
        "W/{etag}, W/{etag}",
        "{etag_unquoted}",  # the right value without its quotes
        '"{etag_upper}"',  # strong comparison is exact
        ",",
    ],
)
def test_a_malformed_if_match_is_a_412_and_changes_nothing(kind, if_match, record_of, ada_api):
    record = record_of(kind)
    url = _detail(kind, record)
    before = ada_api.get(url)
    etag = before["ETag"]
    header = if_match.format(
        etag=etag,
        etag_unquoted=etag.strip('"'),
        etag_upper=etag.strip('"').upper(),
    )
    response = ada_api.patch(url, CHANGES[kind], format="json", HTTP_IF_MATCH=header)
    assert response.status_code == 412, header
    after = ada_api.get(url)
    assert (after.json(), after["ETag"]) == (before.json(), etag)


@pytest.mark.parametrize("kind", KINDS)
def test_the_etag_of_another_record_of_the_same_kind_never_matches(kind, record_of, ada_api):
    mine, other = record_of(kind), record_of(kind)
    other_etag = ada_api.get(_detail(kind, other))["ETag"]
    response = ada_api.patch(_detail(kind, mine), CHANGES[kind], format="json", HTTP_IF_MATCH=other_etag)
    assert response.status_code == 412


def test_the_trends_etag_is_not_the_patients(north_patient, nora_api):
    trends = nora_api.get(reverse("api:patient-trends", kwargs={"pk": north_patient.pk}))
    assert trends.status_code == 200 and trends["ETag"]
    url = _detail("patient", north_patient)
    response = nora_api.patch(url, CHANGES["patient"], format="json", HTTP_IF_MATCH=trends["ETag"])
    assert response.status_code == 412


@pytest.mark.parametrize("kind", ["assessment", "fall", "device", "referral", "medication", "exercise_plan"])
def test_the_etag_a_create_answers_is_the_one_to_edit_with(kind, north_patient, ada_api):
    today = timezone.localdate()
    bodies = {
        "assessment": {
            "patient": north_patient.pk,
            "assessed_on": today.isoformat(),
            "timed_25ft_walk_seconds": 8.4,
            "edss": 3.5,
            "scores": [{"muscle_group": "grip", "side": "left", "grade": "4-"}],
        },
        "fall": {
            "patient": north_patient.pk,
            "occurred_at": timezone.now().isoformat(),
            "contributing_factors": ["heat", "fatigue"],
        },
        "device": {
            "patient": north_patient.pk,
            "device_type": "afo",
            "side": "left",
            "prescribed_on": today.isoformat(),
            "review_due_on": (today + datetime.timedelta(days=90)).isoformat(),
        },
        "referral": {"patient": north_patient.pk, "to_service": "orthotics", "reason": "AFO fitting"},
        "medication": {
            "patient": north_patient.pk,
            "drug": "other",
            "drug_name": "Lioresal",
            "event": "start",
            "occurred_on": today.isoformat(),
        },
        "exercise_plan": {
            "patient": north_patient.pk,
            "muscle_group": "ankle_dorsiflexion",
            "side": "both",
            "kind": "stretching",
            "started_on": today.isoformat(),
        },
    }
    created = ada_api.post(reverse(f"api:{kind}-list"), bodies[kind], format="json")
    assert created.status_code == 201
    url = reverse(f"api:{kind}-detail", kwargs={"pk": created.json()["id"]})
    assert ada_api.get(url)["ETag"] == created["ETag"]
    response = ada_api.patch(url, CHANGES[kind], format="json", HTTP_IF_MATCH=created["ETag"])
    assert response.status_code == 200


def test_a_change_of_an_assessments_scores_alone_makes_its_etag_stale(north_patient, nora, nora_api):
    assessment = factories.assessment_with_grades(
        north_patient, timezone.localdate(), {("grip", "left"): "4"}, assessor=nora
    )
    url = _detail("assessment", assessment)
    drawn = nora_api.get(url)["ETag"]
    scores = [{"muscle_group": "grip", "side": "left", "grade": "3"}]
    changed = nora_api.patch(url, {"scores": scores}, format="json", HTTP_IF_MATCH=drawn)
    assert changed.status_code == 200
    assert changed.json()["notes"] == "" and changed["ETag"] != drawn
    stale = nora_api.patch(url, {"notes": "Grip 4 on the left"}, format="json", HTTP_IF_MATCH=drawn)
    assert stale.status_code == 412
    assert nora_api.get(url).json()["scores"][0]["grade"] == "3"


# A change through another route or on the pages --------------------------------------------


def test_a_referral_moved_on_the_page_makes_the_apis_etag_stale(north_patient, nora, nora_api):
    referral = factories.ReferralFactory(patient=north_patient, created_by=nora)
    url = _detail("referral", referral)
    drawn = nora_api.get(url)["ETag"]
    moved = web_client_of(nora).post(reverse("web:referral_move", args=[referral.pk]), {"status": "sent"})
    assert moved.status_code == 302
    response = nora_api.patch(url, {"reason": "Sooner"}, format="json", HTTP_IF_MATCH=drawn)
    assert response.status_code == 412
    referral.refresh_from_db()
    assert (referral.status, referral.reason) == ("sent", "Leg weakness")


def test_a_referral_moved_through_the_api_makes_its_etag_stale(north_patient, nora, nora_api):
    referral = factories.ReferralFactory(patient=north_patient, created_by=nora)
    url = _detail("referral", referral)
    drawn = nora_api.get(url)["ETag"]
    transition = reverse("api:referral-transition", kwargs={"pk": referral.pk})
    assert nora_api.post(transition, {"status": "sent"}, format="json").status_code == 200
    assert nora_api.patch(url, {"reason": "Sooner"}, format="json", HTTP_IF_MATCH=drawn).status_code == 412


def test_a_patient_edited_on_the_page_makes_the_apis_etag_stale(north_patient, nora, nora_api):
    url = _detail("patient", north_patient)
    drawn = nora_api.get(url)["ETag"]
    page = web_client_of(nora)
    edit, drawn_on_the_page = _edit_page(page, north_patient)
    assert page.post(edit, drawn_on_the_page | {"mrn": "N-77"}).status_code == 302
    response = nora_api.patch(url, {"given_name": "Irene"}, format="json", HTTP_IF_MATCH=drawn)
    assert response.status_code == 412
    stored = type(north_patient).objects.get(pk=north_patient.pk)
    assert (stored.mrn, stored.given_name) == ("N-77", north_patient.given_name)


def test_the_edit_page_drawn_before_an_api_edit_shows_the_conflict(north_patient, nora, ada_api):
    page = web_client_of(nora)
    edit, drawn = _edit_page(page, north_patient)
    url = _detail("patient", north_patient)
    etag = ada_api.get(url)["ETag"]
    assert ada_api.patch(url, {"family_name": "Munro"}, format="json", HTTP_IF_MATCH=etag).status_code == 200
    response = page.post(edit, drawn | {"given_name": "Irene"})
    assert response.status_code == 200
    assert "Someone else changed this patient&#x27;s details" in response.content.decode()
    stored = type(north_patient).objects.get(pk=north_patient.pk)
    assert (stored.given_name, stored.family_name) == (north_patient.given_name, "Munro")


@pytest.mark.parametrize("version", ["garbage", "0" * 16, "2026-01-01T00:00:00+00:00"])
def test_a_forged_version_on_the_edit_page_is_a_conflict_never_a_silent_overwrite(
    version, north_patient, nora
):
    page = web_client_of(nora)
    edit, drawn = _edit_page(page, north_patient)
    response = page.post(edit, drawn | {"version": version, "given_name": "Irene"})
    assert response.status_code == 200
    assert "Someone else changed this patient&#x27;s details" in response.content.decode()
    north_patient.refresh_from_db()
    assert north_patient.given_name != "Irene"
    assert north_patient.history.count() == 1


def test_the_version_of_another_patient_is_a_conflict_on_the_edit_page(north, north_patient, nora):
    other = factories.PatientFactory(clinic=north)
    page = web_client_of(nora)
    _, other_drawn = _edit_page(page, other)
    edit, drawn = _edit_page(page, north_patient)
    response = page.post(edit, drawn | {"version": other_drawn["version"], "given_name": "Irene"})
    assert response.status_code == 200 and "Someone else changed" in response.content.decode()


@pytest.mark.parametrize("kind", ["fall", "referral", "medication", "exercise_plan"])
def test_marking_a_record_entered_in_error_on_the_page_makes_its_etag_useless(kind, record_of, ada, ada_api):
    record = record_of(kind)
    url = _detail(kind, record)
    drawn = ada_api.get(url)["ETag"]
    marked = web_client_of(ada).post(
        reverse("web:entered_in_error", args=[kind, record.pk]), {"reason": "Wrong patient"}
    )
    assert marked.status_code == 302
    # The marking changed the record: the ETag drawn before is stale; with "*" the edit is refused.
    assert ada_api.patch(url, CHANGES[kind], format="json", HTTP_IF_MATCH=drawn).status_code == 412
    assert ada_api.patch(url, CHANGES[kind], format="json", HTTP_IF_MATCH="*").status_code == 409
    ((field, wanted),) = CHANGES[kind].items()
    shown = ada_api.get(url).json()
    assert shown["entered_in_error"] is True and shown[field] != wanted


# Who may not edit learns nothing of the version ---------------------------------------------


@pytest.mark.parametrize(
    ("kind", "refused"), [("patient", "phil_api"), ("device", "nora_api"), ("exercise_plan", "nora_api")]
)
def test_a_role_the_policy_refuses_gets_403_whatever_the_if_match(request, kind, refused, record_of, ada_api):
    record = record_of(kind)
    url = _detail(kind, record)
    current = ada_api.get(url)["ETag"]
    client = request.getfixturevalue(refused)
    for if_match in (current, '"stale.0"', "W/" + current, "*"):
        response = client.patch(url, CHANGES[kind], format="json", HTTP_IF_MATCH=if_match)
        assert response.status_code == 403, if_match


@pytest.mark.parametrize("kind", KINDS)
def test_an_outsider_with_a_current_etag_still_gets_404(kind, record_of, ada_api, sam_api):
    record = record_of(kind)
    url = _detail(kind, record)
    current = ada_api.get(url)["ETag"]
    response = sam_api.patch(url, CHANGES[kind], format="json", HTTP_IF_MATCH=current)
    assert response.status_code == 404
    assert ada_api.get(url)["ETag"] == current


def test_a_reminder_or_a_clinic_answers_an_etag_and_refuses_a_patch(north, north_patient, nora, nora_api):
    reminder = factories.ReminderFactory(patient=north_patient, due_on=datetime.date(2026, 1, 1))
    reminder.recipients.add(nora)
    for url in (
        reverse("api:reminder-detail", kwargs={"pk": reminder.pk}),
        reverse("api:clinic-detail", kwargs={"code": "north"}),
    ):
        response = nora_api.get(url)
        assert response.status_code == 200 and response["ETag"].startswith('"')
        assert nora_api.patch(url, {}, format="json", HTTP_IF_MATCH=response["ETag"]).status_code == 405
