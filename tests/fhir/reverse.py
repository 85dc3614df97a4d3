"""FHIR back into the app's values: the reverse of fhir_r4/mapping.py, written apart from it, so
that a round trip (the API's searches, the export's NDJSON) can be held to the database.

``records_of(resources)`` and ``records_in_database(clinic_ids)`` answer the same shape —
``{record type: {record tuple}}`` with the record's id first — and ``assert_same_records``
compares them with a diff a person can read. Local codes are the app's own values, so they read
back as they are; SNOMED laterality, the FHIR statuses and the MRC grade labels are translated.
"""

import datetime
from collections import defaultdict
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings

from assessments.grades import MASGrade, MRCGrade, mrc_sum_score
from assessments.models import Assessment, MuscleScore, SpasticityScore
from care.models import DevicePrescription, ExercisePlan, FallEvent, FallLocation, MedicationEvent, Referral
from patients.models import Patient


class PatientRecord(NamedTuple):
    id: int
    clinic: str
    mrn: str
    given_name: str
    family_name: str
    date_of_birth: datetime.date
    sex: str
    status: str
    ms_type: str | None
    diagnosis_date: datetime.date | None


class AssessmentRecord(NamedTuple):
    id: int
    patient: int
    assessed_on: datetime.date
    edss: Decimal | None
    timed_25ft_walk_seconds: Decimal | None
    mrc_sum_score: int | None
    notes: str


class MuscleScoreRecord(NamedTuple):
    id: int
    assessment: int
    muscle_group: str
    side: str
    grade: int
    weakness_type: str


class SpasticityRecord(NamedTuple):
    id: int
    assessment: int
    muscle_group: str
    side: str
    mas: int


class FallRecord(NamedTuple):
    id: int
    patient: int
    occurred_at: datetime.datetime
    near_fall: bool
    injury: str
    location: str


class DeviceRecord(NamedTuple):
    id: int
    patient: int
    device_type: str
    side: str
    status: str
    prescribed_on: datetime.date
    # The end of the prescribed use: the next review while in use, the day it was discontinued after
    # (a discontinued device's review date is not served).
    review_due_on: datetime.date | None
    discontinued_on: datetime.date | None
    reason: str


class ReferralRecord(NamedTuple):
    id: int
    patient: int
    to_service: str
    status: str | None
    urgency: str
    referred_on: datetime.date
    due_by: datetime.date
    reason: str


class PlanRecord(NamedTuple):
    id: int
    patient: int
    kind: str
    side: str
    muscle_group: str
    status: str
    started_on: datetime.date
    # As a device's: the review while the plan is active, the day it ended after.
    review_on: datetime.date | None
    ended_on: datetime.date | None
    prescription: str


class MedicationRecord(NamedTuple):
    id: int
    patient: int
    drug: str
    drug_name: str
    event: str
    dose: str
    occurred_on: datetime.date


RECORDS = {
    "patient": PatientRecord,
    "assessment": AssessmentRecord,
    "muscle_score": MuscleScoreRecord,
    "spasticity": SpasticityRecord,
    "fall": FallRecord,
    "device": DeviceRecord,
    "referral": ReferralRecord,
    "plan": PlanRecord,
    "medication": MedicationRecord,
}

SNOMED = "http://snomed.info/sct"
LATERALITY = {"7771000": "left", "24028007": "right", "51440002": "bilateral"}
DEVICE_STATUS = {"active": "active", "completed": "discontinued"}
PLAN_STATUS = {"active": "active", "completed": "ended"}
LOCATION = {location.label: location.value for location in FallLocation}


def _local(system_id):
    return f"{settings.FHIR_BASE_URL}/CodeSystem/{system_id}"


def _code(concept, system_id):
    """The code of ``concept``'s coding from the local CodeSystem ``system_id``; ``None`` if it has none."""
    return next(
        (coding["code"] for coding in concept.get("coding", []) if coding["system"] == _local(system_id)),
        None,
    )


def _category(resource, system_id):
    return next(filter(None, (_code(category, system_id) for category in resource["category"])))


