"""The one translation of the app's records into FHIR R4 resources (SPEC §6), as plain dicts.

Reads and searches (and the export, when it comes) all build their resources here, so a record
looks the same whichever path serves it. Plain dicts rather than ``fhir.resources`` models: they
cost a fraction of the time, and the test suite validates every one against both the FHIR R4
JSON schema and the R4B models (tests/fhir/validate.py).
"""

import re

from django.conf import settings

from assessments.grades import MASGrade, MRCGrade, MuscleGroup, Side, WeaknessType
from care.models import (
    ContributingFactor,
    DeviceSide,
    DeviceStatus,
    DeviceType,
    Drug,
    Injury,
    MedicationEventKind,
    PlanKind,
    PlanSide,
    PlanStatus,
    ReferralService,
    ReferralStatus,
)
from patients.models import MSType, PatientStatus

SNOMED = "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
ADVERSE_EVENT_SEVERITY = "http://terminology.hl7.org/CodeSystem/adverse-event-severity"
IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
# R4's AdverseEvent has no element for notes or contributing factors (R5 added both): HL7's R4
# backport of them (Adverse Event Clinical Research R4 Backport IG, STU1) defines these extensions.
AE_BACKPORT = "http://hl7.org/fhir/uv/ae-research-backport-ig/StructureDefinition"
AE_NOTE = f"{AE_BACKPORT}/note"
AE_CONTRIBUTING_FACTOR = f"{AE_BACKPORT}/contributing-factor"

LATERALITY = {Side.LEFT: ("7771000", "Left"), Side.RIGHT: ("24028007", "Right")}
DEVICE_LATERALITY = {**LATERALITY, DeviceSide.BILATERAL: ("51440002", "Right and left")}
MULTIPLE_SCLEROSIS = [
    {"system": SNOMED, "code": "24700007", "display": "Multiple sclerosis"},
    {"system": ICD10, "code": "G35", "display": "Multiple sclerosis"},
]
ENTERED_IN_ERROR = "entered-in-error"

