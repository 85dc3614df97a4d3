"""Odd records, built by hypothesis, each mapped to FHIR and validated: optional fields missing,
records and patients entered in error, free text in any script and as long as the models allow,
and every value of every code the mapping translates (every grade, MAS score, weakness type,
device, referral, plan, drug and fall kind) in every example. Searched, they read back
(tests/fhir/reverse.py) as the database holds them.

Each record type is drawn as rows of columns: a column holds every one of its values at least
once, in an order hypothesis picks, so an example covers every value and hypothesis varies how
they combine."""

import datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from assessments.grades import MASGrade, MRCGrade, MuscleGroup, Side, WeaknessType
from assessments.models import MuscleScore, SpasticityScore
from assessments.selectors import assessment_list
from care.models import (
    SIDED_DEVICE_TYPES,
    ContributingFactor,
    DeviceSide,
    DeviceStatus,
    DeviceType,
    Drug,
    FallLocation,
    Injury,
    MedicationEventKind,
    PlanKind,
    PlanSide,
    PlanStatus,
    ReferralService,
    ReferralStatus,
    Urgency,
)
from fhir_r4 import mapping
from fhir_r4.registry import SERVED
from patients.models import TEXT_MAX_LENGTH, MSType, PatientStatus, Sex, StaffMembership
from patients.services import record_mark_entered_in_error
from tests import factories

from .conftest import every_page
from .reverse import assert_same_records, records_in_database, records_of
from .validate import assert_valid

pytestmark = pytest.mark.django_db

EARLIEST = datetime.date(1900, 1, 1)
LATEST = datetime.date(2026, 11, 30)
MUSCLE_SIDES = [(group, side) for group in MuscleGroup.values for side in Side.values]
# Any character the API lets through: JSON has no lone surrogates, and DRF refuses NUL.
CHARACTERS = st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00")
BOTH = [True, False]