def _snomed_side(concept):
    return next(LATERALITY[coding["code"]] for coding in concept["coding"] if coding["system"] == SNOMED)


def _id(resource, prefix=""):
    return int(resource["id"].removeprefix(prefix))


def _patient_id(reference):
    return int(reference["reference"].removeprefix("Patient/"))


def _date(value):
    return datetime.date.fromisoformat(value) if value is not None else None


def _text(elements):
    """The text of the first of ``elements`` (a note, a dosage, a reason), or empty."""
    return elements[0]["text"] if elements else ""


# One function per resource type: ``[(record type, record id, {field: value})]``, the fields
# that resource tells of its record (a patient's come from its Patient and its Condition).


def patient_fields(resource):
    [identifier] = resource["identifier"]
    [name] = resource["name"]
    return [
        (
            "patient",
            _id(resource),
            {
                "clinic": identifier["system"].removeprefix(f"{settings.FHIR_BASE_URL}/sid/mrn/"),
                "mrn": identifier["value"],
                "given_name": " ".join(name["given"]),
                "family_name": name["family"],
                "date_of_birth": _date(resource["birthDate"]),
                "sex": resource["gender"],
                "status": "active" if resource["active"] else "discharged",
            },
        )
    ]


def condition_fields(resource):
    stages = resource.get("stage", [])
    return [
        (
            "patient",
            _patient_id(resource["subject"]),
            {
                "ms_type": _code(stages[0]["summary"], "ms-type") if stages else "unknown",
                "diagnosis_date": _date(resource.get("onsetDateTime")),
            },
        )
    ]


# A member Observation's id is its kind and its row's id; the panel lists its members.
MEMBER_RECORDS = {"mmt": "muscle_score", "mas": "spasticity"}


def observation_fields(resource):
    """A panel is the assessment and names its members, the muscle-sides graded (an MRC grade) or
    scored for spasticity (a MAS score); the MRC sum, EDSS and timed walk are fields of the
    assessment (the sum is derived from its panel; the EDSS and the walk carry its id in theirs)."""
    method = _code(resource.get("method", {}), "observation-code")
    if method == "manual-muscle-testing":
        [weakness] = resource["component"]
        return [
            (
                "muscle_score",
                _id(resource, "mmt-"),
                {
                    "muscle_group": _code(resource["code"], "muscle-group"),
                    "side": _snomed_side(resource["bodySite"]),
                    "grade": MRCGrade.from_label(_code(resource["valueCodeableConcept"], "mrc-grade")).value,
                    "weakness_type": _code(weakness["valueCodeableConcept"], "weakness-type"),
                },
            )
        ]
    if method == "modified-ashworth":
        return [
            (
                "spasticity",
                _id(resource, "mas-"),
                {
                    "muscle_group": _code(resource["code"], "muscle-group"),
                    "side": _snomed_side(resource["bodySite"]),
                    "mas": MASGrade.from_label(_code(resource["valueCodeableConcept"], "mas-score")).value,
                },
            )
        ]
    kind = _code(resource["code"], "observation-code")
    if kind == "mmt-panel":
        assessment = _id(resource, "assessment-")
        members = []
        for member in resource.get("hasMember", []):
            member_kind, _, number = member["reference"].removeprefix("Observation/").rpartition("-")
            members.append((MEMBER_RECORDS[member_kind], int(number), {"assessment": assessment}))
        fields = {
            "patient": _patient_id(resource["subject"]),
            "assessed_on": _date(resource["effectiveDateTime"]),
            "notes": _text(resource.get("note")),
        }
        return [("assessment", assessment, fields), *members]
    if kind == "mrc-sum-score":
        [panel] = resource["derivedFrom"]
        assessment = int(panel["reference"].removeprefix("Observation/assessment-"))
        return [("assessment", assessment, {"mrc_sum_score": resource["valueInteger"]})]
    field = {"edss": "edss", "t25fw": "timed_25ft_walk_seconds"}[kind]
    value = Decimal(str(resource["valueQuantity"]["value"]))
    return [("assessment", _id(resource, f"{kind}-"), {field: value})]


