"""SPEC §6's mapping, resource by resource: what a client reads back for Iris (tests/fhir/conftest.py).
Every resource here passes through ``fhir_get``, which validates it."""

import datetime

import pytest
from django.conf import settings

from assessments.grades import MASGrade, MRCGrade, MuscleGroup, Side, WeaknessType
from assessments.models import Assessment, MuscleScore, SpasticityScore
from care.models import DevicePrescription, ExercisePlan, FallEvent, MedicationEvent, Referral
from fhir_r4.mapping import CODE_SYSTEMS
from patients.models import Patient
from tests import factories

from .conftest import fhir_get, observations_by_id

pytestmark = pytest.mark.django_db
BASE = settings.FHIR_BASE_URL


def test_the_patient_carries_the_mrn_under_its_clinics_system(nora_api, iris):
    patient = fhir_get(nora_api, f"Patient/{iris.pk}")
    assert patient["identifier"][0]["system"] == f"{BASE}/sid/mrn/north"
    assert patient["identifier"][0]["value"] == "N900001"
    assert patient["name"] == [{"use": "official", "family": "Reid", "given": ["Iris"]}]
    assert (patient["gender"], patient["birthDate"], patient["active"]) == ("female", "1968-07-09", True)
    assert "tag" not in patient["meta"]


def test_the_ms_diagnosis_is_a_condition_with_snomed_and_icd10(nora_api, iris):
    condition = fhir_get(nora_api, f"Condition/ms-{iris.pk}")
    codes = {(coding["system"], coding["code"]) for coding in condition["code"]["coding"]}
    assert codes == {("http://snomed.info/sct", "24700007"), ("http://hl7.org/fhir/sid/icd-10", "G35")}
    assert condition["subject"] == {"reference": f"Patient/{iris.pk}"}
    assert condition["onsetDateTime"] == "2001-02-03"
    assert condition["stage"][0]["summary"]["coding"][0]["code"] == "SPMS"
    assert condition["clinicalStatus"]["coding"][0]["code"] == "active"


def test_an_assessment_is_a_panel_with_a_member_per_graded_muscle_side(nora_api, iris):
    assessment = Assessment.objects.get(patient=iris)
    observations = observations_by_id(fhir_get(nora_api, f"Observation?patient={iris.pk}&_count=100"))
    panel = observations[f"assessment-{assessment.pk}"]
    members = [
        observations[member["reference"].removeprefix("Observation/")] for member in panel["hasMember"]
    ]
    grades = [
        member for member in members if member["method"]["coding"][0]["code"] == "manual-muscle-testing"
    ]
    assert len(grades) == 24
    foot = next(
        member
        for member in grades
        if member["code"]["coding"][0]["code"] == "ankle_dorsiflexion"
        and member["bodySite"]["coding"][0]["code"] == "7771000"
    )
    assert foot["code"]["coding"][0]["system"] == f"{BASE}/CodeSystem/muscle-group"
    assert foot["valueCodeableConcept"]["coding"][0] == {
        "system": f"{BASE}/CodeSystem/mrc-grade",
        "code": "3-",
        "display": "MRC grade 3-",
    }
    assert foot["component"][0]["valueCodeableConcept"]["coding"][0]["code"] == "primary"
    assert foot["effectiveDateTime"] == "2026-03-02"
    assert foot["category"][0]["coding"][0]["code"] == "exam"
    right_sides = [member for member in grades if member["bodySite"]["coding"][0]["code"] == "24028007"]
    assert len(right_sides) == 12
    [spasticity] = [
        member for member in members if member["method"]["coding"][0]["code"] == "modified-ashworth"
    ]
    assert spasticity["valueCodeableConcept"]["coding"][0]["code"] == "1+"
    assert spasticity["code"]["coding"][0]["code"] == "ankle_plantarflexion"


def test_the_mrc_sum_edss_and_walk_are_observations_of_their_own(nora_api, iris):
    assessment = Assessment.objects.get(patient=iris)
    observations = observations_by_id(fhir_get(nora_api, f"Observation?patient={iris.pk}&_count=100"))
    mrc_sum = observations[f"mrc-sum-{assessment.pk}"]
    # Eleven grades of 5 and a 3-, counted whole: 55 + 3.
    assert mrc_sum["valueInteger"] == 58
    assert mrc_sum["derivedFrom"] == [{"reference": f"Observation/assessment-{assessment.pk}"}]
    assert observations[f"edss-{assessment.pk}"]["valueQuantity"]["value"] == 4.5
    walk = observations[f"t25fw-{assessment.pk}"]["valueQuantity"]
    assert (walk["value"], walk["code"], walk["system"]) == (8.4, "s", "http://unitsofmeasure.org")


