"""A realistic synthetic demo cohort: two clinics, their staff and ~60 patients.

Deterministic (a fixed random seed) and idempotent: patients are keyed by MRN, so a second
run finds everything in place and creates nothing. Dates are relative to the day of the first
run, so the cohort always has recent, due and overdue follow-ups.

Each patient has a ``Story``: what the rules of SPEC §3 are meant to find in their records
(a declining leg, a worsening EDSS, a reviewed decline); the rest of their course is steady
within the usual variation between visits, so that no rule fires from noise.
"""

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from assessments.grades import MASGrade, MRCGrade, MuscleGroup, Side, WeaknessType
from assessments.models import Assessment, MuscleScore, SpasticityScore, TrendReview
from assessments.services import trend_review_record
from care.models import (
    DevicePrescription,
    DeviceType,
    Drug,
    ExercisePlan,
    FallEvent,
    FallSource,
    Injury,
    MedicationEvent,
    MedicationEventKind,
    PlanKind,
    PlanSide,
    PlanStatus,
    Referral,
    ReferralStatusChange,
)
from care.services import fall_record
from clinical_rules.findings import findings_record
from clinical_rules.rules import edss_worsening_step
from diary.models import DiaryEntry, DiaryLink
from diary.selectors import diary_plans
from diary.services import diary_link_issue
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
# Issue 13. Two declining patients had their spasticity drug raised a few weeks before the visit
# that found the decline (SPEC §3 rule 16): N100016 and S100016.
DOSE_RAISED_BEFORE_DECLINE = {("north", 15): Drug.BACLOFEN, ("south", 15): Drug.TIZANIDINE}
# One patient's calf is stiffer at the latest visit, a step up on the Modified Ashworth Scale
# after the baclofen was lowered (rule 15): N100012.
SPASTICITY_RISES = ("north", 11)
# One patient was given progressive resistance exercise for the foot drop, which is primary
# weakness (rule 17: resistance to fatigue can worsen it): N100009.
RESISTANCE_ON_PRIMARY_WEAKNESS = ("north", 8)
# SPEC §7: the patients who keep a diary (a month of it, most days), and the one whose diary
# holds two falls the clinic had not heard of (no fall recorded at the clinic in six months).
DIARY_KEEPERS = {("north", 1), ("north", 5), ("north", 9), ("south", 1)}
DIARY_FALLS_UNKNOWN_TO_CLINIC = ("north", 5)
DIARY_DAYS = 30
# A leg that weakens over the visits starts with its ankle dorsiflexion no better than 4, so that
# even the shortest decline ends in a foot drop (rule 19).
DECLINING_ANKLE_AT_MOST = 12
# The Modified Ashworth steps recorded in the weak leg of those on a spasticity drug.
USUAL_SPASTICITY = {
    MuscleGroup.KNEE_FLEXION: MASGrade.MAS1,
    MuscleGroup.ANKLE_PLANTARFLEXION: MASGrade.MAS1_PLUS,
}

# Those who lose strength are mostly in the progressive phase of MS.
MS_TYPES = [MSType.RRMS] * 3 + [MSType.SPMS, MSType.PPMS, MSType.CIS, MSType.CIS, MSType.UNKNOWN]
MS_TYPES_LOSING_STRENGTH = [MSType.SPMS, MSType.SPMS, MSType.PPMS, MSType.PPMS, MSType.RRMS, MSType.UNKNOWN]
# The EDSS a patient comes to the clinic with, by MS type (6.0: walks with a stick).
EDSS_AT_FIRST_VISIT = {
    MSType.CIS: ["1.0", "1.5", "2.0"],
    MSType.RRMS: ["1.5", "2.0", "2.5", "3.0", "3.5"],
    MSType.SPMS: ["4.0", "4.5", "5.5", "6.0", "6.5"],
    MSType.PPMS: ["3.5", "4.0", "4.5", "6.0", "6.5"],
    MSType.UNKNOWN: ["2.0", "2.5", "3.0", "3.5"],
}
HALF_STEP = Decimal("0.5")
# Up to 5.5 a half step between visits is within the scale's rater variation (rule 14 wants a
# whole step); from 6.0 on half a step is a real loss, so a steady course rises no further.
EDSS_VARIES_UP_TO = Decimal("5.5")
# The physio classifies a patient's weakness once, at the second visit, and it stays. Weakness
# in progressive MS is mostly the disease's own (primary); in relapsing MS more often from
# disuse (secondary), and after a single episode (CIS) secondary; a few have both (mixed).
WEAKNESS_BY_MS_TYPE = {
    MSType.PPMS: [WeaknessType.PRIMARY] * 7 + [WeaknessType.MIXED],
    MSType.SPMS: [WeaknessType.PRIMARY] * 7 + [WeaknessType.MIXED],
    MSType.RRMS: [WeaknessType.SECONDARY] * 4 + [WeaknessType.PRIMARY] * 3 + [WeaknessType.MIXED],
    MSType.CIS: [WeaknessType.SECONDARY],
    MSType.UNKNOWN: [WeaknessType.PRIMARY, WeaknessType.SECONDARY] * 2 + [WeaknessType.MIXED],
}
CLASSIFIED_AT_VISIT = 1


