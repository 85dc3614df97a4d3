"""A realistic synthetic demo cohort: two clinics, their staff and ~60 patients.

Deterministic (a fixed random seed) and idempotent: patients are keyed by MRN, so a second
run finds everything in place and creates nothing. Dates are relative to the day of the first
run, so the cohort always has recent, due and overdue follow-ups.
"""

import random
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from assessments.grades import MRCGrade, MuscleGroup, Side, WeaknessType
from assessments.models import Assessment, MuscleScore
from care.models import DevicePrescription, DeviceType, FallEvent, Referral, ReferralStatusChange
from clinical_rules.findings import findings_record
from patients.models import Clinic, MSType, Patient, Role, Sex
from patients.services import staff_add

CLINICS = {"north": "North MS Strength Clinic", "south": "South MS Strength Clinic"}
PATIENTS_PER_CLINIC = 30
GIVEN_NAMES = [
    "Aisha", "Ben", "Carla", "Dev", "Elena", "Finn", "Grace", "Hamid", "Ines", "Jonah",
    "Kirsty", "Liam", "Maya", "Niall", "Olu", "Priya", "Quinn", "Rosa", "Sam", "Tessa",
]  # fmt: skip
FAMILY_NAMES = [
    "Adams", "Bello", "Campbell", "Dunn", "Evans", "Fraser", "Gill", "Hughes", "Iqbal", "Jones",
    "Khan", "Lloyd", "Murray", "Nolan", "Owen", "Patel", "Reid", "Shaw", "Turner", "Walsh",
]  # fmt: skip
LEG_GROUPS = [
    MuscleGroup.HIP_FLEXION,
    MuscleGroup.KNEE_EXTENSION,
    MuscleGroup.ANKLE_DORSIFLEXION,
    MuscleGroup.ANKLE_PLANTARFLEXION,
]
GRADES = sorted(MRCGrade)
# One patient's leg slides slowly, a third of a grade at each of 8 visits: never a whole grade
# from one visit to the next (SPEC §3 rule 1 stays quiet), yet a whole grade or more below the
# best of the year before the latest (rule 11). The patient of issue 12, N100007.
SLOW_SLIDE = ("north", 6)
SLOW_SLIDE_VISITS = 8


def _grade_at(thirds):
    """The scale grade nearest at or below ``thirds`` (the scale has no 1+ or 1-)."""
    return max(g for g in GRADES if g.value <= max(0, min(15, thirds)))


def seed_demo(*, today=None):
    """Create the demo clinics, staff and cohort; returns how many patients were created."""
    today = today or timezone.localdate()
    rng = random.Random(2026)
    staff = _seed_staff()
    created = 0
    for clinic_code, clinic_name in CLINICS.items():
        clinic, _ = Clinic.objects.get_or_create(code=clinic_code, defaults={"name": clinic_name})
        for n in range(PATIENTS_PER_CLINIC):
            # Draw from the generator for every patient, so each one's data is the same
            # whether or not the others already exist.
            patient_rng = random.Random(rng.random())
            mrn = f"{clinic_code[0].upper()}{100001 + n}"
            if not Patient.objects.filter(clinic=clinic, mrn=mrn).exists():
                _seed_patient(clinic, mrn, n, staff[clinic_code], patient_rng, today)
                created += 1
    return created


def _seed_staff():
    password = settings.DEMO_PASSWORD
    return {
        code: {
            role: staff_add(
                username=f"{role.value}_{code}",
                role=role,
                clinic_code=code,
                password=password,
                email=f"{role.value}_{code}@clinic.example",
            )
            for role in Role
        }
        for code in _ensure_clinics()
    }


def _ensure_clinics():
    for code, name in CLINICS.items():
        Clinic.objects.get_or_create(code=code, defaults={"name": name})
    return list(CLINICS)


