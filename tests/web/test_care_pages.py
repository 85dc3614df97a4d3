"""The medication and exercise-plan pages, the dashboard's panels for them, and the findings that
say what to do (with a referral to orthotics filled in from the link)."""

import datetime
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils.html import escape

from audit.models import AccessRecord
from care.models import ExercisePlan, MedicationEvent, Referral
from care.services import medication_update, plan_update
from patients.services import record_mark_entered_in_error
from tests import factories
from tests.support.clients import web_client_of

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 1)


@pytest.fixture(autouse=True)
def today(clock):
    clock.move_to(datetime.datetime.combine(TODAY, datetime.time(12), tzinfo=datetime.UTC))


@pytest.fixture
def patient(assessed_patient):
    """Left ankle dorsiflexion 4 (10 Jan 2026) → 3- (10 Apr 2026), primary weakness: a decline
    and a foot drop, with no AFO."""
    return assessed_patient


@pytest.fixture
def plan(patient, phil):
    return factories.PlanFactory(
        patient=patient,
        prescribed_by=phil,
        muscle_group="knee_extension",
        side="both",
        started_on=datetime.date(2026, 5, 1),
        review_on=datetime.date(2026, 6, 12),
    )


def _url(name, *args):
    return reverse(f"web:{name}", args=args)


def _dashboard(patient):
    return _url("patient_dashboard", patient.pk)


# Medication events ------------------------------------------------------------------------------


def test_the_medication_form_starts_today_and_logs_the_read(nora_web, patient):
    response = nora_web.get(_url("medication_new", patient.pk))
    assert response.status_code == 200
    assert response.context["form"]["occurred_on"].value() == TODAY
    html = response.content.decode()
    for field, label in [("drug", "Drug"), ("drug_name", "Name of the medicine"), ("occurred_on", "On")]:
        assert f'<label for="id_{field}">{label}:</label>' in html
    assert '<option value="baclofen_intrathecal">Baclofen (intrathecal)</option>' in html
    record = AccessRecord.objects.with_patient_ids().latest("id")
    assert (record.action, record.patient_ids) == ("patient_read", [patient.pk])


@pytest.mark.parametrize("user", ["nora", "phil", "ada"])
def test_every_role_records_a_medication_event_and_the_panel_shows_it(request, patient, user):
    client = web_client_of(request.getfixturevalue(user))
    data = {
        "drug": "baclofen",
        "event": "start",
        "occurred_on": "2026-03-01",
        "dose": "10 mg three times a day",
    }
    response = client.post(_url("medication_new", patient.pk), data)
    assert response.status_code == 302 and response["Location"] == _dashboard(patient)
    event = MedicationEvent.objects.get()
    assert (event.drug, event.event, event.recorded_by.username) == ("baclofen", "start", user)
    html = client.get(_dashboard(patient)).content.decode()
    assert "Baclofen start of 01 Mar 2026 recorded." in html
    assert "<strong>Baclofen</strong>, 10 mg three times a day — since 1 Mar 2026" in html


def test_another_drug_is_named_and_stops_leave_the_current_list(nora_web, patient):
    for drug, name, event, day in [
        ("other", "Oxybutynin", "start", "2026-02-01"),
        ("tizanidine", "", "start", "2026-02-01"),
        ("tizanidine", "", "stop", "2026-05-01"),
    ]:
        data = {"drug": drug, "drug_name": name, "event": event, "occurred_on": day}
        assert nora_web.post(_url("medication_new", patient.pk), data).status_code == 302
    response = nora_web.get(_dashboard(patient))
    assert response.context["medications"]["current"] == [
        {"name": "Oxybutynin", "dose": "", "since": datetime.date(2026, 2, 1)}
    ]
    events = [(row.record.name, row.record.event) for row in response.context["medications"]["events"]]
    assert events == [("Tizanidine", "stop"), ("Tizanidine", "start"), ("Oxybutynin", "start")]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"drug": "other"}, "drug_name", "Required when the drug is other: name the medicine."),
        (
            {"drug_name": "Baclofen forte"},
            "drug_name",
            "Only a drug of other has a name of its own; leave it empty for a catalogue drug.",
        ),
        ({"occurred_on": "2026-06-02"}, "occurred_on", "Must not be in the future."),
        ({"occurred_on": "1899-12-31"}, "occurred_on", "Must not be before 1 Jan 1900."),
        ({"occurred_on": "1.3.2026"}, "occurred_on", "Enter a valid date."),
        ({"drug": ""}, "drug", "This field is required."),
        ({"drug": "aspirin"}, "drug", "Select a valid choice. aspirin is not one of the available choices."),
        ({"event": "double"}, "event", "Select a valid choice. double is not one of the available choices."),
    ],
)
def test_a_bad_medication_event_is_refused_in_words_and_the_form_kept(
    nora_web, patient, data, field, message
):
    data = {"drug": "baclofen", "event": "increase", "occurred_on": "2026-03-01", "dose": "20 mg tds"} | data
    response = nora_web.post(_url("medication_new", patient.pk), data)
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    html = response.content.decode()
    assert escape(message) in html and 'value="20 mg tds"' in html
    assert not MedicationEvent.objects.exists()