def test_an_assessment_without_scores_sum_or_vitals_is_an_empty_panel_still_valid(nora_api, north):
    patient = factories.PatientFactory(clinic=north)
    assessment = factories.AssessmentFactory(patient=patient, assessed_on=datetime.date(2026, 1, 5))
    bundle = fhir_get(nora_api, f"Observation?patient={patient.pk}")
    assert [entry["resource"]["id"] for entry in bundle["entry"]] == [f"assessment-{assessment.pk}"]
    assert "hasMember" not in bundle["entry"][0]["resource"]


def test_every_local_code_a_resource_uses_resolves_in_its_served_code_system(nora_api, iris):
    code_systems = {
        system["url"]: {concept["code"] for concept in system["concept"]}
        for system in (fhir_get(nora_api, f"CodeSystem/{code_system_id}") for code_system_id in CODE_SYSTEMS)
    }
    resources = [fhir_get(nora_api, f"Patient/{iris.pk}"), fhir_get(nora_api, f"Condition/ms-{iris.pk}")]
    resources += fhir_get(nora_api, "AdverseEvent")["entry"] + fhir_get(nora_api, "DeviceRequest")["entry"]
    resources += fhir_get(nora_api, "ServiceRequest")["entry"] + fhir_get(nora_api, "Task")["entry"]
    resources += fhir_get(nora_api, "CarePlan")["entry"] + fhir_get(nora_api, "MedicationStatement")["entry"]
    resources += [entry["resource"] for entry in fhir_get(nora_api, "Observation?_count=100")["entry"]]
    local = []

    def walk(value):
        if isinstance(value, dict):
            if value.get("system", "").startswith(f"{BASE}/CodeSystem/"):
                local.append((value["system"], value["code"]))
            for inner in value.values():
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk(resources)
    assert len(local) > 50
    unresolved = [(system, code) for system, code in local if code not in code_systems.get(system, ())]
    assert unresolved == []


def test_the_grade_code_system_lists_the_twelve_grades_weakest_first(nora_api):
    grades = fhir_get(nora_api, "CodeSystem/mrc-grade")
    assert [concept["code"] for concept in grades["concept"]] == [
        "0", "1", "2-", "2", "2+", "3-", "3", "3+", "4-", "4", "4+", "5",
    ]  # fmt: skip
    assert grades["url"] == f"{BASE}/CodeSystem/mrc-grade"


def test_a_patient_entered_in_error_is_read_tagged_and_inactive_and_left_out_of_searches(
    nora_api, nora, iris
):
    Patient.objects.filter(pk=iris.pk).update(
        entered_in_error_at=datetime.datetime(2026, 3, 3, tzinfo=datetime.UTC),
        entered_in_error_by=nora,
        entered_in_error_reason="Wrong person",
    )
    patient = fhir_get(nora_api, f"Patient/{iris.pk}")
    assert patient["meta"]["tag"] == [
        {
            "system": f"{BASE}/CodeSystem/record-status",
            "code": "entered-in-error",
            "display": "Entered in error",
        }
    ]
    assert patient["active"] is False
    condition = fhir_get(nora_api, f"Condition/ms-{iris.pk}")
    assert condition["verificationStatus"]["coding"][0]["code"] == "entered-in-error"
    assert "clinicalStatus" not in condition
    assessment = Assessment.objects.get(patient=iris)
    assert fhir_get(nora_api, f"Observation/edss-{assessment.pk}")["status"] == "entered-in-error"
    for search in (
        f"Patient?_id={iris.pk}",
        f"Condition?patient={iris.pk}",
        f"Observation?patient={iris.pk}",
    ):
        assert fhir_get(nora_api, search)["total"] == 0, search