def texts(max_size):
    """Free text: short in any script, or exactly as long as the field allows."""
    short = st.text(CHARACTERS, min_size=1, max_size=min(40, max_size))
    longest = st.text(CHARACTERS, min_size=1, max_size=20).map(
        lambda part: (part * (max_size // len(part) + 1))[:max_size]
    )
    return st.one_of(short, longest)


def dates():
    """A record's date: after every drawn date of birth."""
    return st.dates(datetime.date(1990, 1, 1), LATEST)


def covering(values):
    """Lists holding every one of ``values`` at least once (and up to two more), in any order."""
    values = list(values)
    return st.lists(st.sampled_from(values), max_size=2).flatmap(lambda more: st.permutations(values + more))


def rows(draw, **columns):
    """As many rows as the longest drawn column, each column cycled so that every value appears."""
    drawn = {name: draw(covering(values)) for name, values in columns.items()}
    count = max(map(len, drawn.values()))
    return [{name: values[i % len(values)] for name, values in drawn.items()} for i in range(count)]


def optional(draw, present, strategy, absent=None):
    return draw(strategy) if present else absent


@st.composite
def cohorts(draw):
    """Patients and their records, as plain values for ``build``."""
    patients = [
        {
            **row,
            "given_name": draw(texts(100)),
            "family_name": draw(texts(100)),
            "date_of_birth": draw(st.dates(EARLIEST, datetime.date(1989, 12, 31))),
            "diagnosis_date": optional(draw, row["diagnosed"], dates()),
        }
        for row in rows(
            draw,
            sex=Sex.values,
            ms_type=MSType.values,
            status=PatientStatus.values,
            diagnosed=BOTH,
            in_error=BOTH,
        )
    ]
    whose = range(len(patients))

    assessments = rows(
        draw, patient=whose, in_error=BOTH, edss=BOTH, walk=BOTH, notes=BOTH, every_muscle=BOTH
    )
    for row in assessments:
        row["assessed_on"] = draw(dates())
        row["edss"] = optional(draw, row["edss"], st.sampled_from([Decimal(half) / 2 for half in range(21)]))
        row["walk"] = optional(
            draw, row["walk"], st.decimals(Decimal("1.0"), Decimal("180.0"), places=2, allow_nan=False)
        )
        row["notes"] = optional(draw, row["notes"], texts(TEXT_MAX_LENGTH), absent="")
        graded = draw(st.lists(st.sampled_from(MUSCLE_SIDES), unique=True, max_size=len(MUSCLE_SIDES)))
        row["graded"] = MUSCLE_SIDES if row["every_muscle"] else graded
        # The assessments grading every muscle-side take the spasticity of six or more, so that every score fits.
        row["spastic"] = draw(
            st.lists(
                st.sampled_from(MUSCLE_SIDES),
                unique=True,
                min_size=len(MASGrade) if row["every_muscle"] else 0,
                max_size=len(MUSCLE_SIDES),
            )
        )
    scores = sum(len(row["graded"]) for row in assessments)
    spasticity = sum(len(row["spastic"]) for row in assessments)
    grades = draw(st.permutations(list(MRCGrade) * (scores // len(MRCGrade) + 1)))[:scores]
    weakness = draw(st.permutations(WeaknessType.values * (scores // len(WeaknessType) + 1)))[:scores]
    mas = draw(st.permutations(list(MASGrade) * (spasticity // len(MASGrade) + 1)))[:spasticity]

    falls = rows(
        draw,
        patient=whose,
        in_error=BOTH,
        near_fall=BOTH,
        injury=Injury.values,
        location=FallLocation.values,
    )
    for row in falls:
        row["occurred_at"] = draw(
            st.datetimes(
                datetime.datetime(1990, 1, 1),
                datetime.datetime(2026, 11, 30),
                timezones=st.just(datetime.UTC),
            )
        )
        row["notes"] = draw(st.one_of(st.just(""), texts(TEXT_MAX_LENGTH)))
        row["activity"] = draw(st.one_of(st.just(""), texts(200)))
        row["contributing_factors"] = draw(st.lists(st.sampled_from(ContributingFactor.values), unique=True))

    devices = rows(
        draw,
        patient=whose,
        in_error=BOTH,
        device_type=DeviceType.values,
        status=DeviceStatus.values,
        side=DeviceSide.values,
        reason=BOTH,
    )
    for row in devices:
        if row["side"] == DeviceSide.NA and row["device_type"] in SIDED_DEVICE_TYPES:
            # An AFO or FES has a side: trade with a device that may go without, keeping every side in.
            other = next(
                other
                for other in devices
                if other["device_type"] not in SIDED_DEVICE_TYPES and other["side"] != DeviceSide.NA
            )
            row["side"], other["side"] = other["side"], row["side"]
        row["prescribed_on"] = draw(dates())
        row["reason"] = optional(draw, row["reason"], texts(TEXT_MAX_LENGTH), absent="")
        row["days_used"] = draw(st.integers(0, 4000))

    referrals = rows(
        draw,
        patient=whose,
        in_error=BOTH,
        to_service=ReferralService.values,
        status=ReferralStatus.values,
        urgency=Urgency.values,
    )
    for row in referrals:
        row["referred_on"] = draw(dates())
        row["reason"] = draw(texts(TEXT_MAX_LENGTH))

    plans = rows(
        draw,
        patient=whose,
        in_error=BOTH,
        kind=PlanKind.values,
        side=PlanSide.values,
        status=PlanStatus.values,
        muscle_group=MuscleGroup.values,
        prescription=BOTH,
    )
    for row in plans:
        row["started_on"] = draw(dates())
        row["prescription"] = optional(draw, row["prescription"], texts(TEXT_MAX_LENGTH), absent="")
        row["days_followed"] = draw(st.integers(0, 400))

    medications = rows(
        draw,
        patient=whose,
        in_error=BOTH,
        drug=Drug.values,
        event=MedicationEventKind.values,
        dose=BOTH,
        notes=BOTH,
    )
    for row in medications:
        row["occurred_on"] = draw(dates())
        row["drug_name"] = draw(texts(200)) if row["drug"] == Drug.OTHER else ""
        row["dose"] = optional(draw, row["dose"], texts(200), absent="")
        row["notes"] = optional(draw, row["notes"], texts(TEXT_MAX_LENGTH), absent="")

    return {
        "patients": patients,
        "assessments": assessments,
        "grades": grades,
        "weakness": weakness,
        "mas": mas,
        "falls": falls,
        "devices": devices,
        "referrals": referrals,
        "plans": plans,
        "medications": medications,
    }


def build(cohort, clinic, clerk):
    """Save ``cohort`` through the factories and the entered-in-error service: ``{FHIR type:
    [record as saved]}``."""
    patients = [
        factories.PatientFactory(
            clinic=clinic,
            given_name=row["given_name"],
            family_name=row["family_name"],
            date_of_birth=row["date_of_birth"],
            sex=row["sex"],
            ms_type=row["ms_type"],
            diagnosis_date=row["diagnosis_date"],
            status=row["status"],
        )
        for row in cohort["patients"]
    ]
    built = {name: [] for name in SERVED if name != "CodeSystem"}
    saved = []

    def keep(resource_types, record, row):
        saved.append((record, row))
        for name in resource_types:
            built[name].append(record)

    grades, weakness, mas = iter(cohort["grades"]), iter(cohort["weakness"]), iter(cohort["mas"])
    for row in cohort["assessments"]:
        assessment = factories.AssessmentFactory(
            patient=patients[row["patient"]],
            assessed_on=row["assessed_on"],
            assessor=clerk,
            edss=row["edss"],
            timed_25ft_walk_seconds=row["walk"],
            notes=row["notes"],
        )
        MuscleScore.objects.bulk_create(
            MuscleScore(
                assessment=assessment,
                muscle_group=group,
                side=side,
                grade=next(grades),
                weakness_type=next(weakness),
            )
            for group, side in row["graded"]
        )
        SpasticityScore.objects.bulk_create(
            SpasticityScore(assessment=assessment, muscle_group=group, side=side, mas=next(mas))
            for group, side in row["spastic"]
        )
        keep(["Observation"], assessment, row)
    for row in cohort["falls"]:
        fall = factories.FallFactory(
            patient=patients[row["patient"]],
            recorded_by=clerk,
            **{
                name: row[name]
                for name in (
                    "occurred_at",
                    "near_fall",
                    "injury",
                    "location",
                    "activity",
                    "notes",
                    "contributing_factors",
                )
            },
        )
        keep(["AdverseEvent"], fall, row)
    for row in cohort["devices"]:
        discontinued = row["status"] == DeviceStatus.DISCONTINUED
        device = factories.DeviceFactory(
            patient=patients[row["patient"]],
            prescribed_by=clerk,
            discontinued_on=row["prescribed_on"] + datetime.timedelta(days=row["days_used"])
            if discontinued
            else None,
            **{name: row[name] for name in ("device_type", "side", "status", "prescribed_on", "reason")},
        )
        keep(["DeviceRequest"], device, row)
    for row in cohort["referrals"]:
        referral = factories.ReferralFactory(
            patient=patients[row["patient"]],
            created_by=clerk,
            **{name: row[name] for name in ("to_service", "status", "urgency", "referred_on", "reason")},
        )
        keep(["ServiceRequest", "Task"], referral, row)
    for row in cohort["plans"]:
        ended = row["status"] == PlanStatus.ENDED
        plan = factories.PlanFactory(
            patient=patients[row["patient"]],
            prescribed_by=clerk,
            ended_on=row["started_on"] + datetime.timedelta(days=row["days_followed"]) if ended else None,
            **{
                name: row[name]
                for name in ("kind", "side", "status", "muscle_group", "prescription", "started_on")
            },
        )
        keep(["CarePlan"], plan, row)
    for row in cohort["medications"]:
        event = factories.MedicationFactory(
            patient=patients[row["patient"]],
            recorded_by=clerk,
            **{name: row[name] for name in ("drug", "drug_name", "event", "dose", "notes", "occurred_on")},
        )
        keep(["MedicationStatement"], event, row)

    for record, row in saved + list(zip(patients, cohort["patients"], strict=True)):
        if row["in_error"]:
            record_mark_entered_in_error(record=record, by=clerk, reason="Entered for the wrong patient")
    built["Patient"] = built["Condition"] = patients
    return {
        name: [record.__class__.objects.get(pk=record.pk) for record in records]
        for name, records in built.items()
    }


def resources_of(resource_type, record, user):
    """The record's resources as the registry reads them (an assessment: all its Observations)."""
    if resource_type == "Observation":
        return mapping.assessment_observations(
            assessment_list(user).select_related("patient").get(pk=record.pk)
        )
    resource_id = mapping.condition_id(record.pk) if resource_type == "Condition" else str(record.pk)
    resource, _ = SERVED[resource_type].read(user, resource_id)
    return [resource]


def marked_entered_in_error(resource):
    tags = {tag["code"] for tag in resource["meta"].get("tag", [])}
    verification = {coding["code"] for coding in resource.get("verificationStatus", {}).get("coding", [])}
    return mapping.ENTERED_IN_ERROR in {resource.get("status"), *tags, *verification}


# Each search's parameter for "these patients".
PATIENTS_PARAM = {"Patient": "_id", "AdverseEvent": "subject"}
# The free text of each kind of record, served with odd whitespace as plain spaces (mapping.text).
TEXT_FIELDS = {
    "patient": ("mrn", "given_name", "family_name"),
    "assessment": ("notes",),
    "device": ("reason",),
    "referral": ("reason",),
    "plan": ("prescription",),
    "medication": ("drug_name", "dose"),
}


def as_served(records):
    return {
        kind: {
            record._replace(
                **{name: mapping.text(getattr(record, name)) for name in TEXT_FIELDS.get(kind, ())}
            )
            for record in of_kind
        }
        for kind, of_kind in records.items()
    }


# No shrinking: an example is a few hundred records, shrinking one takes minutes, and the
# validator's message already names the resource, the element and the offending value.
@settings(
    max_examples=8,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(cohort=cohorts())
def test_odd_records_map_to_valid_fhir_marked_when_in_error_searched_as_read_and_read_back(
    cohort, nora, nora_api
):
    # A clinic of the example's own, so that the database's records are the example's alone.
    clinic = factories.ClinicFactory()
    StaffMembership.objects.create(user=nora, clinic=clinic)
    built = build(cohort, clinic, nora)
    served = []
    patient_ids = ",".join(str(patient.pk) for patient in built["Patient"])
    for resource_type, records in built.items():
        listable = {}
        for record in records:
            resources = resources_of(resource_type, record, nora)
            for resource in resources:
                assert_valid(resource)
            # A patient entered in error takes every record along.
            voided = record.entered_in_error or record.patient_record.entered_in_error
            assert all(marked_entered_in_error(resource) == voided for resource in resources), resources
            if not voided:
                listable.update((resource["id"], resource) for resource in resources)
        searched = every_page(
            nora_api, f"{resource_type}?{PATIENTS_PARAM.get(resource_type, 'patient')}={patient_ids}"
        )
        assert {resource["id"]: resource for resource in searched} == listable
        served += searched
    assert_same_records(records_of(served), as_served(records_in_database([clinic.pk])))