@pytest.fixture
def medication(patient, nora):
    return factories.MedicationFactory(
        patient=patient,
        recorded_by=nora,
        drug="baclofen",
        event="increase",
        occurred_on=datetime.date(2026, 3, 1),
        dose="10 mg tds",
    )


def _medication_data(**changes):
    return {
        "drug": "baclofen",
        "event": "increase",
        "occurred_on": "2026-03-01",
        "dose": "10 mg tds",
    } | changes


def test_the_medication_change_page_shows_the_event_as_stored_and_logs_the_read(nora_web, medication):
    response = nora_web.get(_url("medication_edit", medication.pk))
    assert response.status_code == 200
    form = response.context["form"]
    assert (form["drug"].value(), form["event"].value(), form["dose"].value()) == (
        "baclofen",
        "increase",
        "10 mg tds",
    )
    assert form["version"].value()
    record = AccessRecord.objects.with_patient_ids().latest("id")
    assert (record.action, record.patient_ids) == ("patient_read", [medication.patient_id])
    # The dashboard's events table offers the change.
    assert (
        _url("medication_edit", medication.pk)
        in nora_web.get(_dashboard(medication.patient)).content.decode()
    )


def test_a_nurse_corrects_a_dose_and_the_history_keeps_both(nora_web, medication):
    version = nora_web.get(_url("medication_edit", medication.pk)).context["form"]["version"].value()
    data = _medication_data(dose="20 mg tds", version=version)
    response = nora_web.post(_url("medication_edit", medication.pk), data)
    assert (
        response.status_code == 302
        and response["Location"] == _dashboard(medication.patient) + "#medications"
    )
    medication.refresh_from_db()
    assert medication.dose == "20 mg tds"
    assert [h.dose for h in medication.history.order_by("history_id")] == ["10 mg tds", "20 mg tds"]


def test_a_change_over_someone_elses_is_held_back_with_the_typed_values_kept(nora_web, phil, medication):
    version = nora_web.get(_url("medication_edit", medication.pk)).context["form"]["version"].value()
    medication_update(medication=medication, by=phil, notes="Checked with the GP")
    response = nora_web.post(
        _url("medication_edit", medication.pk), _medication_data(dose="20 mg tds", version=version)
    )
    assert response.status_code == 200
    assert "Someone else changed this record while you were editing." in response.content.decode()
    assert 'value="20 mg tds"' in response.content.decode()
    medication.refresh_from_db()
    assert (medication.dose, medication.notes) == ("10 mg tds", "Checked with the GP")
    # The page now carries the stored version: saving again replaces the other change.
    retry = response.context["form"].data
    assert nora_web.post(_url("medication_edit", medication.pk), retry).status_code == 302
    medication.refresh_from_db()
    assert medication.dose == "20 mg tds"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"drug": "other"}, "drug_name", "Required when the drug is other: name the medicine."),
        ({"occurred_on": "2026-06-02"}, "occurred_on", "Must not be in the future."),
        ({"event": "double"}, "event", "Select a valid choice. double is not one of the available choices."),
    ],
)
def test_a_bad_change_of_a_medication_event_is_refused_in_words(nora_web, medication, data, field, message):
    response = nora_web.post(_url("medication_edit", medication.pk), _medication_data(**data))
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    medication.refresh_from_db()
    assert (medication.drug, medication.occurred_on, medication.history.count()) == (
        "baclofen",
        datetime.date(2026, 3, 1),
        1,
    )