def test_an_assessment_entered_in_error_is_read_with_that_status_and_left_out_of_searches(
    nora_api, nora, iris
):
    assessment = Assessment.objects.get(patient=iris)
    Assessment.objects.filter(pk=assessment.pk).update(
        entered_in_error_at=datetime.datetime(2026, 3, 3, tzinfo=datetime.UTC),
        entered_in_error_by=nora,
        entered_in_error_reason="Wrong patient",
    )
    member = assessment.scores.first()
    for observation_id in (f"assessment-{assessment.pk}", f"mmt-{member.pk}", f"mrc-sum-{assessment.pk}"):
        assert fhir_get(nora_api, f"Observation/{observation_id}")["status"] == "entered-in-error"
    assert fhir_get(nora_api, f"Observation?patient={iris.pk}")["total"] == 0
    assert fhir_get(nora_api, f"Patient/{iris.pk}")["active"] is True


def test_every_observation_in_a_search_reads_back_the_same_by_id(nora_api, iris):
    for entry in fhir_get(nora_api, f"Observation?patient={iris.pk}&_count=100")["entry"]:
        observation = entry["resource"]
        assert entry["fullUrl"] == f"http://testserver/fhir/R4/Observation/{observation['id']}"
        assert fhir_get(nora_api, f"Observation/{observation['id']}") == observation


@pytest.mark.parametrize("sex", ["female", "male", "other", "unknown"])
@pytest.mark.parametrize("ms_type", ["RRMS", "SPMS", "PPMS", "CIS", "unknown"])
def test_every_sex_and_ms_type_without_a_diagnosis_date_is_valid(nora_api, north, sex, ms_type):
    patient = factories.PatientFactory(clinic=north, sex=sex, ms_type=ms_type, diagnosis_date=None)
    assert fhir_get(nora_api, f"Patient/{patient.pk}")["gender"] == sex
    condition = fhir_get(nora_api, f"Condition/ms-{patient.pk}")
    assert "onsetDateTime" not in condition
    assert ("stage" in condition) == (ms_type != "unknown")


def test_every_grade_weakness_type_and_mas_score_maps_to_its_code(nora_api, north):
    patient = factories.PatientFactory(clinic=north)
    sides = [(group, side) for group in MuscleGroup for side in Side]
    grades = dict(zip(sides, MRCGrade.labels + MRCGrade.labels, strict=True))
    assessment = factories.assessment_with_grades(patient, datetime.date(2026, 2, 1), grades, edss="0")
    for score, weakness_type in zip(assessment.scores.order_by("pk"), WeaknessType.values * 6, strict=False):
        MuscleScore.objects.filter(pk=score.pk).update(weakness_type=weakness_type)
    SpasticityScore.objects.bulk_create(
        SpasticityScore(assessment=assessment, muscle_group=group, side=side, mas=mas)
        for (group, side), mas in zip(sides, MASGrade.values, strict=False)
    )
    observations = fhir_get(nora_api, f"Observation?patient={patient.pk}&_count=100")["entry"]
    values = {}
    for entry in observations:
        method = entry["resource"].get("method", {}).get("coding", [{}])[0].get("code")
        if method:
            values.setdefault(method, []).append(
                entry["resource"]["valueCodeableConcept"]["coding"][0]["code"]
            )
    assert sorted(values["manual-muscle-testing"]) == sorted(MRCGrade.labels * 2)
    assert sorted(values["modified-ashworth"]) == sorted(MASGrade.labels)
    weakness = {
        entry["resource"]["component"][0]["valueCodeableConcept"]["coding"][0]["code"]
        for entry in observations
        if "component" in entry["resource"]
    }
    assert weakness == set(WeaknessType.values)
    # Every MRC item is graded, so the sum is served; an EDSS of 0 is a value, not an absence.
    kinds = {entry["resource"]["id"].rsplit("-", 1)[0] for entry in observations}
    assert {"edss", "mrc-sum"} <= kinds


def test_a_fall_is_an_actual_adverse_event_and_a_near_fall_a_potential_one(nora_api, iris):
    near = factories.FallFactory(
        patient=iris, near_fall=True, occurred_at=datetime.datetime(2026, 2, 1, 9, 0, tzinfo=datetime.UTC)
    )
    events = fhir_get(nora_api, f"AdverseEvent?subject=Patient/{iris.pk}")["entry"]
    fall, near_fall = (entry["resource"] for entry in events)
    assert fall["event"]["coding"] == [
        {"system": "http://snomed.info/sct", "code": "1912002", "display": "Fall"}
    ]
    assert (fall["actuality"], fall["date"]) == ("actual", "2026-03-01T17:30:00+00:00")
    assert [coding["code"] for coding in fall["severity"]["coding"]] == ["moderate", "moderate"]
    assert (near_fall["id"], near_fall["actuality"]) == (str(near.pk), "potential")
    assert "severity" not in near_fall  # no injury