# The local CodeSystems, each served at /fhir/R4/CodeSystem/<id>: id -> (title, description,
# [(code, display)]). Their codes are the app's own values, so they read back without a table.
OBSERVATION_CODES = {
    "mmt-panel": "Manual muscle testing (MRC scale), one assessment",
    "mrc-sum-score": "MRC sum score (0-60: six muscle groups on both sides)",
    "edss": "Expanded Disability Status Scale (EDSS)",
    "t25fw": "Timed 25-foot walk",
    "weakness-type": "Type of weakness",
    "manual-muscle-testing": "Manual muscle testing (MRC grade with modifiers)",
    "modified-ashworth": "Modified Ashworth Scale of spasticity",
}
CODE_SYSTEMS = {
    "muscle-group": (
        "Muscle groups",
        "The muscle groups an MMT assessment grades, head to toe.",
        [(group.value, group.label) for group in MuscleGroup],
    ),
    "mrc-grade": (
        "MRC muscle grades",
        "The MRC (Kendall) scale of muscle strength with modifiers, weakest first.",
        [(grade.label, f"MRC grade {grade.label}") for grade in MRCGrade],
    ),
    "mas-score": (
        "Modified Ashworth Scale",
        "The Modified Ashworth Scale of spasticity, least first.",
        [(score.label, f"Modified Ashworth {score.label}") for score in MASGrade],
    ),
    "weakness-type": (
        "Types of weakness",
        "Primary (demyelination) or secondary (disuse) weakness, or mixed, or not yet known.",
        [(kind.value, kind.label) for kind in WeaknessType],
    ),
    "ms-type": (
        "Types of multiple sclerosis",
        "The course of the patient's multiple sclerosis.",
        [(ms_type.value, ms_type.label) for ms_type in MSType],
    ),
    "observation-code": (
        "Clinic observations",
        "What the clinic's Observations measure, and how.",
        list(OBSERVATION_CODES.items()),
    ),
    "device-type": (
        "Assistive devices",
        "The walking aids, orthoses and equipment the clinic prescribes.",
        [(device.value, device.label) for device in DeviceType],
    ),
    "device-parameter": (
        "Device request parameters",
        "What a device prescription says besides the device.",
        [("side", "The side the device is worn or fitted on")],
    ),
    "referral-service": (
        "Services referred to",
        "The services the clinic refers patients to.",
        [(service.value, service.label) for service in ReferralService],
    ),
    "referral-status": (
        "Referral statuses",
        "Where a referral stands: draft, sent, accepted, seen, closed, declined or cancelled.",
        [(status.value, status.label) for status in ReferralStatus],
    ),
    "exercise-kind": (
        "Kinds of exercise",
        "What an exercise plan trains: progressive resistance, maintenance, stretching, balance, aerobic.",
        [(kind.value, kind.label) for kind in PlanKind],
    ),
    "plan-side": (
        "Sides an exercise plan covers",
        "Left, right, or both sides.",
        [(side.value, side.label) for side in PlanSide],
    ),
    "drug": (
        "Medicines",
        "The medicines that matter to strength and walking (other: named in the text).",
        [(drug.value, drug.label) for drug in Drug],
    ),
    "medication-event": (
        "Medication events",
        "What a medication event did: start, increase, decrease or stop.",
        [(kind.value, kind.label) for kind in MedicationEventKind],
    ),
    "fall-injury": (
        "Injury from a fall",
        "How badly a fall hurt the patient.",
        [(injury.value, injury.label) for injury in Injury],
    ),
    "fall-factor": (
        "Contributing factors of a fall",
        "What the clinic judged to have made a fall more likely or worse.",
        [(factor.value, factor.label) for factor in ContributingFactor],
    ),
    "record-status": (
        "Record status",
        "Marks a resource whose record was entered in error, where the resource has no status of its own.",
        [(ENTERED_IN_ERROR, "Entered in error")],
    ),
}
# A prescription in use is active; one discontinued has been completed (FHIR's "revoked" is an
# order ended before it was carried out, which a device in use for months is not).
DEVICE_REQUEST_STATUS = {DeviceStatus.ACTIVE: "active", DeviceStatus.DISCONTINUED: "completed"}
# A referral is a ServiceRequest (what was asked) and a Task (where it stands); the Task's
# businessStatus keeps the app's own status, which FHIR's task statuses only approximate.
SERVICE_REQUEST_STATUS = {
    ReferralStatus.DRAFT: "draft",
    ReferralStatus.SENT: "active",
    ReferralStatus.ACCEPTED: "active",
    ReferralStatus.SEEN: "active",
    ReferralStatus.CLOSED: "completed",
    ReferralStatus.DECLINED: "revoked",
    ReferralStatus.CANCELLED: "revoked",
}
# A referral is under way once sent (Task.executionPeriod starts), and ends closed, declined or cancelled.
REFERRAL_UNDER_WAY = {
    ReferralStatus.SENT,
    ReferralStatus.ACCEPTED,
    ReferralStatus.SEEN,
    ReferralStatus.CLOSED,
}
REFERRAL_ENDED = {ReferralStatus.CLOSED, ReferralStatus.DECLINED, ReferralStatus.CANCELLED}
TASK_STATUS = {
    ReferralStatus.DRAFT: "draft",
    ReferralStatus.SENT: "requested",
    ReferralStatus.ACCEPTED: "accepted",
    ReferralStatus.SEEN: "in-progress",
    ReferralStatus.CLOSED: "completed",
    ReferralStatus.DECLINED: "rejected",
    ReferralStatus.CANCELLED: "cancelled",
}
# SNOMED's referral to a service, where SPEC §6 names one.
SERVICE_SNOMED = {ReferralService.PHYSIOTHERAPY: ("306170007", "Referral to physiotherapy service")}
CARE_PLAN_STATUS = {PlanStatus.ACTIVE: "active", PlanStatus.ENDED: "completed"}
PLAN_ACTIVITY_STATUS = {PlanStatus.ACTIVE: "in-progress", PlanStatus.ENDED: "completed"}
FALL = {"coding": [{"system": SNOMED, "code": "1912002", "display": "Fall"}], "text": "Fall"}
# AdverseEvent.severity's value set (a required binding), beside the clinic's own injury code.
FALL_SEVERITY = {Injury.MINOR: "mild", Injury.MODERATE: "moderate", Injury.SEVERE: "severe"}
EXAM = {"coding": [{"system": OBSERVATION_CATEGORY, "code": "exam", "display": "Exam"}]}
# Every Observation served is an exam finding.
OBSERVATION_CATEGORIES = [EXAM]