@pytest.mark.parametrize(("user", "status"), [("rolf", 403), ("sam", 404)])
def test_a_refused_change_of_a_medication_event_changes_nothing(request, medication, user, status):
    response = web_client_of(request.getfixturevalue(user)).post(
        _url("medication_edit", medication.pk), _medication_data(dose="99 mg")
    )
    assert response.status_code == status
    medication.refresh_from_db()
    assert medication.dose == "10 mg tds"


def test_a_medication_event_entered_in_error_cannot_be_changed(nora_web, nora, medication):
    record_mark_entered_in_error(record=medication, by=nora, reason="Wrong patient")
    assert nora_web.get(_url("medication_edit", medication.pk)).status_code == 404


# Exercise plans ---------------------------------------------------------------------------------


def test_every_role_finds_an_active_plans_exercise_sheet_on_the_dashboard(nora_web, plan):
    sheet = reverse("web:plan_sheet", args=[plan.patient_id, plan.pk])
    assert f'href="{sheet}"' in nora_web.get(_dashboard(plan.patient)).content.decode()
    assert nora_web.get(sheet).status_code == 200


def test_the_plan_form_starts_today(phil_web, patient):
    response = phil_web.get(_url("plan_new", patient.pk))
    assert response.status_code == 200
    assert response.context["form"]["started_on"].value() == TODAY
    assert "Leave blank for the default: 42 days after the start." in response.content.decode()


@pytest.mark.parametrize("user", ["phil", "ada"])
def test_a_physio_or_an_admin_prescribes_a_plan_reviewed_42_days_on(request, patient, user):
    client = web_client_of(request.getfixturevalue(user))
    data = {
        "muscle_group": "knee_extension",
        "side": "both",
        "kind": "progressive_resistance",
        "prescription": "3 sets of 10 sit-to-stands, twice a week",
        "started_on": "2026-06-01",
    }
    response = client.post(_url("plan_new", patient.pk), data)
    assert response.status_code == 302 and response["Location"] == _dashboard(patient)
    plan = ExercisePlan.objects.get()
    # 1 Jun + 42 days: 29 days to 30 Jun, then 13 into July.
    assert (plan.review_on, plan.status, plan.prescribed_by.username) == (
        datetime.date(2026, 7, 13),
        "active",
        user,
    )
    html = client.get(_dashboard(patient)).content.decode()
    assert "prescribed; review on 13 Jul 2026." in html
    assert "3 sets of 10 sit-to-stands, twice a week" in html and "13 Jul 2026" in html


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"review_on": "2026-05-31"}, "review_on", "Must not be before the start date."),
        (
            {"review_on": "2031-06-02"},
            "review_on",
            "Must be at most 5 years after the start date: 01 Jun 2031 at the latest.",
        ),
        ({"started_on": "2026-06-02"}, "started_on", "Must not be in the future."),
        ({"side": ""}, "side", "This field is required."),
        ({"kind": "yoga"}, "kind", "Select a valid choice. yoga is not one of the available choices."),
        (
            {"muscle_group": "neck"},
            "muscle_group",
            "Select a valid choice. neck is not one of the available choices.",
        ),
    ],
)
def test_a_bad_plan_is_refused_in_words_and_the_form_kept(phil_web, patient, data, field, message):
    data = {
        "muscle_group": "hip_flexion",
        "side": "left",
        "kind": "maintenance",
        "prescription": "Daily marching in sitting",
        "started_on": "2026-06-01",
    } | data
    response = phil_web.post(_url("plan_new", patient.pk), data)
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    html = response.content.decode()
    assert escape(message) in html and "Daily marching in sitting" in html
    assert not ExercisePlan.objects.exists()


def test_the_change_page_shows_the_plan_as_stored(phil_web, plan):
    response = phil_web.get(_url("plan_edit", plan.pk))
    assert response.status_code == 200
    form = response.context["form"]
    assert (form["side"].value(), form["review_on"].value(), form["status"].value()) == (
        "both",
        datetime.date(2026, 6, 12),
        "active",
    )
    record = AccessRecord.objects.with_patient_ids().latest("id")
    assert (record.action, record.patient_ids) == ("patient_read", [plan.patient_id])