@pytest.mark.parametrize(
    "query, expected",
    [("date=2026-03-01", ["fall"]), ("date=lt2026-03-01", ["near"]), ("date=ge2026-01-01", ["fall", "near"])],
)
def test_falls_are_searched_by_their_clinic_local_date(nora_api, iris, query, expected):
    near = factories.FallFactory(
        patient=iris, near_fall=True, occurred_at=datetime.datetime(2026, 2, 1, 9, 0, tzinfo=datetime.UTC)
    )
    names = {str(near.pk): "near", str(FallEvent.objects.exclude(pk=near.pk).get(patient=iris).pk): "fall"}
    bundle = fhir_get(nora_api, f"AdverseEvent?{query}")
    assert [names[entry["resource"]["id"]] for entry in bundle["entry"]] == expected


def test_a_fall_entered_in_error_is_read_tagged_and_left_out_of_searches(nora_api, nora, iris):
    fall = FallEvent.objects.get(patient=iris)
    FallEvent.objects.filter(pk=fall.pk).update(
        entered_in_error_at=datetime.datetime(2026, 3, 3, tzinfo=datetime.UTC),
        entered_in_error_by=nora,
        entered_in_error_reason="Another patient's fall",
    )
    event = fhir_get(nora_api, f"AdverseEvent/{fall.pk}")
    assert event["meta"]["tag"][0]["code"] == "entered-in-error"
    assert fhir_get(nora_api, f"AdverseEvent?subject={iris.pk}")["total"] == 0


def test_a_device_prescription_is_a_device_request_with_its_side(nora_api, iris):
    afo = DevicePrescription.objects.get(patient=iris)
    request = fhir_get(nora_api, f"DeviceRequest/{afo.pk}")
    assert request["codeCodeableConcept"]["coding"][0]["code"] == "afo"
    assert (request["status"], request["intent"], request["authoredOn"]) == ("active", "order", "2026-03-02")
    assert request["parameter"][0]["valueCodeableConcept"]["coding"][0]["code"] == "7771000"
    assert request["reasonCode"] == [{"text": "Left foot drop"}]


@pytest.mark.parametrize(
    "side, laterality", [("left", "7771000"), ("right", "24028007"), ("bilateral", "51440002"), ("na", None)]
)
def test_every_device_side_and_status(nora_api, iris, side, laterality):
    device = factories.DeviceFactory(
        patient=iris,
        device_type="rollator" if side == "na" else "fes",
        side=side,
        prescribed_on=datetime.date(2025, 1, 1),
        status="discontinued",
        discontinued_on=datetime.date(2025, 6, 1),
    )
    request = fhir_get(nora_api, f"DeviceRequest/{device.pk}")
    assert request["status"] == "completed"
    assert request["occurrencePeriod"] == {"start": "2025-01-01", "end": "2025-06-01"}
    assert request.get("parameter", [{}])[0].get("valueCodeableConcept", {}).get("coding", [{}])[0].get(
        "code"
    ) == (laterality)
    assert [
        entry["resource"]["id"] for entry in fhir_get(nora_api, "DeviceRequest?status=completed")["entry"]
    ] == [str(device.pk)]
    assert fhir_get(nora_api, "DeviceRequest?status=active")["total"] == 1


def test_a_device_entered_in_error_is_read_with_that_status_and_left_out_of_searches(nora_api, nora, iris):
    afo = DevicePrescription.objects.get(patient=iris)
    DevicePrescription.objects.filter(pk=afo.pk).update(
        entered_in_error_at=datetime.datetime(2026, 3, 3, tzinfo=datetime.UTC),
        entered_in_error_by=nora,
        entered_in_error_reason="Wrong patient",
    )
    assert fhir_get(nora_api, f"DeviceRequest/{afo.pk}")["status"] == "entered-in-error"
    assert fhir_get(nora_api, f"DeviceRequest?patient={iris.pk}")["total"] == 0