def adverse_event_fields(resource):
    severity = _code(resource.get("severity", {}), "fall-injury")
    fields = {
        "patient": _patient_id(resource["subject"]),
        "occurred_at": datetime.datetime.fromisoformat(resource["date"]),
        "near_fall": resource["actuality"] == "potential",
        "injury": severity or "none",
        "location": LOCATION[resource["location"]["display"]],
    }
    return [("fall", _id(resource), fields)]


def device_request_fields(resource):
    [side] = resource.get("parameter", [{"valueCodeableConcept": None}])
    fields = {
        "patient": _patient_id(resource["subject"]),
        "device_type": _code(resource["codeCodeableConcept"], "device-type"),
        "side": _snomed_side(side["valueCodeableConcept"]) if side["valueCodeableConcept"] else "na",
        "status": DEVICE_STATUS[resource["status"]],
        "prescribed_on": _date(resource["authoredOn"]),
        "reason": _text(resource.get("reasonCode")),
    }
    end = "discontinued_on" if fields["status"] == "discontinued" else "review_due_on"
    fields[end] = _date(resource["occurrencePeriod"]["end"])
    return [("device", _id(resource), fields)]


def service_request_fields(resource):
    fields = {
        "patient": _patient_id(resource["subject"]),
        "to_service": _code(resource["code"], "referral-service"),
        "urgency": resource["priority"],
        "referred_on": _date(resource["authoredOn"]),
        "due_by": _date(resource["occurrencePeriod"]["end"]),
        "reason": _text(resource.get("reasonCode")),
    }
    return [("referral", _id(resource), fields)]


def task_fields(resource):
    """The referral's status is the Task's businessStatus (FHIR's task statuses only approximate it)."""
    return [("referral", _id(resource), {"status": _code(resource["businessStatus"], "referral-status")})]


def care_plan_fields(resource):
    [activity] = resource["activity"]
    fields = {
        "patient": _patient_id(resource["subject"]),
        "kind": _category(resource, "exercise-kind"),
        "side": _category(resource, "plan-side"),
        "muscle_group": _code(activity["detail"]["code"], "muscle-group"),
        "status": PLAN_STATUS[resource["status"]],
        "started_on": _date(resource["period"]["start"]),
        "prescription": activity["detail"].get("description", ""),
    }
    fields["ended_on" if fields["status"] == "ended" else "review_on"] = _date(resource["period"]["end"])
    return [("plan", _id(resource), fields)]


def medication_statement_fields(resource):
    medication = resource["medicationCodeableConcept"]
    drug = _code(medication, "drug")
    [event] = resource["statusReason"]
    fields = {
        "patient": _patient_id(resource["subject"]),
        "drug": drug,
        "drug_name": medication["text"] if drug == "other" else "",
        "event": _code(event, "medication-event"),
        "dose": _text(resource.get("dosage")),
        "occurred_on": _date(resource["effectiveDateTime"]),
    }
    return [("medication", _id(resource), fields)]


READERS = {
    "Patient": patient_fields,
    "Condition": condition_fields,
    "Observation": observation_fields,
    "AdverseEvent": adverse_event_fields,
    "DeviceRequest": device_request_fields,
    "ServiceRequest": service_request_fields,
    "Task": task_fields,
    "CarePlan": care_plan_fields,
    "MedicationStatement": medication_statement_fields,
}


def records_of(resources):
    """``{record type: {record}}`` told by ``resources``; a field no resource tells is ``None``."""
    fields = defaultdict(dict)
    for resource in resources:
        for record_type, pk, values in READERS[resource["resourceType"]](resource):
            fields[record_type, pk].update(values)
    records = {record_type: set() for record_type in RECORDS}
    for (record_type, pk), values in fields.items():
        record = RECORDS[record_type]
        records[record_type].add(record(pk, *(values.get(name) for name in record._fields[1:])))
    return records