def test_a_physio_changes_then_ends_a_plan(phil_web, phil, plan):
    data = {
        "muscle_group": "knee_extension",
        "side": "left",
        "kind": "maintenance",
        "prescription": "Sit-to-stand, 10 a day",
        "started_on": "2026-05-01",
        "review_on": "2026-07-01",
        "status": "active",
    }
    response = phil_web.post(_url("plan_edit", plan.pk), data)
    assert response.status_code == 302 and response["Location"] == _dashboard(plan.patient) + "#plans"
    plan.refresh_from_db()
    assert (plan.side, plan.kind, plan.review_on) == ("left", "maintenance", datetime.date(2026, 7, 1))
    response = phil_web.post(_url("plan_edit", plan.pk), data | {"status": "ended", "ended_on": "2026-06-01"})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.status, plan.ended_on) == ("ended", TODAY)
    dashboard = phil_web.get(response["Location"])
    assert dashboard.context["plans"]["active"] == []
    assert [row.plan for row in dashboard.context["plans"]["ended"]] == [plan]
    html = dashboard.content.decode()
    assert "Ended plans (1)" in html and "1 May 2026 to 1 Jun 2026" in html
    # An ended plan has no exercise sheet to print.
    assert reverse("web:plan_sheet", args=[plan.patient_id, plan.pk]) not in html
    assert plan.history.count() == 3


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"status": "ended"}, "ended_on", "Required when the plan has ended."),
        ({"ended_on": "2026-05-20"}, "ended_on", "Only an ended plan has an end date."),
        ({"status": "ended", "ended_on": "2026-04-30"}, "ended_on", "Must not be before the start date."),
        ({"review_on": ""}, "review_on", "This field is required."),
        (
            {"status": "paused"},
            "status",
            "Select a valid choice. paused is not one of the available choices.",
        ),
    ],
)
def test_a_bad_change_is_refused_in_words(phil_web, plan, data, field, message):
    data = {
        "muscle_group": "knee_extension",
        "side": "both",
        "kind": "progressive_resistance",
        "started_on": "2026-05-01",
        "review_on": "2026-06-12",
        "status": "active",
    } | data
    response = phil_web.post(_url("plan_edit", plan.pk), data)
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    plan.refresh_from_db()
    assert (plan.status, plan.ended_on, plan.history.count()) == ("active", None, 1)


def test_a_plan_change_over_someone_elses_is_held_back(phil_web, ada, plan):
    version = phil_web.get(_url("plan_edit", plan.pk)).context["form"]["version"].value()
    plan_update(plan=plan, by=ada, prescription="Sit-to-stand, 3 x 10")
    data = {
        "muscle_group": "knee_extension",
        "side": "both",
        "kind": "progressive_resistance",
        "prescription": "Leg press, 3 x 8",
        "started_on": "2026-05-01",
        "review_on": "2026-06-12",
        "status": "ended",
        "ended_on": "2026-06-01",
        "version": version,
    }
    response = phil_web.post(_url("plan_edit", plan.pk), data)
    assert response.status_code == 200
    assert "Someone else changed this record while you were editing." in response.content.decode()
    plan.refresh_from_db()
    assert (plan.status, plan.prescription) == ("active", "Sit-to-stand, 3 x 10")


def test_a_plan_entered_in_error_cannot_be_changed(phil_web, phil, plan):
    record_mark_entered_in_error(record=plan, by=phil, reason="Wrong patient")
    assert phil_web.get(_url("plan_edit", plan.pk)).status_code == 404


@pytest.mark.parametrize(
    ("user", "name", "status"),
    [
        ("rolf", "medication_new", 403),
        ("nora", "plan_new", 403),
        ("sam", "medication_new", 404),
        ("sam", "plan_new", 404),
    ],
)
def test_a_refused_post_writes_nothing(request, rolf, patient, user, name, status):
    data = {
        "drug": "baclofen",
        "event": "start",
        "occurred_on": "2026-03-01",
        "muscle_group": "hip_flexion",
        "side": "left",
        "kind": "maintenance",
        "started_on": "2026-06-01",
    }
    response = web_client_of(request.getfixturevalue(user)).post(_url(name, patient.pk), data)
    assert response.status_code == status
    assert not MedicationEvent.objects.exists() and not ExercisePlan.objects.exists()


@pytest.mark.parametrize(("user", "status"), [("nora", 403), ("sam", 404)])
def test_a_refused_change_of_a_plan_changes_nothing(request, plan, user, status):
    data = {"status": "ended", "ended_on": "2026-06-01", "review_on": "2026-06-12"}
    response = web_client_of(request.getfixturevalue(user)).post(_url("plan_edit", plan.pk), data)
    assert response.status_code == status
    plan.refresh_from_db()
    assert plan.status == "active"


# Changes to review: what to do, one click away -------------------------------------------------