def test_a_referral_is_a_service_request_and_a_task_carrying_its_status(nora_api, iris):
    referral = Referral.objects.get(patient=iris)
    request = fhir_get(nora_api, f"ServiceRequest/{referral.pk}")
    assert request["code"]["coding"][0] == {
        "system": "http://snomed.info/sct",
        "code": "306170007",
        "display": "Referral to physiotherapy service",
    }
    assert (request["status"], request["priority"], request["authoredOn"]) == (
        "active",
        "urgent",
        "2026-03-02",
    )
    assert request["occurrencePeriod"]["end"] == referral.due_by.isoformat()
    task = fhir_get(nora_api, f"Task/{referral.pk}")
    assert task["focus"] == {"reference": f"ServiceRequest/{referral.pk}"}
    assert (task["status"], task["businessStatus"]["coding"][0]["code"]) == ("requested", "sent")
    assert task["for"] == {"reference": f"Patient/{iris.pk}"}


@pytest.mark.parametrize(
    "status, request_status, task_status",
    [
        ("draft", "draft", "draft"),
        ("accepted", "active", "accepted"),
        ("seen", "active", "in-progress"),
        ("closed", "completed", "completed"),
        ("declined", "revoked", "rejected"),
        ("cancelled", "revoked", "cancelled"),
    ],
)
def test_every_referral_status_and_its_searches(nora_api, north, status, request_status, task_status):
    patient = factories.PatientFactory(clinic=north)
    referral = factories.ReferralFactory(patient=patient, status=status, to_service="orthotics")
    request = fhir_get(nora_api, f"ServiceRequest/{referral.pk}")
    assert request["status"] == request_status
    assert [coding["code"] for coding in request["code"]["coding"]] == ["orthotics"]
    assert fhir_get(nora_api, f"Task/{referral.pk}")["status"] == task_status
    assert fhir_get(nora_api, f"ServiceRequest?patient={patient.pk}&status={request_status}")["total"] == 1
    assert fhir_get(nora_api, f"Task?patient={patient.pk}&status={task_status},requested")["total"] == 1
    assert fhir_get(nora_api, f"Task?patient={patient.pk}&status=on-hold")["total"] == 0


def test_a_referral_entered_in_error_is_read_with_that_status_and_left_out_of_searches(nora_api, nora, iris):
    referral = Referral.objects.get(patient=iris)
    Referral.objects.filter(pk=referral.pk).update(
        entered_in_error_at=datetime.datetime(2026, 3, 3, tzinfo=datetime.UTC),
        entered_in_error_by=nora,
        entered_in_error_reason="Wrong patient",
    )
    for resource_type in ("ServiceRequest", "Task"):
        assert fhir_get(nora_api, f"{resource_type}/{referral.pk}")["status"] == "entered-in-error"
        assert fhir_get(nora_api, f"{resource_type}?patient={iris.pk}")["total"] == 0


def test_an_exercise_plan_is_a_care_plan(nora_api, iris):
    plan = ExercisePlan.objects.get(patient=iris)
    care_plan = fhir_get(nora_api, f"CarePlan/{plan.pk}")
    assert (care_plan["status"], care_plan["intent"], care_plan["period"]) == (
        "active",
        "plan",
        {"start": "2026-03-02", "end": "2026-04-13"},  # to the review, 42 days on
    )
    assert [category["coding"][0]["code"] for category in care_plan["category"]] == [
        "progressive_resistance",
        "both",
    ]
    detail = care_plan["activity"][0]["detail"]
    assert (detail["code"]["coding"][0]["code"], detail["status"]) == ("hip_abduction", "in-progress")
    assert detail["description"] == "3 sets of 10, twice a week"