# The FHIR R4 JSON schema's string pattern, [ \r\n\t\S]+, allows no whitespace but those four, and
# ECMAScript validators count U+FEFF as whitespace too: any other (a no-break space pasted from a
# word processor, a vertical tab, a line separator) is served as a plain space.
ODD_WHITESPACE = re.compile(r"[^\S \r\n\t]|\ufeff")


def text(value):
    """Free text as a FHIR string."""
    return ODD_WHITESPACE.sub(" ", value)


def local_system(code_system_id):
    return f"{settings.FHIR_BASE_URL}/CodeSystem/{code_system_id}"


def mrn_system(clinic_code):
    return f"{settings.FHIR_BASE_URL}/sid/mrn/{clinic_code}"


def code_system_resource(code_system_id):
    title, description, concepts = CODE_SYSTEMS[code_system_id]
    return {
        "resourceType": "CodeSystem",
        "id": code_system_id,
        "url": local_system(code_system_id),
        "name": "".join(word.capitalize() for word in code_system_id.split("-")),
        "title": title,
        "status": "active",
        "description": description,
        "caseSensitive": True,
        "content": "complete",
        "count": len(concepts),
        "concept": [{"code": code, "display": display} for code, display in concepts],
    }


def _local_coding(code_system_id, code, display=None):
    coding = {"system": local_system(code_system_id), "code": code}
    if display:
        coding["display"] = display
    return coding


def _observation_code(code):
    return {"coding": [_local_coding("observation-code", code, OBSERVATION_CODES[code])]}


def _voided(record):
    """Whether ``record`` (its ``patient`` loaded) is entered in error, or its patient is: a patient
    entered in error takes their records along."""
    return record.entered_in_error or record.patient.entered_in_error


def _tagged_meta(last_updated, entered_in_error):
    """``meta`` of a resource type without a status element: entered in error is a tag (SPEC §6)."""
    meta = {"lastUpdated": last_updated.isoformat()}
    if entered_in_error:
        meta["tag"] = [_local_coding("record-status", ENTERED_IN_ERROR, "Entered in error")]
    return meta


def patient_reference(patient_id):
    return {"reference": f"Patient/{patient_id}"}


def patient_resource(patient):
    """The patient (``clinic`` loaded). Entered in error: tagged so, and not active (SPEC §6)."""
    return {
        "resourceType": "Patient",
        "id": str(patient.pk),
        "meta": _tagged_meta(patient.updated_at, patient.entered_in_error),
        "identifier": [
            {
                "use": "usual",
                "type": {
                    "coding": [{"system": IDENTIFIER_TYPE, "code": "MR", "display": "Medical record number"}]
                },
                "system": mrn_system(patient.clinic.code),
                "value": text(patient.mrn),
            }
        ],
        "active": patient.status == PatientStatus.ACTIVE and not patient.entered_in_error,
        "name": [
            {"use": "official", "family": text(patient.family_name), "given": [text(patient.given_name)]}
        ],
        "gender": patient.sex,
        "birthDate": patient.date_of_birth.isoformat(),
        "managingOrganization": {"display": text(patient.clinic.name)},
    }


def condition_id(patient_id):
    return f"ms-{patient_id}"