def test_the_findings_say_what_to_do_and_link_to_it(phil_web, nora, phil, patient):
    factories.MedicationFactory(
        patient=patient,
        recorded_by=nora,
        drug="baclofen",
        event="increase",
        occurred_on=datetime.date(2026, 3, 1),
        dose="20 mg tds",
    )
    plan = factories.PlanFactory(
        patient=patient,
        prescribed_by=phil,
        muscle_group="ankle_dorsiflexion",
        side="left",
        started_on=datetime.date(2026, 4, 20),
    )
    response = phil_web.get(_dashboard(patient))
    findings = {f.label: f for f in response.context["findings"]}
    assert findings["Medication review"].text == (
        "Baclofen increased on 1 Mar 2026 (20 mg tds), before this loss of strength: "
        "the dose may be adding to the weakness."
    )
    assert findings["Medication review"].action == "Review the dose with the prescriber."
    assert findings["Plan conflict"].link.url == _url("plan_edit", plan.pk)
    assert findings["Foot drop"].text == "Left ankle dorsiflexion 3-, with no AFO or FES for this side."
    html = response.content.decode()
    assert "Change the plan: resistance training to fatigue can worsen primary weakness." in html
    assert "Consider an AFO/FES and an orthotics referral." in html
    # Never reviewed: every one of them is new.
    assert all(f.new for f in response.context["findings"])


def test_the_foot_drop_link_opens_a_referral_to_orthotics_naming_the_side(nora_web, nora, patient):
    finding = next(f for f in nora_web.get(_dashboard(patient)).context["findings"] if f.label == "Foot drop")
    assert finding.link.url.startswith(_url("referral_new", patient.pk) + "?")
    page = nora_web.get(finding.link.url)
    assert page.status_code == 200
    form = page.context["form"]
    assert form["to_service"].value() == "orthotics"
    assert form["reason"].value().startswith("Foot drop, left side: ankle dorsiflexion graded 3-")
    assert form["referred_on"].value() == TODAY
    html = page.content.decode()
    assert '<option value="orthotics" selected>' in html
    data = {name: form[name].value() for name in ("to_service", "reason")} | {
        "urgency": "routine",
        "referred_on": "2026-06-01",
    }
    assert nora_web.post(finding.link.url, data).status_code == 302
    referral = Referral.objects.get()
    assert (referral.to_service, referral.created_by) == ("orthotics", nora)
    assert "left side" in referral.reason


def test_the_referral_form_takes_only_its_own_fields_from_the_query(nora_web, patient):
    query = urlencode({"to_service": "orthotics", "referred_on": "1990-01-01", "status": "closed"})
    form = nora_web.get(f"{_url('referral_new', patient.pk)}?{query}").context["form"]
    assert (form["to_service"].value(), form["referred_on"].value()) == ("orthotics", TODAY)
    assert "status" not in form.fields


def test_a_supported_foot_drop_is_no_finding(nora_web, phil, patient):
    factories.DeviceFactory(patient=patient, prescribed_by=phil, device_type="afo", side="left")
    labels = [f.label for f in nora_web.get(_dashboard(patient)).context["findings"]]
    assert "Foot drop" not in labels and "Decline" in labels


def test_a_nurse_sees_the_plan_conflict_without_a_link_to_change_it(nora_web, phil, patient):
    factories.PlanFactory(patient=patient, prescribed_by=phil, muscle_group="ankle_dorsiflexion", side="both")
    finding = next(
        f for f in nora_web.get(_dashboard(patient)).context["findings"] if f.label == "Plan conflict"
    )
    assert finding.link is None


def test_the_dashboard_marks_dose_changes_on_the_charts_in_words(nora_web, nora, patient):
    factories.MedicationFactory(
        patient=patient,
        recorded_by=nora,
        drug="tizanidine",
        event="start",
        occurred_on=datetime.date(2026, 2, 2),
        dose="2 mg",
    )
    response = nora_web.get(_dashboard(patient))
    assert response.context["chart_data"]["dose_changes"] == [
        {"date": datetime.date(2026, 2, 2), "text": "Tizanidine started on 2 Feb 2026 (2 mg)"}
    ]
    html = response.content.decode()
    text = "Antispasticity dose changes marked: Tizanidine started on 2 Feb 2026 (2 mg)."
    assert f'aria-label="Ankle dorsiflexion: left and right grade over time. {text}"' in html
    assert f'aria-label="MRC sum score over time, out of 60. {text}"' in html