def _grade_at(thirds):
    """The scale grade nearest at or below ``thirds`` (the scale has no 1+ or 1-)."""
    return max(g for g in GRADES if g.value <= max(0, min(15, thirds)))


@dataclass(frozen=True)
class Story:
    """What one demo patient is there to show: the patient ``number`` (from 0) of a clinic."""

    clinic_code: str
    number: int

    @property
    def mrn(self):
        return f"{self.clinic_code[0].upper()}{100001 + self.number}"

    @property
    def key(self):
        return (self.clinic_code, self.number)

    @property
    def slow_slide(self):
        return self.key == SLOW_SLIDE

    @property
    def declining(self):
        """A third of the cohort: one leg weakens over the visits, then drops a whole grade or
        more at the latest (rule 1); the EDSS creeps up by half steps."""
        return self.number % 3 == 0 and not self.slow_slide

    @property
    def worsens(self):
        """Some of the declining are worse all round at the latest visit: a step up on the EDSS
        (rule 14) and a timed walk a quarter slower or more (rule 9). No one else is."""
        return self.declining and self.number % 9 == 0

    @property
    def reviewed_earlier(self):
        """A clinician reviewed the findings of an assessment that is no longer the latest."""
        return self.number % 4 == 3

    @property
    def reviewed_latest(self):
        """A physio has reviewed the latest assessment's decline: no strength review is due."""
        return self.declining and self.number % 9 == 3

    @property
    def antispasticity_drug(self):
        """The spasticity drug the patient takes or took, if any: every fifth patient is on
        baclofen or tizanidine, as are the two whose dose was raised before a decline."""
        if self.key in DOSE_RAISED_BEFORE_DECLINE:
            return DOSE_RAISED_BEFORE_DECLINE[self.key]
        if self.number % 5 == 1:
            return Drug.BACLOFEN if self.number % 2 else Drug.TIZANIDINE
        return None

    @property
    def dose_raised_before_decline(self):
        """The drug was raised between the last two visits, and the latest found a decline (rule 16)."""
        return self.key in DOSE_RAISED_BEFORE_DECLINE

    @property
    def dose_lowered(self):
        """Baclofen was lowered between the last two visits: a decrease is never a finding."""
        return self.antispasticity_drug == Drug.BACLOFEN and self.number % 10 == 1

    @property
    def stopped_antispasticity(self):
        """Tizanidine made the patient drowsy and was stopped before the last two visits."""
        return self.antispasticity_drug == Drug.TIZANIDINE and not self.dose_raised_before_decline

    @property
    def started_fampridine(self):
        """Fampridine (for walking) started between the last two visits: never a finding of rule 16,
        even in those who declined."""
        return self.number % 7 == 3

    @property
    def spasticity_rises(self):
        """The only one whose spasticity is a step higher at the latest visit (rule 15)."""
        return self.key == SPASTICITY_RISES

    @property
    def foot_drop(self):
        """Ankle dorsiflexion of the weak leg at 3 or below at the latest visit (rule 19): every
        fourth patient from the start, and those whose leg weakens by the end."""
        return self.wears_afo or self.declining or self.slow_slide

    @property
    def wears_afo(self):
        """Every fourth patient has had a foot drop from the start and wears an AFO on that side."""
        return self.number % 4 == 0

    @property
    def keeps_diary(self):
        return self.key in DIARY_KEEPERS

    @property
    def diary_falls_unknown_to_clinic(self):
        return self.key == DIARY_FALLS_UNKNOWN_TO_CLINIC

    @property
    def resistance_on_primary_weakness(self):
        """An active progressive resistance plan for a muscle with primary weakness (rule 17)."""
        return self.key == RESISTANCE_ON_PRIMARY_WEAKNESS