def test_an_ended_plan_is_completed_and_one_entered_in_error_says_so(nora_api, nora, iris):
    plan = ExercisePlan.objects.get(patient=iris)
    ended = factories.PlanFactory(
        patient=iris,
        kind="stretching",
        prescription="",
        started_on=datetime.date(2025, 1, 1),
        status="ended",
        ended_on=datetime.date(2025, 3, 1),
    )
    care_plan = fhir_get(nora_api, f"CarePlan/{ended.pk}")
    assert (care_plan["status"], care_plan["period"]["end"]) == ("completed", "2025-03-01")
    assert "description" not in care_plan["activity"][0]["detail"]
    assert [
        entry["resource"]["id"] for entry in fhir_get(nora_api, "CarePlan?status=completed")["entry"]
    ] == [str(ended.pk)]
    ExercisePlan.objects.filter(pk=plan.pk).update(
        entered_in_error_at=datetime.datetime(2026, 3, 3, tzinfo=datetime.UTC),
        entered_in_error_by=nora,
        entered_in_error_reason="Wrong muscle",
    )
    assert fhir_get(nora_api, f"CarePlan/{plan.pk}")["status"] == "entered-in-error"
    assert fhir_get(nora_api, "CarePlan?status=active")["total"] == 0


def test_medication_events_are_statements_active_while_latest_then_completed_or_stopped(nora_api, iris):
    start = MedicationEvent.objects.get(patient=iris)
    assert fhir_get(nora_api, f"MedicationStatement/{start.pk}")["status"] == "active"
    raised = factories.MedicationFactory(
        patient=iris, event="increase", occurred_on=datetime.date(2026, 2, 1), dose="20 mg three times a day"
    )
    other = factories.MedicationFactory(
        patient=iris, drug="other", drug_name="Pregabalin", occurred_on=datetime.date(2026, 2, 1), dose=""
    )
    statement = fhir_get(nora_api, f"MedicationStatement/{raised.pk}")
    assert (statement["status"], statement["statusReason"][0]["coding"][0]["code"]) == ("active", "increase")
    assert statement["medicationCodeableConcept"]["coding"][0]["code"] == "baclofen"
    assert statement["dosage"] == [{"text": "20 mg three times a day"}]
    assert fhir_get(nora_api, f"MedicationStatement/{start.pk}")["status"] == "completed"
    pregabalin = fhir_get(nora_api, f"MedicationStatement/{other.pk}")
    assert (pregabalin["medicationCodeableConcept"]["text"], pregabalin["status"]) == ("Pregabalin", "active")
    stop = factories.MedicationFactory(patient=iris, event="stop", occurred_on=datetime.date(2026, 2, 1))
    assert fhir_get(nora_api, f"MedicationStatement/{stop.pk}")["status"] == "stopped"
    assert fhir_get(nora_api, f"MedicationStatement/{raised.pk}")["status"] == "completed"

    def ids(status):
        return {
            entry["resource"]["id"]
            for entry in fhir_get(nora_api, f"MedicationStatement?status={status}")["entry"]
        }

    assert ids("active") == {str(other.pk)}
    assert ids("stopped") == {str(stop.pk)}
    assert ids("completed") == {str(start.pk), str(raised.pk)}
    assert ids("active,stopped") == {str(other.pk), str(stop.pk)}
    assert ids("on-hold") == set()


def test_a_medication_event_entered_in_error_is_read_so_and_gives_way(nora_api, nora, iris):
    start = MedicationEvent.objects.get(patient=iris)
    stop = factories.MedicationFactory(patient=iris, event="stop", occurred_on=datetime.date(2026, 2, 1))
    MedicationEvent.objects.filter(pk=stop.pk).update(
        entered_in_error_at=datetime.datetime(2026, 3, 3, tzinfo=datetime.UTC),
        entered_in_error_by=nora,
        entered_in_error_reason="Never stopped",
    )
    assert fhir_get(nora_api, f"MedicationStatement/{stop.pk}")["status"] == "entered-in-error"
    assert fhir_get(nora_api, f"MedicationStatement/{start.pk}")["status"] == "active"
    assert fhir_get(nora_api, "MedicationStatement?status=stopped")["total"] == 0


def test_free_text_with_a_no_break_space_or_vertical_tab_is_served_with_plain_spaces(nora_api, north):
    # The R4 JSON schema's string pattern allows no whitespace but space, tab, CR and LF.
    patient = factories.PatientFactory(clinic=north, given_name="Anne\u00a0Marie", family_name="Lévy")
    event = factories.MedicationFactory(patient=patient, dose="10\u202fmg\x0bat night\r\nwith food")
    assert fhir_get(nora_api, f"Patient/{patient.pk}")["name"][0]["given"] == ["Anne Marie"]
    statement = fhir_get(nora_api, f"MedicationStatement/{event.pk}")
    assert statement["dosage"] == [{"text": "10 mg at night\r\nwith food"}]