def records_in_database(clinic_ids):
    """``{record type: {record}}`` of the valid records (of valid patients) of the clinics ``clinic_ids``."""
    patients = Patient.objects.valid().filter(clinic_id__in=clinic_ids).select_related("clinic")
    assessments = Assessment.objects.listable().filter(patient__in=patients).prefetch_related("scores")
    scores = MuscleScore.objects.filter(assessment__in=assessments)
    spasticity = SpasticityScore.objects.filter(assessment__in=assessments)

    def of(model):
        return model.objects.listable().filter(patient__in=patients)

    return {
        "patient": {
            PatientRecord(
                p.pk,
                p.clinic.code,
                p.mrn,
                p.given_name,
                p.family_name,
                p.date_of_birth,
                p.sex,
                p.status,
                p.ms_type,
                p.diagnosis_date,
            )
            for p in patients
        },
        "assessment": {
            AssessmentRecord(
                a.pk,
                a.patient_id,
                a.assessed_on,
                a.edss,
                a.timed_25ft_walk_seconds,
                mrc_sum_score({(score.muscle_group, score.side): score.grade for score in a.scores.all()}),
                a.notes,
            )
            for a in assessments
        },
        "muscle_score": {
            MuscleScoreRecord(s.pk, s.assessment_id, s.muscle_group, s.side, s.grade, s.weakness_type)
            for s in scores
        },
        "spasticity": {
            SpasticityRecord(s.pk, s.assessment_id, s.muscle_group, s.side, s.mas) for s in spasticity
        },
        "fall": {
            FallRecord(f.pk, f.patient_id, f.occurred_at, f.near_fall, f.injury, f.location)
            for f in of(FallEvent)
        },
        "device": {
            DeviceRecord(
                d.pk,
                d.patient_id,
                d.device_type,
                d.side,
                d.status,
                d.prescribed_on,
                d.review_due_on if d.status == "active" else None,
                d.discontinued_on,
                d.reason,
            )
            for d in of(DevicePrescription)
        },
        "referral": {
            ReferralRecord(
                r.pk, r.patient_id, r.to_service, r.status, r.urgency, r.referred_on, r.due_by, r.reason
            )
            for r in of(Referral)
        },
        "plan": {
            PlanRecord(
                p.pk,
                p.patient_id,
                p.kind,
                p.side,
                p.muscle_group,
                p.status,
                p.started_on,
                p.review_on if p.status == "active" else None,
                p.ended_on,
                p.prescription,
            )
            for p in of(ExercisePlan)
        },
        "medication": {
            MedicationRecord(m.pk, m.patient_id, m.drug, m.drug_name, m.event, m.dose, m.occurred_on)
            for m in of(MedicationEvent)
        },
    }


def assert_same_records(found, expected, *, shown=40):
    """``found`` (from FHIR) holds exactly the records ``expected`` (from the database); if not,
    the message lists each record lost, each extra and each field that differs."""
    lines = []
    for record_type, fields in ((name, record._fields) for name, record in RECORDS.items()):
        got = {record.id: record for record in found[record_type]}
        want = {record.id: record for record in expected[record_type]}
        lines += [f"{record_type} {pk} lost: {want[pk]}" for pk in sorted(want.keys() - got.keys())]
        lines += [f"{record_type} {pk} extra: {got[pk]}" for pk in sorted(got.keys() - want.keys())]
        for pk in sorted(got.keys() & want.keys()):
            differences = [
                f"{field} {fhir!r} in FHIR, {database!r} in the database"
                for field, fhir, database in zip(fields, got[pk], want[pk], strict=True)
                if fhir != database
            ]
            if differences:
                lines.append(f"{record_type} {pk}: " + "; ".join(differences))
        # Two different records of one id would pass the comparison by id.
        if len(got) != len(found[record_type]):
            lines.append(
                f"{record_type}: {len(found[record_type]) - len(got)} records share an id with another"
            )
    if lines:
        more = f"\n... and {len(lines) - shown} more" if len(lines) > shown else ""
        raise AssertionError(
            f"FHIR and the database differ ({len(lines)}):\n" + "\n".join(lines[:shown]) + more
        )