def demo_stories():
    """Every demo patient's story, clinic by clinic."""
    return [Story(code, number) for code in CLINICS for number in range(PATIENTS_PER_CLINIC)]


def seed_demo(*, today=None):
    """Create the demo clinics, staff and cohort; returns how many patients were created."""
    today = today or timezone.localdate()
    rng = random.Random(2026)
    staff = _seed_staff()
    clinics = Clinic.objects.in_bulk(list(CLINICS), field_name="code")
    created = 0
    for story in demo_stories():
        # Draw from the generator for every patient, so each one's data is the same whether
        # or not the others already exist.
        patient_rng = random.Random(rng.random())
        clinic = clinics[story.clinic_code]
        if not Patient.objects.filter(clinic=clinic, mrn=story.mrn).exists():
            _seed_patient(clinic, story, staff[story.clinic_code], patient_rng, today)
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


def _moment(day, hour, minute=0):
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@transaction.atomic
def _seed_patient(clinic, story, staff, rng, today):
    n = story.number
    nurse, physio = staff[Role.NURSE], staff[Role.PHYSIO]
    first_seen = today - timedelta(days=rng.randint(400, 730))
    ms_type = rng.choice(MS_TYPES_LOSING_STRENGTH if story.declining or story.slow_slide else MS_TYPES)
    patient = Patient.objects.create(
        clinic=clinic,
        mrn=story.mrn,
        given_name=GIVEN_NAMES[(n * 7 + len(clinic.code)) % len(GIVEN_NAMES)],
        family_name=FAMILY_NAMES[(n * 3 + 5 * len(clinic.code)) % len(FAMILY_NAMES)],
        date_of_birth=today - timedelta(days=365 * rng.randint(24, 72) + rng.randint(0, 364)),
        sex=rng.choice([Sex.FEMALE, Sex.FEMALE, Sex.FEMALE, Sex.MALE, Sex.OTHER]),
        ms_type=ms_type,
        diagnosis_date=first_seen - timedelta(days=rng.randint(200, 4000)),
        status=Patient.Status.DISCHARGED if n % 13 == 12 else Patient.Status.ACTIVE,
        reassessment_interval_weeks=rng.choice([8, 12, 12, 12, 16, 26]),
    )
    Patient.objects.filter(pk=patient.pk).update(created_at=_moment(first_seen, 9))

    # Every sixth patient is the typical case: left foot drop getting worse, and falling.
    weak_side = Side.LEFT if n % 6 == 0 else rng.choice(list(Side))
    baseline = {(group, side): rng.choice([11, 12, 12, 13, 15, 15]) for group in MuscleGroup for side in Side}
    foot_drop = (MuscleGroup.ANKLE_DORSIFLEXION, weak_side) if story.wears_afo else None
    if foot_drop:  # weak ankle dorsiflexion on one side
        baseline[foot_drop] = rng.choice([7, 8, 9])
    if story.declining or story.slow_slide:
        weak_ankle = (MuscleGroup.ANKLE_DORSIFLEXION, weak_side)
        baseline[weak_ankle] = min(baseline[weak_ankle], DECLINING_ANKLE_AT_MOST)
    classified = _weakness_types(rng, ms_type, baseline, foot_drop)
    weakness = dict.fromkeys(baseline, WeaknessType.UNKNOWN)

    visits = SLOW_SLIDE_VISITS if story.slow_slide else rng.randint(2, 8)
    # Most patients were seen recently; every fifth is overdue for reassessment.
    last_visit = today - timedelta(days=rng.randint(200, 300) if n % 5 == 0 else rng.randint(0, 70))
    span = (last_visit - first_seen).days
    visit_days = sorted({first_seen + timedelta(days=span * i // max(visits - 1, 1)) for i in range(visits)})
    edss_course = _edss_course(rng, story, ms_type, len(visit_days))
    walk_course = _walk_course(rng, story, edss_course[0], len(visit_days))
    latest = len(visit_days) - 1
    reviewed = set()
    if story.reviewed_earlier:
        reviewed.add((latest - 1) // 2)  # about halfway through
    if story.reviewed_latest:
        reviewed.add(latest)
    for index, visit_day in enumerate(visit_days):
        if index == CLASSIFIED_AT_VISIT:
            weakness = classified
        if story.slow_slide:
            decline = index
        else:
            # A slow slide, then at the latest visit a drop of a whole grade or more (SPEC §3 rule 1).
            slide = min(2 * index, 4) + (3 if index == latest else 0)
            decline = slide if story.declining else 0
        assessment = Assessment.objects.create(
            patient=patient,
            assessed_on=visit_day,
            assessor=physio if index % 2 else nurse,
            edss=edss_course[index],
            timed_25ft_walk_seconds=walk_course[index],
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
        SpasticityScore.objects.bulk_create(
            SpasticityScore(assessment=assessment, muscle_group=group, side=weak_side, mas=mas)
            for group, mas in _spasticity_at(story, index, latest).items()
        )
        if index in reviewed:
            # Recorded now, while this assessment is the latest: the review is of it.
            _seed_review(patient, physio, _review_note(story, index, latest, weak_side), visit_day, rng)

    _seed_falls(patient, nurse, n, rng, today)
    _seed_devices(patient, physio, weak_side, n, rng, today)
    _seed_referrals(patient, nurse, physio, n, rng, today)
    _seed_medications(patient, nurse, story, visit_days, rng)
    _seed_plans(patient, physio, story, weak_side, classified, visit_days, today)
    if story.keeps_diary:
        _seed_diary(patient, nurse, story, rng, today)
    # Once every record is in: medication events (rule 16) and plans (rule 17) count too.
    findings_record(patient)
    return patient


def _spasticity_at(story, index, latest):
    """``{muscle_group: MASGrade}`` of the weak leg at visit ``index``, for those on a spasticity
    drug: steady, except one step up at the previous visit of those whose dose was then raised,
    and at the latest visit of the one whose spasticity rises."""
    if story.antispasticity_drug is None:
        return {}
    raised = (story.dose_raised_before_decline and index >= latest - 1) or (
        story.spasticity_rises and index == latest
    )
    return {
        group: MASGrade(mas + 1) if raised and group == MuscleGroup.ANKLE_PLANTARFLEXION else mas
        for group, mas in USUAL_SPASTICITY.items()
    }


def _weakness_types(rng, ms_type, baseline, foot_drop):
    """Each muscle-side's weakness type once classified: the patient's own type throughout,
    except a foot drop, which in MS is the disease's own (primary) whatever else is weak."""
    dominant = rng.choice(WEAKNESS_BY_MS_TYPE[ms_type])
    weakness = dict.fromkeys(baseline, dominant)
    if foot_drop is not None:
        weakness[foot_drop] = WeaknessType.PRIMARY
    return weakness


def _edss_course(rng, story, ms_type, visits):
    """The EDSS at each visit, or ``None`` where it was not scored (every other visit, and
    always at the latest).

    Steady patients vary by at most half a step; the declining creep up by half steps; only
    those the story says worsen rise by a whole step (half a step from 6.0) at the latest.
    """
    scored = [index for index in range(visits) if index % 2 == 0 or index == visits - 1]
    usual = Decimal(rng.choice(EDSS_AT_FIRST_VISIT[ms_type]))
    scores = []
    for _ in scored:
        if story.declining and scores and usual <= EDSS_VARIES_UP_TO and rng.random() < 0.5:
            usual += HALF_STEP
        varies = not story.declining and usual <= EDSS_VARIES_UP_TO and rng.random() < 0.3
        scores.append(usual + HALF_STEP if varies else usual)
    if story.worsens:
        scores[-1] = scores[-2] + edss_worsening_step(scores[-2])
    by_visit = dict(zip(scored, scores, strict=True))
    return [by_visit.get(index) for index in range(visits)]


def _walk_course(rng, story, first_edss, visits):
    """The timed 25-foot walk in seconds at each visit: slower the higher the EDSS, within 5%
    from visit to visit when steady, 12% of the first time slower per visit when declining,
    and a quarter slower or more at the latest visit of those who worsen."""
    first = rng.uniform(4.5, 6.0) + 2 * max(0.0, float(first_edss) - 3.5)
    times = []
    for index in range(visits):
        if story.worsens and index == visits - 1:
            seconds = times[-1] * rng.uniform(1.25, 1.4)
        elif story.declining or story.slow_slide:
            seconds = first * (1 + 0.12 * index)
        else:
            seconds = first * (1 + rng.uniform(-0.05, 0.05))
        times.append(round(seconds, 2))
    return times


def _review_note(story, index, latest, weak_side):
    leg = f"{weak_side.label.lower()} leg"
    if index == 0:
        return (
            "First assessment reviewed with the patient: baseline strength, timed walk and EDSS on "
            "record. Home exercise programme started; reassessment as booked."
        )
    if index == latest:
        return (
            f"The {leg} is a whole grade weaker since the last visit, knee extension and ankle "
            "alike; no new symptoms of a relapse or an infection. Discussed with the MS nurse: "
            "supervised strengthening with the physiotherapist, and a reassessment in six weeks."
        )
    if story.declining:
        return (
            f"The {leg} is weaker than at the first assessment, though by less than a whole grade "
            "since the last visit; walking a little slower. Home exercises checked and progressed; "
            "recheck the leg at the next visit."
        )
    return (
        "Strength, timed walk and EDSS steady since the last visit. No change to the plan; "
        "next reassessment as booked."
    )


def _seed_review(patient, reviewer, note, assessed_on, rng):
    """A trend review of the patient's latest assessment, made a few days after it (not later
    than now)."""
    review = trend_review_record(patient=patient, by=reviewer, note=note)
    day = assessed_on + timedelta(days=rng.randint(1, 6))
    reviewed_at = min(_moment(day, rng.randint(9, 16), rng.randint(0, 59)), timezone.now())
    # reviewed_at is set on insert (auto_now_add): the demo dates it back to when it was made.
    TrendReview.objects.filter(pk=review.pk).update(reviewed_at=reviewed_at)


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


# Days from one status to the next, the least and the most: a referral is sent within a day
# or two, accepted within a week or so, seen some weeks later, closed after the visit.
DAYS_TO_STATUS = {
    "sent": (0, 2),
    "accepted": (2, 10),
    "seen": (10, 42),
    "closed": (3, 21),
    "declined": (3, 14),
    "cancelled": (1, 10),
}


def _seed_referrals(patient, nurse, physio, n, rng, today):
    if n % 2:
        return
    path = _PATHS[(n // 2) % len(_PATHS)]
    days_between = [rng.randint(*DAYS_TO_STATUS[status]) for status in path[1:]]
    # Far enough back that every move of the path lies in the past.
    referred_on = today - timedelta(days=sum(days_between) + rng.randint(3, 60))
    to_service = rng.choice(["physiotherapy", "orthotics", "occupational_therapy", "continence", "neurology"])
    referral = Referral.objects.create(
        patient=patient,
        # Every clinic's physiotherapy worklist has a sent and an accepted referral to show.
        to_service="physiotherapy" if path[-1] in ("sent", "accepted") and n < 10 else to_service,
        reason="Progressive leg weakness and falls." if n % 3 == 0 else "Review of mobility and fatigue.",
        urgency="urgent" if n % 4 == 0 else "routine",
        referred_on=referred_on,
        created_by=nurse,
        status=path[-1],
    )
    previous, day = "", referred_on
    for index, (status, days) in enumerate(zip(path, [0, *days_between], strict=True)):
        day += timedelta(days=days)
        change = ReferralStatusChange.objects.create(
            referral=referral,
            from_status=previous,
            to_status=status,
            changed_by=physio if previous else nurse,
        )
        # changed_at is set on insert (auto_now_add): the demo dates each move back to its day,
        # an hour later with each move so that moves on the same day keep their order.
        ReferralStatusChange.objects.filter(pk=change.pk).update(
            changed_at=_moment(day, 9 + index, rng.randint(0, 59))
        )
        previous = status


@dataclass(frozen=True)
class Doses:
    started: str
    raised: str
    lowered: str


DOSES = {
    Drug.BACLOFEN: Doses("10 mg three times a day", "20 mg three times a day", "5 mg three times a day"),
    Drug.TIZANIDINE: Doses("2 mg at night", "4 mg three times a day", "2 mg twice a day"),
}
FAMPRIDINE_DOSE = "10 mg twice a day"
# "Shortly before" the latest visit: three weeks before it, or nearer when the visits are closer.
DAYS_BEFORE_LATEST = 21


def _seed_medications(patient, nurse, story, visit_days, rng):
    """The patient's medication events as their story says: a spasticity drug started before the
    first visit, then raised, lowered or stopped; fampridine started for some."""
    previous, latest = visit_days[-2], visit_days[-1]
    # After the previous visit (an event on its day is not "between") and on or before the latest.
    between = latest - timedelta(days=min(DAYS_BEFORE_LATEST, (latest - previous).days - 1))
    events = []
    drug = story.antispasticity_drug
    if drug is not None:
        doses = DOSES[drug]
        started = visit_days[0] - timedelta(days=rng.randint(30, 400))
        events.append(
            (drug, MedicationEventKind.START, started, doses.started, "Stiffness and spasms in the legs.")
        )
        if story.dose_raised_before_decline:
            events.append(
                (drug, MedicationEventKind.INCREASE, between, doses.raised, "Calf stiffer; spasms at night.")
            )
        if story.dose_lowered:
            events.append(
                (drug, MedicationEventKind.DECREASE, between, doses.lowered, "Legs felt heavy and weak.")
            )
        if story.stopped_antispasticity:
            events.append((drug, MedicationEventKind.STOP, previous, "", "Drowsy through the day."))
    if story.started_fampridine:
        events.append(
            (Drug.FAMPRIDINE, MedicationEventKind.START, between, FAMPRIDINE_DOSE, "Walking slower.")
        )
    for drug, event, occurred_on, dose, notes in events:
        MedicationEvent.objects.create(
            patient=patient,
            drug=drug,
            event=event,
            occurred_on=occurred_on,
            dose=dose,
            notes=notes,
            recorded_by=nurse,
        )


STRETCH_CALF = (
    "Calf stretch against a wall, knee straight and then bent: hold 30 seconds, three times each, "
    "twice a day. Wear the AFO for walking."
)
RESIST_ANKLE = (
    "Pull the foot up against a red resistance band: 3 sets of 10, every other day; a stronger "
    "band when 10 are easy."
)
BALANCE_AT_COUNTER = (
    "Standing balance at the kitchen counter, one hand near it: feet together, then one foot in "
    "front of the other, 30 seconds each, three times a day."
)
SIT_TO_STAND_RESISTED = (
    "Sit to stand from a dining chair: 3 sets of 8 to 12, three times a week; hold a 2 kg weight "
    "when 12 are easy."
)
SIT_TO_STAND_EASY = (
    "Sit to stand from a dining chair: 5 times once a day, stopping well before the legs tire; "
    "rest in a cool room if they feel heavy."
)
CYCLING = "Static cycling at an easy pace: 20 minutes, three times a week, in a cool room."
ENDED_AFTER_DAYS = 84


def _seed_diary(patient, nurse, story, rng, today):
    """A month of diary entries, most days: fatigue worse on hot days, the plans done most days;
    and for one patient two falls at home the clinic had not heard of, as the diary records them."""
    link, _secret = diary_link_issue(patient=patient, by=nurse)
    DiaryLink.objects.filter(pk=link.pk).update(issued_at=_moment(today - timedelta(days=DIARY_DAYS), 10))
    plans = list(diary_plans(patient, today))
    tired = rng.randint(2, 6)
    for back in range(DIARY_DAYS - 1, -1, -1):
        day = today - timedelta(days=back)
        if rng.random() < 0.2:  # a day not filled in
            continue
        hot = rng.random() < 0.25
        DiaryEntry.objects.create(
            patient=patient,
            day=day,
            link=link,
            fatigue=min(10, max(0, tired + rng.randint(-1, 2) + (2 if hot else 0))),
            heat_worse=hot,
            spasms=min(10, max(0, tired - 1 + rng.randint(-1, 2))),
            exercises=[
                {"plan": plan.pk, "done": rng.random() < 0.7} for plan in plans if plan.started_on <= day
            ],
        )
    if story.diary_falls_unknown_to_clinic:
        for back, hour, notes, injury in (
            (20, 7, "Legs gave way getting out of bed", Injury.MINOR),
            (9, 18, "Tripped on the doorstep carrying shopping, very tired", Injury.NONE),
        ):
            fall_record(
                patient=patient,
                recorded_by=None,
                source=FallSource.DIARY,
                occurred_at=_moment(today - timedelta(days=back), hour, 15),
                injury=injury,
                notes=notes,
            )


def _seed_plans(patient, physio, story, weak_side, classified, visit_days, today):
    """Exercise plans prescribed at the latest visit, fitting each leg's weakness type, except the
    one story of a resistance plan on primary weakness; discharged patients' plans have ended."""
    plans = []
    if story.wears_afo:
        plans.append((MuscleGroup.ANKLE_PLANTARFLEXION, weak_side, PlanKind.STRETCHING, STRETCH_CALF))
    if story.resistance_on_primary_weakness:
        plans.append(
            (MuscleGroup.ANKLE_DORSIFLEXION, weak_side, PlanKind.PROGRESSIVE_RESISTANCE, RESIST_ANKLE)
        )
    if story.declining:
        plans.append((MuscleGroup.HIP_ABDUCTION, PlanSide.BOTH, PlanKind.BALANCE, BALANCE_AT_COUNTER))
    if story.number % 4 == 1:
        # Both knees share the patient's weakness type: resistance only for disuse weakness.
        if classified[(MuscleGroup.KNEE_EXTENSION, weak_side)] == WeaknessType.SECONDARY:
            plans.append(
                (
                    MuscleGroup.KNEE_EXTENSION,
                    PlanSide.BOTH,
                    PlanKind.PROGRESSIVE_RESISTANCE,
                    SIT_TO_STAND_RESISTED,
                )
            )
        else:
            plans.append((MuscleGroup.KNEE_EXTENSION, PlanSide.BOTH, PlanKind.MAINTENANCE, SIT_TO_STAND_EASY))
    discharged = patient.status == Patient.Status.DISCHARGED
    started_on = visit_days[-1]
    review_on = ExercisePlan.default_review_on(started_on)
    for group, side, kind, prescription in plans:
        ExercisePlan.objects.create(
            patient=patient,
            muscle_group=group,
            side=side,
            kind=kind,
            prescription=prescription,
            started_on=started_on,
            review_on=review_on,
            status=PlanStatus.ENDED if discharged else PlanStatus.ACTIVE,
            ended_on=min(review_on, today) if discharged else None,
            prescribed_by=physio,
        )
    if story.number % 8 == 5:  # an earlier plan, finished
        first = visit_days[0]
        ExercisePlan.objects.create(
            patient=patient,
            muscle_group=MuscleGroup.KNEE_EXTENSION,
            side=PlanSide.BOTH,
            kind=PlanKind.AEROBIC,
            prescription=CYCLING,
            started_on=first,
            review_on=ExercisePlan.default_review_on(first),
            status=PlanStatus.ENDED,
            ended_on=first + timedelta(days=ENDED_AFTER_DAYS),
            prescribed_by=physio,
        )