def condition_resource(patient):
    """The patient's MS diagnosis; a patient entered in error takes it along (its
    verificationStatus says so, and FHIR then forbids a clinicalStatus)."""
    resource = {
        "resourceType": "Condition",
        "id": condition_id(patient.pk),
        "meta": {"lastUpdated": patient.updated_at.isoformat()},
        "category": [
            {
                "coding": [
                    {
                        "system": CONDITION_CATEGORY,
                        "code": "problem-list-item",
                        "display": "Problem List Item",
                    }
                ]
            }
        ],
        "code": {"coding": MULTIPLE_SCLEROSIS, "text": "Multiple sclerosis"},
        "subject": patient_reference(patient.pk),
    }
    if patient.entered_in_error:
        resource["verificationStatus"] = {
            "coding": [
                {"system": CONDITION_VERIFICATION, "code": ENTERED_IN_ERROR, "display": "Entered in Error"}
            ]
        }
    else:
        resource["clinicalStatus"] = {
            "coding": [{"system": CONDITION_CLINICAL, "code": "active", "display": "Active"}]
        }
        resource["verificationStatus"] = {
            "coding": [{"system": CONDITION_VERIFICATION, "code": "confirmed", "display": "Confirmed"}]
        }
    if patient.ms_type != MSType.UNKNOWN:
        resource["stage"] = [
            {
                "summary": {
                    "coding": [_local_coding("ms-type", patient.ms_type, MSType(patient.ms_type).label)]
                }
            }
        ]
    if patient.diagnosis_date is not None:
        resource["onsetDateTime"] = patient.diagnosis_date.isoformat()
    return resource


def panel_id(assessment_id):
    return f"assessment-{assessment_id}"


# What an assessment's Observations measure (their ``code``), by the kind their id starts with;
# the muscle-side kinds code their muscle group instead.
ASSESSMENT_OBSERVATION_CODES = {
    "assessment": "mmt-panel",
    "mrc-sum": "mrc-sum-score",
    "edss": "edss",
    "t25fw": "t25fw",
}
MUSCLE_SIDE_OBSERVATIONS = ("mmt", "mas")


def observation_code(kind, muscle_group=None):
    """The ``code`` of an assessment's Observation of ``kind`` (of ``muscle_group`` for "mmt" and "mas")."""
    if kind in MUSCLE_SIDE_OBSERVATIONS:
        return _muscle_code(muscle_group)
    return _observation_code(ASSESSMENT_OBSERVATION_CODES[kind])


def _observation(observation_id, assessment, code):
    """What every Observation of an assessment shares; entered in error with the assessment or its patient."""
    return {
        "resourceType": "Observation",
        "id": observation_id,
        "meta": {"lastUpdated": assessment.updated_at.isoformat()},
        "status": ENTERED_IN_ERROR if _voided(assessment) else "final",
        "category": OBSERVATION_CATEGORIES,
        "code": code,
        "subject": patient_reference(assessment.patient_id),
        "effectiveDateTime": assessment.assessed_on.isoformat(),
    }


def _laterality(side):
    code, display = LATERALITY[side]
    return {"coding": [{"system": SNOMED, "code": code, "display": display}], "text": display}


def _muscle_code(muscle_group):
    group = MuscleGroup(muscle_group)
    return {"coding": [_local_coding("muscle-group", group.value, group.label)], "text": group.label}


# Head to toe, left before right (an enum's ``values`` is rebuilt on every access: read once).
MUSCLE_ORDER = {group: number for number, group in enumerate(MuscleGroup.values)}
SIDE_ORDER = {side: number for number, side in enumerate(Side.values)}


def _muscle_side_order(score):
    return (MUSCLE_ORDER[score.muscle_group], SIDE_ORDER[score.side])


def _every_observation(kind, muscle_group=None):
    return True


def _grade_observation(score, assessment):
    grade = MRCGrade(score.grade)
    member = _observation(f"mmt-{score.pk}", assessment, observation_code("mmt", score.muscle_group))
    member["method"] = _observation_code("manual-muscle-testing")
    member["bodySite"] = _laterality(score.side)
    member["valueCodeableConcept"] = {
        "coding": [_local_coding("mrc-grade", grade.label, f"MRC grade {grade.label}")],
        "text": grade.label,
    }
    member["component"] = [
        {
            "code": _observation_code("weakness-type"),
            "valueCodeableConcept": {
                "coding": [
                    _local_coding(
                        "weakness-type", score.weakness_type, WeaknessType(score.weakness_type).label
                    )
                ]
            },
        }
    ]
    return member


def _spasticity_observation(score, assessment):
    mas = MASGrade(score.mas)
    member = _observation(f"mas-{score.pk}", assessment, observation_code("mas", score.muscle_group))
    member["method"] = _observation_code("modified-ashworth")
    member["bodySite"] = _laterality(score.side)
    member["valueCodeableConcept"] = {
        "coding": [_local_coding("mas-score", mas.label, f"Modified Ashworth {mas.label}")],
        "text": mas.label,
    }
    return member