@transaction.atomic
def _seed_patient(clinic, mrn, n, staff, rng, today):
    nurse, physio = staff[Role.NURSE], staff[Role.PHYSIO]
    first_seen = today - timedelta(days=rng.randint(400, 730))
    patient = Patient.objects.create(
        clinic=clinic,
        mrn=mrn,
        given_name=GIVEN_NAMES[(n * 7 + len(clinic.code)) % len(GIVEN_NAMES)],
        family_name=FAMILY_NAMES[(n * 3 + 5 * len(clinic.code)) % len(FAMILY_NAMES)],
        date_of_birth=today - timedelta(days=365 * rng.randint(24, 72) + rng.randint(0, 364)),
        sex=rng.choice([Sex.FEMALE, Sex.FEMALE, Sex.FEMALE, Sex.MALE, Sex.OTHER]),
        ms_type=rng.choice([MSType.RRMS, MSType.RRMS, MSType.SPMS, MSType.PPMS, MSType.CIS, MSType.UNKNOWN]),
        diagnosis_date=first_seen - timedelta(days=rng.randint(200, 4000)),
        status=Patient.Status.DISCHARGED if n % 13 == 12 else Patient.Status.ACTIVE,
        reassessment_interval_weeks=rng.choice([8, 12, 12, 12, 16, 26]),
    )
    Patient.objects.filter(pk=patient.pk).update(
        created_at=timezone.make_aware(datetime.combine(first_seen, time(9)))
    )

    declining = n % 3 == 0  # a third of the cohort loses strength in one leg
    slow_slide = (clinic.code, n) == SLOW_SLIDE
    # Every sixth patient is the typical case: left foot drop getting worse, and falling.
    weak_side = Side.LEFT if n % 6 == 0 else rng.choice(list(Side))
    baseline = {(group, side): rng.choice([11, 12, 12, 13, 15, 15]) for group in MuscleGroup for side in Side}
    if n % 4 == 0:  # foot drop: weak ankle dorsiflexion on one side
        baseline[(MuscleGroup.ANKLE_DORSIFLEXION, weak_side)] = rng.choice([8, 9, 10])
    weakness = {item: WeaknessType.UNKNOWN for item in baseline}

    visits = SLOW_SLIDE_VISITS if slow_slide else rng.randint(2, 8)
    # Most patients were seen recently; every fifth is overdue for reassessment.
    last_visit = today - timedelta(days=rng.randint(200, 300) if n % 5 == 0 else rng.randint(0, 70))
    span = (last_visit - first_seen).days
    visit_days = sorted({first_seen + timedelta(days=span * i // max(visits - 1, 1)) for i in range(visits)})
    walk = rng.uniform(5.0, 9.0)
    for index, visit_day in enumerate(visit_days):
        if index == 1:  # the physio has classified the weakness by the second visit
            weakness = {
                item: rng.choice([WeaknessType.PRIMARY, WeaknessType.SECONDARY, WeaknessType.MIXED])
                for item in baseline
            }
        if slow_slide:
            decline = index
            edss = 4 if index % 2 == 0 else None  # steady: the slide is in the leg alone
        else:
            # A slow slide, then at the latest visit a drop of a whole grade or more (SPEC §3 rule 1).
            slide = min(2 * index, 4) + (3 if index == len(visit_days) - 1 else 0)
            decline = slide if declining else 0
            edss = rng.choice([2, 2.5, 3, 3.5, 4, 4.5, 6]) if index % 2 == 0 else None
        assessment = Assessment.objects.create(
            patient=patient,
            assessed_on=visit_day,
            assessor=physio if index % 2 else nurse,
            edss=edss,
            timed_25ft_walk_seconds=round(
                walk * (1 + (0.12 * index if declining else rng.uniform(-0.05, 0.05))), 2
            ),
            notes="Demo assessment.",
        )
        MuscleScore.objects.bulk_create(
            MuscleScore(
                assessment=assessment,
                muscle_group=group,
                side=side,
                grade=_grade_at(thirds - (decline if side == weak_side and group in LEG_GROUPS else 0)),
                weakness_type=weakness[(group, side)],
            )
            for (group, side), thirds in baseline.items()
            # Some clinics grade the arms only when there is a complaint.
            if index == 0 or group in LEG_GROUPS or n % 6 != 1
        )

    findings_record(patient)
    _seed_falls(patient, nurse, n, rng, today)
    _seed_devices(patient, physio, weak_side, n, rng, today)
    _seed_referrals(patient, nurse, physio, n, rng, today)
    return patient


def _seed_falls(patient, nurse, n, rng, today):
    recent = {0: 2, 1: 1, 3: 3}.get(n % 6, 0)  # falls in the last six months
    dates = [today - timedelta(days=rng.randint(1, 170)) for _ in range(recent)]
    dates += [today - timedelta(days=rng.randint(190, 700)) for _ in range(rng.randint(0, 3))]
    for index, day in enumerate(dates):
        FallEvent.objects.create(
            patient=patient,
            occurred_at=timezone.make_aware(
                datetime.combine(day, time(rng.randint(7, 21), rng.choice([0, 30])))
            ),
            near_fall=index % 4 == 3,
            injury=rng.choice(
                ["none", "none", "minor", "moderate", "severe"] if n % 7 == 0 else ["none", "minor"]
            ),
            location=rng.choice(["home", "home", "outdoors", "community"]),
            activity=rng.choice(
                ["walking to the bathroom", "climbing stairs", "getting out of bed", "shopping"]
            ),
            device_in_use=rng.choice(["none", "none", "cane"]),
            contributing_factors=rng.sample(["fatigue", "heat", "weakness", "balance", "bladder_urgency"], 2),
            medical_attention=index % 5 == 4,
            recorded_by=nurse,
        )


def _seed_devices(patient, physio, weak_side, n, rng, today):
    if n % 4 == 0:
        prescribed = today - timedelta(days=rng.randint(60, 400))
        DevicePrescription.objects.create(
            patient=patient,
            device_type=DeviceType.AFO,
            side=weak_side,
            prescribed_on=prescribed,
            prescribed_by=physio,
            reason="Foot drop: weak ankle dorsiflexion.",
            review_due_on=today + timedelta(days=rng.choice([-20, 3, 40, 120])),
        )
    if n % 5 == 2:
        prescribed = today - timedelta(days=rng.randint(200, 500))
        discontinued = n % 10 == 2
        DevicePrescription.objects.create(
            patient=patient,
            device_type=rng.choice([DeviceType.CANE, DeviceType.ROLLATOR, DeviceType.GRAB_RAIL]),
            side=DevicePrescription.Side.NA,
            prescribed_on=prescribed,
            prescribed_by=physio,
            reason="Balance and fatigue on longer walks.",
            review_due_on=prescribed + timedelta(days=180),
            status=DevicePrescription.Status.DISCONTINUED
            if discontinued
            else DevicePrescription.Status.ACTIVE,
            discontinued_on=prescribed + timedelta(days=150) if discontinued else None,
        )


# Each status reached by walking the allowed path from draft.
_PATHS = [
    ["draft"],
    ["draft", "sent"],
    ["draft", "sent", "accepted"],
    ["draft", "sent", "accepted", "seen"],
    ["draft", "sent", "accepted", "seen", "closed"],
    ["draft", "sent", "declined"],
    ["draft", "cancelled"],
]


def _seed_referrals(patient, nurse, physio, n, rng, today):
    if n % 2:
        return
    path = _PATHS[(n // 2) % len(_PATHS)]
    referred_on = today - timedelta(days=rng.randint(5, 90))
    referral = Referral.objects.create(
        patient=patient,
        to_service=rng.choice(
            ["physiotherapy", "orthotics", "occupational_therapy", "continence", "neurology"]
        ),
        reason="Progressive leg weakness and falls." if n % 3 == 0 else "Review of mobility and fatigue.",
        urgency="urgent" if n % 4 == 0 else "routine",
        referred_on=referred_on,
        created_by=nurse,
        status=path[-1],
    )
    previous = ""
    for status in path:
        ReferralStatusChange.objects.create(
            referral=referral,
            from_status=previous,
            to_status=status,
            changed_by=physio if previous else nurse,
        )
        previous = status