def assessment_observations(assessment, wanted=_every_observation, scores=None, spasticity_scores=None):
    """The assessment as Observations (``patient``, ``mrc_sum_score``, ``scores`` and
    ``spasticity`` loaded, or their rows given): the panel first, then a member per graded
    muscle-side, a member per MAS score, and the MRC sum, EDSS and timed 25-foot walk where
    recorded. Only those that ``wanted(kind, muscle_group)`` accepts are built (a search's
    page); the panel lists every member all the same."""
    grades = sorted(assessment.scores.all() if scores is None else scores, key=_muscle_side_order)
    spasticity = sorted(
        assessment.spasticity.all() if spasticity_scores is None else spasticity_scores,
        key=_muscle_side_order,
    )
    observations = []
    if wanted("assessment"):
        panel = _observation(panel_id(assessment.pk), assessment, observation_code("assessment"))
        member_ids = [f"mmt-{score.pk}" for score in grades] + [f"mas-{score.pk}" for score in spasticity]
        if member_ids:
            panel["hasMember"] = [{"reference": f"Observation/{member_id}"} for member_id in member_ids]
        else:
            panel["dataAbsentReason"] = {"text": "No muscle was graded."}
        if assessment.notes:
            panel["note"] = [{"text": text(assessment.notes)}]
        observations.append(panel)
    observations += [
        _grade_observation(score, assessment) for score in grades if wanted("mmt", score.muscle_group)
    ]
    observations += [
        _spasticity_observation(score, assessment)
        for score in spasticity
        if wanted("mas", score.muscle_group)
    ]
    if assessment.mrc_sum_score is not None and wanted("mrc-sum"):
        mrc_sum = _observation(f"mrc-sum-{assessment.pk}", assessment, observation_code("mrc-sum"))
        mrc_sum["valueInteger"] = assessment.mrc_sum_score
        mrc_sum["derivedFrom"] = [{"reference": f"Observation/{panel_id(assessment.pk)}"}]
        observations.append(mrc_sum)
    if assessment.edss is not None and wanted("edss"):
        edss = _observation(f"edss-{assessment.pk}", assessment, observation_code("edss"))
        edss["valueQuantity"] = {"value": float(assessment.edss), "system": UCUM, "code": "{score}"}
        observations.append(edss)
    if assessment.timed_25ft_walk_seconds is not None and wanted("t25fw"):
        walk = _observation(f"t25fw-{assessment.pk}", assessment, observation_code("t25fw"))
        walk["valueQuantity"] = {
            "value": float(assessment.timed_25ft_walk_seconds),
            "unit": "s",
            "system": UCUM,
            "code": "s",
        }
        observations.append(walk)
    return observations


def adverse_event_resource(fall):
    """A fall, or a near-fall (``actuality`` potential: a loss of balance that did not end on the
    ground), ``patient`` loaded. AdverseEvent has no status: entered in error (the fall or its
    patient), it carries the record-status tag. What the patient was doing and the notes are notes,
    the contributing factors coded, both in HL7's R4 backport extensions of R5's elements."""
    resource = {
        "resourceType": "AdverseEvent",
        "id": str(fall.pk),
        "meta": _tagged_meta(fall.updated_at, _voided(fall)),
    }
    extensions = _fall_extensions(fall)
    if extensions:
        resource["extension"] = extensions
    resource |= {
        "actuality": "potential" if fall.near_fall else "actual",
        "event": FALL,
        "subject": patient_reference(fall.patient_id),
        "date": fall.occurred_at.isoformat(),
        "recordedDate": fall.created_at.isoformat(),
        "location": {"display": fall.get_location_display()},
    }
    if fall.injury in FALL_SEVERITY:
        severity = FALL_SEVERITY[fall.injury]
        resource["severity"] = {
            "coding": [
                {"system": ADVERSE_EVENT_SEVERITY, "code": severity, "display": severity.capitalize()},
                _local_coding("fall-injury", fall.injury, Injury(fall.injury).label),
            ]
        }
    return resource


def _fall_extensions(fall):
    notes = [f"Activity: {fall.activity}"] if fall.activity else []
    notes += [fall.notes] if fall.notes else []
    factors = [factor for factor in ContributingFactor if factor in fall.contributing_factors]
    extensions = [{"url": AE_NOTE, "valueAnnotation": {"text": text(note)}} for note in notes]
    return extensions + [
        {
            "url": AE_CONTRIBUTING_FACTOR,
            "extension": [
                {
                    "url": "item",
                    "valueCodeableConcept": {
                        "coding": [_local_coding("fall-factor", factor.value, factor.label)],
                        "text": factor.label,
                    },
                }
            ],
        }
        for factor in factors
    ]


def device_request_resource(device):
    """A device prescription (``patient`` and ``reviews`` loaded): what, for which side, when, why,
    and whether still in use.

    ``occurrencePeriod`` is the prescribed use: from the prescription to the next review while in
    use (each review renews the prescription to the next; one past its end is overdue), to the day
    it was discontinued after. Each valid review is a note dated the day of the review."""
    end = device.discontinued_on if device.status == DeviceStatus.DISCONTINUED else device.review_due_on
    resource = {
        "resourceType": "DeviceRequest",
        "id": str(device.pk),
        "meta": {"lastUpdated": device.updated_at.isoformat()},
        "status": ENTERED_IN_ERROR if _voided(device) else DEVICE_REQUEST_STATUS[device.status],
        "intent": "order",
        "codeCodeableConcept": {
            "coding": [
                _local_coding("device-type", device.device_type, DeviceType(device.device_type).label)
            ],
            "text": DeviceType(device.device_type).label,
        },
        "subject": patient_reference(device.patient_id),
        "authoredOn": device.prescribed_on.isoformat(),
        "occurrencePeriod": {"start": device.prescribed_on.isoformat(), "end": end.isoformat()},
    }
    if device.side in DEVICE_LATERALITY:
        code, display = DEVICE_LATERALITY[device.side]
        resource["parameter"] = [
            {
                "code": {"coding": [_local_coding("device-parameter", "side", "Side")]},
                "valueCodeableConcept": {
                    "coding": [{"system": SNOMED, "code": code, "display": display}],
                    "text": display,
                },
            }
        ]
    if device.reason:
        resource["reasonCode"] = [{"text": text(device.reason)}]
    reviews = [review for review in device.reviews.all() if not review.entered_in_error]
    if reviews:
        resource["note"] = [
            {
                "time": review.reviewed_on.isoformat(),
                "text": text(
                    "\n\n".join(
                        filter(None, [f"Reviewed; next review due {review.next_review_due_on}.", review.note])
                    )
                ),
            }
            for review in reviews
        ]
    return resource


def _service_code(referral):
    service = ReferralService(referral.to_service)
    codings = [_local_coding("referral-service", service.value, service.label)]
    if service in SERVICE_SNOMED:
        code, display = SERVICE_SNOMED[service]
        codings.insert(0, {"system": SNOMED, "code": code, "display": display})
    return {"coding": codings, "text": service.label}


def service_request_resource(referral):
    """What a referral (``patient`` loaded) asks: the service, how urgently, why, by when."""
    return {
        "resourceType": "ServiceRequest",
        "id": str(referral.pk),
        "meta": {"lastUpdated": referral.updated_at.isoformat()},
        "status": ENTERED_IN_ERROR if _voided(referral) else SERVICE_REQUEST_STATUS[referral.status],
        "intent": "order",
        "priority": referral.urgency,
        "code": _service_code(referral),
        "subject": patient_reference(referral.patient_id),
        "authoredOn": referral.referred_on.isoformat(),
        "occurrencePeriod": {"start": referral.referred_on.isoformat(), "end": referral.due_by.isoformat()},
        "reasonCode": [{"text": text(referral.reason)}],
    }


def _execution_period(referral):
    """From the first move to a status of a referral under way to the move that ended it."""
    period = {}
    for change in referral.status_changes.all():
        if change.to_status in REFERRAL_UNDER_WAY and "start" not in period:
            period["start"] = change.changed_at.isoformat()
        if change.to_status in REFERRAL_ENDED:
            period["end"] = change.changed_at.isoformat()
    return period


def task_resource(referral):
    """Where a referral stands (``patient`` and ``status_changes`` loaded): FHIR's task status, the
    app's own as businessStatus, and the status history as ``executionPeriod``."""
    status = ReferralStatus(referral.status)
    resource = {
        "resourceType": "Task",
        "id": str(referral.pk),
        "meta": {"lastUpdated": referral.updated_at.isoformat()},
        "status": ENTERED_IN_ERROR if _voided(referral) else TASK_STATUS[status],
        "businessStatus": {"coding": [_local_coding("referral-status", status.value, status.label)]},
        "intent": "order",
        "priority": referral.urgency,
        "code": _service_code(referral),
        "focus": {"reference": f"ServiceRequest/{referral.pk}"},
        "for": patient_reference(referral.patient_id),
        "authoredOn": referral.created_at.isoformat(),
        "lastModified": referral.updated_at.isoformat(),
        "restriction": {"period": {"end": referral.due_by.isoformat()}},
    }
    execution_period = _execution_period(referral)
    if execution_period:
        resource["executionPeriod"] = execution_period
    return resource


def care_plan_resource(plan):
    """An exercise plan (``patient`` loaded): its kind and side as categories, the muscle group and
    the prescription as its activity. ``period`` runs from the start to the review while the plan is
    active (the prescription holds until it is reviewed; one past its end is overdue, SPEC §3 rule
    20), to the day it ended after."""
    kind, side, group = PlanKind(plan.kind), PlanSide(plan.side), MuscleGroup(plan.muscle_group)
    voided = _voided(plan)
    end = plan.ended_on if plan.status == PlanStatus.ENDED else plan.review_on
    detail = {
        "code": _muscle_code(plan.muscle_group),
        "status": ENTERED_IN_ERROR if voided else PLAN_ACTIVITY_STATUS[plan.status],
    }
    if plan.prescription:
        detail["description"] = text(plan.prescription)
    return {
        "resourceType": "CarePlan",
        "id": str(plan.pk),
        "meta": {"lastUpdated": plan.updated_at.isoformat()},
        "status": ENTERED_IN_ERROR if voided else CARE_PLAN_STATUS[plan.status],
        "intent": "plan",
        "category": [
            {"coding": [_local_coding("exercise-kind", kind.value, kind.label)]},
            {"coding": [_local_coding("plan-side", side.value, side.label)]},
        ],
        "title": f"{kind.label}: {group.label.lower()}, {side.label.lower()}",
        "subject": patient_reference(plan.patient_id),
        "period": {"start": plan.started_on.isoformat(), "end": end.isoformat()},
        "created": plan.created_at.isoformat(),
        "activity": [{"detail": detail}],
    }


def medication_statement_status(event):
    """A stop is stopped; of the rest, the drug's latest event (``is_latest``, annotated) is
    active and one since superseded completed (SPEC §2: the current medications)."""
    if event.event == MedicationEventKind.STOP:
        return "stopped"
    return "active" if event.is_latest else "completed"


def medication_statement_resource(event):
    """A medication event (``patient`` loaded, ``is_latest`` annotated): the drug, the dose, and
    what the event did."""
    drug, kind = Drug(event.drug), MedicationEventKind(event.event)
    resource = {
        "resourceType": "MedicationStatement",
        "id": str(event.pk),
        "meta": {"lastUpdated": event.updated_at.isoformat()},
        "status": ENTERED_IN_ERROR if _voided(event) else medication_statement_status(event),
        "statusReason": [{"coding": [_local_coding("medication-event", kind.value, kind.label)]}],
        "medicationCodeableConcept": {
            "coding": [_local_coding("drug", drug.value, drug.label)],
            "text": text(event.drug_name) if drug == Drug.OTHER else drug.label,
        },
        "subject": patient_reference(event.patient_id),
        "effectiveDateTime": event.occurred_on.isoformat(),
        "dateAsserted": event.created_at.isoformat(),
    }
    if event.dose:
        resource["dosage"] = [{"text": text(event.dose)}]
    if event.notes:
        resource["note"] = [{"text": text(event.notes)}]
    return resource
