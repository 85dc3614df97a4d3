"""A synthetic clinic network at scale, written into PostgreSQL with COPY (psycopg 3).

At ``scale`` 1: 20 clinics, 50,000 patients, 500,000 assessments with 12 scores each (the
six MRC groups on both sides: 6,000,000 scores), spasticity scores on some of them, and the
findings of each, trend reviews of some, 45,000 medication events, 20,000 exercise plans,
150,000 falls and near-falls, 25,000 device prescriptions and 40,000 referrals with
their status history. Rows are generated in Python with a fixed seed and streamed to
``COPY ... FROM STDIN`` as text, a table at a time, with explicit ids so that children can
name their parents without a round trip.

The network is realistic where the queries care: most patients are active and assessed
about every 12 weeks (some every 26 or 52), so a share are overdue; a patient's grades,
EDSS and walking time drift from visit to visit, so a share of assessments show findings
(rules 1, 2, 9, 11–17) and about half of the latest of those have been reviewed; about 30%
of patients have medication events (antispasticity drugs started, raised, lowered and stopped,
fampridine, others), most of those on an antispasticity drug and some others have spasticity
scored at their later visits, a quarter have exercise plans (some ended, some with their
review due); falls cluster on fewer patients; a little of everything is marked entered in error.
"""

import io
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import cached_property
from operator import attrgetter

from django.db import connection

from assessments.grades import MRC_SUM_GROUPS, MASGrade, MRCGrade, MuscleGroup, Side
from care.models import (
    ANTISPASTICITY_DRUGS,
    SIDED_DEVICE_TYPES,
    ContributingFactor,
    DeviceType,
    Drug,
    ExercisePlan,
    FallSource,
    MedicationEventKind,
    PlanKind,
    PlanSide,
    PlanStatus,
    Referral,
    ReferralService,
    ReferralStatus,
)
from clinical_rules.findings import FINDING_FIELDS
from clinical_rules.rules import AssessmentData, MedicationData, PlanData, Score, findings_of_each
from patients.models import Clinic, StaffMembership
from patients.services import staff_add

CLINICS = 20
PER_SCALE = {
    "patients": 50_000,
    "assessments": 500_000,
    "falls": 150_000,
    "devices": 25_000,
    "referrals": 40_000,
    "medication_events": 45_000,
    "exercise_plans": 20_000,
}
SCORES_PER_ASSESSMENT = 12
MS_TYPES = [("RRMS", 55), ("SPMS", 20), ("PPMS", 12), ("CIS", 5), ("unknown", 8)]
INTERVALS = [(12, 80), (26, 15), (52, 5)]
GRADES = list(MRCGrade)
# The MRC items every assessment grades, in the order of their scores' ids.
ITEMS = [(group.value, side.value) for group in MRC_SUM_GROUPS for side in Side]
WEAKNESS_TYPES = ("primary", "secondary", "mixed", "unknown")
# Each visit a muscle-side is graded a step of the scale off its strength this often (up or
# down), and this share of visits finds a few muscle-sides a step or two weaker for good.
GRADE_NOISE = 0.1
WEAKENING_VISITS = 0.06
# Of the assessments whose findings call for review (rule 18): the share of the latest that a
# clinician has reviewed, and of the older ones.
LATEST_REVIEWED = 0.5
OLDER_REVIEWED = 0.3
# Medication events (SPEC §2): the share of patients with any, and each drug's share of the
# drugs started, its dose step and how it is taken. Fampridine has one dose (started or stopped).
MEDICATED_PATIENTS = 0.3
DRUGS = [
    (Drug.BACLOFEN, 35, 5, "mg three times a day"),
    (Drug.TIZANIDINE, 15, 2, "mg three times a day"),
    (Drug.GABAPENTIN, 10, 100, "mg three times a day"),
    (Drug.NABIXIMOLS, 5, 2, "sprays a day"),
    (Drug.BOTULINUM_TOXIN, 5, 100, "units every 12 weeks"),
    (Drug.DANTROLENE, 3, 25, "mg a day"),
    (Drug.DIAZEPAM, 3, 2, "mg at night"),
    (Drug.BACLOFEN_INTRATHECAL, 2, 50, "micrograms a day"),
    (Drug.FAMPRIDINE, 15, 10, "mg twice a day"),
    (Drug.OTHER, 7, 5, "mg a day"),
]
OTHER_DRUG_NAMES = ("Prednisolone", "Amantadine", "Modafinil")
# Of a medicated patient's later events, the share that starts another drug; of the others,
# about a dose change, the share that raises the dose and the share that lowers it (the rest stop).
ANOTHER_DRUG = 0.2
RAISED = 0.45
LOWERED = 0.25
# Exercise plans: the share of patients with any, mostly for a muscle group the MRC items grade.
PLANNED_PATIENTS = 0.25
PLAN_KINDS = [
    (PlanKind.PROGRESSIVE_RESISTANCE, 35),
    (PlanKind.MAINTENANCE, 20),
    (PlanKind.STRETCHING, 20),
    (PlanKind.BALANCE, 15),
    (PlanKind.AEROBIC, 10),
]
PRESCRIPTIONS = {
    PlanKind.PROGRESSIVE_RESISTANCE: "3 sets of 10 at 70% of the one-repetition maximum, twice a week; "
    "add load when 12 come easily",
    PlanKind.MAINTENANCE: "2 sets of 15, three times a week",
    PlanKind.STRETCHING: "Hold 30 seconds, 3 times, daily",
    PlanKind.BALANCE: "10 minutes daily, standing by a support",
    PlanKind.AEROBIC: "20 minutes of cycling, three times a week",
}
ENDED_PLANS = 0.35
# Spasticity (MAS) is scored where it shows in MS: elbow flexors, knee extensors and flexors,
# calf. Most patients on an antispasticity drug have it, a few others too; it is scored from
# some visit on, at most visits after that, each muscle-side creeping up a step now and then.
SPASTIC_ITEMS = [
    (group.value, side.value)
    for group in (
        MuscleGroup.ELBOW_FLEXION,
        MuscleGroup.KNEE_EXTENSION,
        MuscleGroup.KNEE_FLEXION,
        MuscleGroup.ANKLE_PLANTARFLEXION,
    )
    for side in Side
]
SPASTIC_ON_ANTISPASTICITY = 0.7
SPASTIC_OTHERWISE = 0.12
SPASTICITY_SCORED_VISITS = 0.85
SPASTICITY_RISE = 0.07
MAS_GRADES = list(MASGrade)
ERROR_REASON = "Synthetic: entered in error"
PASSWORD = "bench-pass-2026"


def _weighted(rng, choices):
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights)[0]


def expected_counts(scale):
    counts = {name: max(int(n * scale), 1) for name, n in PER_SCALE.items()}
    counts["clinics"] = CLINICS
    counts["scores"] = counts["assessments"] * SCORES_PER_ASSESSMENT
    counts["assessment_findings"] = counts["assessments"]
    return counts


@dataclass
class _Copy:
    """A table's rows as COPY text, written to the server in chunks."""

    cursor: object
    table: str
    columns: tuple
    buffer: io.StringIO = None
    rows: int = 0

    def __enter__(self):
        self._copy = self.cursor.copy(f"COPY {self.table} ({', '.join(self.columns)}) FROM STDIN")
        self._stream = self._copy.__enter__()
        self.buffer = io.StringIO()
        return self

    def row(self, *values):
        self.buffer.write("\t".join(r"\N" if v is None else str(v) for v in values))
        self.buffer.write("\n")
        self.rows += 1
        if self.rows % 50_000 == 0:
            self._flush()

    def _flush(self):
        self._stream.write(self.buffer.getvalue())
        self.buffer = io.StringIO()

    def __exit__(self, *exc):
        if exc[0] is None:
            self._flush()
        return self._copy.__exit__(*exc)


def _moment(day, rng):
    """An aware UTC datetime during the day (clinic hours, roughly)."""
    return datetime.combine(day, time(rng.randint(8, 19), rng.randint(0, 59)), tzinfo=UTC)


def generate(*, scale, today, seed=2026, log=print):
    """Fill the (migrated, empty) database. Returns the counts written."""
    rng = random.Random(seed)
    counts = expected_counts(scale)
    now = datetime.now(UTC)

    clinics = [Clinic.objects.create(code=f"c{n:02d}", name=f"Clinic {n:02d}") for n in range(1, CLINICS + 1)]
    staff = {}
    for clinic in clinics:
        staff[clinic.id] = {
            role: staff_add(
                username=f"{role}_{clinic.code}", role=role, clinic_code=clinic.code, password=PASSWORD
            ).pk
            for role in ("nurse", "physio", "admin")
        }
    # An admin of two clinics (a tenth of the network), for the 10% CSV export.
    two = staff_add(username="admin_two", role="admin", clinic_code=clinics[0].code, password=PASSWORD)
    StaffMembership.objects.create(user=two, clinic=clinics[1])
    error_by = staff[clinics[0].id]["admin"]
    # Issue 13's records (medication events, exercise plans, spasticity) are drawn from a stream
    # of their own: the patients are those version 3 drew. The rest differs from the first trend
    # review that rules 15-17 decide on, since a review is drawn only when a finding calls for it.
    rng13 = random.Random(seed + 13)

    def error_fields(share=0.005, stream=rng):
        if stream.random() < share:
            return now, error_by, ERROR_REASON
        return None, None, ""

    written = {"clinics": len(clinics)}
    with connection.cursor() as cursor:
        # Patients, and each one's assessment history planned backwards from a last visit.
        patients = []  # (id, clinic_id, interval_weeks, active, created_on)
        n_patients = counts["patients"]
        per_patient = _spread(rng, counts["assessments"], n_patients, low=1)
        with _Copy(
            cursor,
            "patients_patient",
            [
                "id",
                "clinic_id",
                "mrn",
                "given_name",
                "family_name",
                "date_of_birth",
                "sex",
                "ms_type",
                "diagnosis_date",
                "status",
                "reassessment_interval_weeks",
                "created_at",
                "updated_at",
                "entered_in_error_at",
                "entered_in_error_by_id",
                "entered_in_error_reason",
            ],
        ) as out:
            visit_dates = []
            for pid in range(1, n_patients + 1):
                clinic = clinics[pid % CLINICS]
                weeks = _weighted(rng, INTERVALS)
                visits = per_patient[pid - 1]
                # The last visit lies within 1.3 intervals: about a quarter are due or overdue.
                last = today - timedelta(days=rng.randint(0, int(weeks * 7 * 1.3)))
                dates = [last]
                for _ in range(visits - 1):
                    dates.append(dates[-1] - timedelta(days=weeks * 7 + rng.randint(-14, 14)))
                dates.reverse()
                created_on = dates[0] - timedelta(days=rng.randint(0, 30))
                born = date(rng.randint(1945, 1995), rng.randint(1, 12), rng.randint(1, 28))
                active = rng.random() < 0.9
                out.row(
                    pid,
                    clinic.id,
                    f"MRN{pid:07d}",
                    f"Given{pid % 997}",
                    f"Family{pid % 1499}",
                    born,
                    rng.choice(("female", "female", "male", "other", "unknown")),
                    _weighted(rng, MS_TYPES),
                    born + timedelta(days=365 * rng.randint(20, 40)) if rng.random() < 0.8 else None,
                    "active" if active else "discharged",
                    weeks,
                    _moment(created_on, rng),
                    now,
                    *error_fields(),
                )
                patients.append((pid, clinic.id, weeks, active, created_on))
                visit_dates.append(dates)
        written["patients"] = out.rows
        log(f"  patients: {out.rows:,}")

        # Medication events and exercise plans come before the assessments: the findings of
        # each assessment depend on them (rules 16 and 17).
        issue13 = {
            "today": today,
            "now": now,
            "staff": staff,
            "error_fields": lambda: error_fields(stream=rng13),
        }
        medications = _medication_events(rng13, patients, counts["medication_events"], **issue13)
        exercise_plans = _exercise_plans(rng13, patients, counts["exercise_plans"], **issue13)
        medication_data = _valid_by_patient(medications, _medication_data)
        plan_data = _valid_by_patient(exercise_plans, _plan_data)

        # Assessments with 12 scores each (the MRC items), grades drifting down slowly. The
        # grades are kept (a byte each) for the scores; each patient's findings and trend
        # reviews are worked out as their assessments are written.
        aid = 0
        grades = bytearray()
        spasticity = []
        findings = []
        reviews = []
        with _Copy(
            cursor,
            "assessments_assessment",
            [
                "id",
                "patient_id",
                "assessed_on",
                "assessor_id",
                "notes",
                "edss",
                "timed_25ft_walk_seconds",
                "created_at",
                "updated_at",
                "entered_in_error_at",
                "entered_in_error_by_id",
                "entered_in_error_reason",
            ],
        ) as out:
            for (pid, clinic_id, _, _, _), dates in zip(patients, visit_dates, strict=True):
                assessor = staff[clinic_id][rng.choice(("nurse", "physio"))]
                walk = round(rng.uniform(4.5, 12.0), 2)
                strength = [rng.randrange(6, len(GRADES)) for _ in ITEMS]
                edss = rng.randint(0, 13) / 2
                spastic, scored_from = _spasticity_of_patient(rng13, medication_data.get(pid, ()), len(dates))
                visits = []
                for visit_number, day in enumerate(dates):
                    aid += 1
                    walk = round(max(3.0, walk * rng.uniform(0.9, 1.15)), 2)
                    edss = _edss_next(rng, edss)
                    graded = _grades_of_visit(rng, strength)
                    grades.extend(graded)
                    scored = (
                        _spasticity_of_visit(rng13, spastic)
                        if spastic
                        and visit_number >= scored_from
                        and rng13.random() < SPASTICITY_SCORED_VISITS
                        else {}
                    )
                    spasticity.extend((aid, group, side, mas) for (group, side), mas in scored.items())
                    recorded_walk = walk if rng.random() < 0.8 else None
                    recorded_edss = edss if rng.random() < 0.7 else None
                    errors = error_fields()
                    out.row(
                        aid,
                        pid,
                        day,
                        assessor,
                        "",
                        recorded_edss,
                        recorded_walk,
                        _moment(day, rng),
                        _moment(day, rng),
                        *errors,
                    )
                    visits.append(
                        (_visit(aid, day, graded, recorded_walk, recorded_edss, scored), errors[0] is None)
                    )
                found = _findings_of_patient(visits, medication_data.get(pid, ()), plan_data.get(pid, ()))
                findings.extend((assessment_id, *_finding_values(f)) for assessment_id, f in found.items())
                valid = [visit for visit, is_valid in visits if is_valid]
                for visit in valid:
                    share = LATEST_REVIEWED if visit is valid[-1] else OLDER_REVIEWED
                    if found[visit.recorded].call_for_review and rng.random() < share:
                        reviewed_on = visit.assessed_on + timedelta(days=rng.randint(0, 14))
                        reviews.append(
                            (
                                pid,
                                visit.recorded,
                                staff[clinic_id][rng.choice(("physio", "physio", "nurse", "admin"))],
                                min(_moment(reviewed_on, rng), now),
                                "Synthetic review: findings seen",
                                *error_fields(),
                            )
                        )
        written["assessments"] = out.rows
        log(f"  assessments: {out.rows:,}")

        with _Copy(
            cursor,
            "assessments_musclescore",
            ("id", "assessment_id", "muscle_group", "side", "grade", "weakness_type"),
        ) as out:
            for score_id, grade in enumerate(grades, start=1):
                assessment_index, item = divmod(score_id - 1, SCORES_PER_ASSESSMENT)
                group, side = ITEMS[item]
                out.row(score_id, assessment_index + 1, group, side, grade, _weakness(score_id))
        written["scores"] = out.rows
        log(f"  scores: {out.rows:,}")
        del grades

        with _Copy(
            cursor, "assessments_spasticityscore", ("id", "assessment_id", "muscle_group", "side", "mas")
        ) as out:
            for score_id, score in enumerate(spasticity, start=1):
                out.row(score_id, *score)
        written["spasticity_scores"] = out.rows
        log(f"  spasticity scores: {out.rows:,}")
        del spasticity

        with _Copy(
            cursor,
            "care_medicationevent",
            [
                "id",
                "patient_id",
                "drug",
                "drug_name",
                "event",
                "occurred_on",
                "dose",
                "notes",
                "recorded_by_id",
                "created_at",
                "updated_at",
                "entered_in_error_at",
                "entered_in_error_by_id",
                "entered_in_error_reason",
            ],
        ) as out:
            for event in medications:
                out.row(*event)
        written["medication_events"] = out.rows
        log(f"  medication events: {out.rows:,}")

        with _Copy(
            cursor,
            "care_exerciseplan",
            [
                "id",
                "patient_id",
                "muscle_group",
                "side",
                "kind",
                "prescription",
                "started_on",
                "review_on",
                "status",
                "ended_on",
                "prescribed_by_id",
                "created_at",
                "updated_at",
                "entered_in_error_at",
                "entered_in_error_by_id",
                "entered_in_error_reason",
            ],
        ) as out:
            for plan in exercise_plans:
                out.row(*plan)
        written["exercise_plans"] = out.rows
        log(f"  exercise plans: {out.rows:,}")

        with _Copy(cursor, "clinical_rules_assessmentfindings", ("assessment_id", *FINDING_FIELDS)) as out:
            for row in findings:
                out.row(*row)
        written["assessment_findings"] = out.rows
        log(f"  assessment findings: {out.rows:,}")
        del findings

        with _Copy(
            cursor,
            "assessments_trendreview",
            [
                "id",
                "patient_id",
                "assessment_id",
                "reviewed_by_id",
                "reviewed_at",
                "note",
                "entered_in_error_at",
                "entered_in_error_by_id",
                "entered_in_error_reason",
            ],
        ) as out:
            for review_id, review in enumerate(reviews, start=1):
                out.row(review_id, *review)
        written["trend_reviews"] = out.rows
        log(f"  trend reviews: {out.rows:,}")

        # Falls: a third of patients fall, some often; a quarter of events are near-falls.
        fallers = rng.sample(patients, max(1, len(patients) // 3))
        weights = [rng.paretovariate(1.5) for _ in fallers]
        factors = ContributingFactor.values
        devices_in_use = ["none", "none", "cane", "rollator", "afo", "walker"]
        with _Copy(
            cursor,
            "care_fallevent",
            [
                "id",
                "patient_id",
                "occurred_at",
                "near_fall",
                "injury",
                "location",
                "activity",
                "device_in_use",
                "contributing_factors",
                "medical_attention",
                "notes",
                "source",
                "recorded_by_id",
                "created_at",
                "updated_at",
                "entered_in_error_at",
                "entered_in_error_by_id",
                "entered_in_error_reason",
            ],
        ) as out:
            for fid, (pid, clinic_id, _, _, created_on) in enumerate(
                rng.choices(fallers, weights, k=counts["falls"]), start=1
            ):
                span = max(1, (today - created_on).days)
                day = today - timedelta(days=rng.randint(0, min(span, 3 * 365)))
                injury = _weighted(rng, [("none", 70), ("minor", 20), ("moderate", 8), ("severe", 2)])
                out.row(
                    fid,
                    pid,
                    _moment(day, rng),
                    "t" if rng.random() < 0.25 else "f",
                    injury,
                    rng.choice(("home", "home", "outdoors", "community", "other")),
                    "walking",
                    rng.choice(devices_in_use),
                    '["' + '", "'.join(rng.sample(factors, rng.randint(1, 3))) + '"]',
                    "t" if injury in ("moderate", "severe") else "f",
                    "",
                    FallSource.CLINIC,
                    staff[clinic_id]["nurse"],
                    now,
                    now,
                    *error_fields(),
                )
        written["falls"] = out.rows
        log(f"  falls: {out.rows:,}")

        # Device prescriptions: mostly active, reviewed about yearly.
        device_types = DeviceType.values
        with _Copy(
            cursor,
            "care_deviceprescription",
            [
                "id",
                "patient_id",
                "device_type",
                "side",
                "prescribed_on",
                "prescribed_by_id",
                "reason",
                "review_due_on",
                "status",
                "discontinued_on",
                "created_at",
                "updated_at",
                "entered_in_error_at",
                "entered_in_error_by_id",
                "entered_in_error_reason",
            ],
        ) as out:
            for did in range(1, counts["devices"] + 1):
                pid, clinic_id, _, _, created_on = rng.choice(patients)
                prescribed = created_on + timedelta(days=rng.randint(0, max(0, (today - created_on).days)))
                active = rng.random() < 0.8
                device_type = rng.choice(device_types)
                side = rng.choice(("left", "right", "bilateral", "na"))
                if device_type in SIDED_DEVICE_TYPES and side == "na":
                    # An AFO or FES is for a side; by the id, so the random stream stays as it was.
                    side = ("left", "right", "bilateral")[did % 3]
                out.row(
                    did,
                    pid,
                    device_type,
                    side,
                    prescribed,
                    staff[clinic_id]["physio"],
                    "",
                    prescribed + timedelta(days=rng.choice((90, 180, 365))),
                    "active" if active else "discontinued",
                    None if active else prescribed + timedelta(days=rng.randint(0, 60)),
                    now,
                    now,
                    *error_fields(),
                )
        written["devices"] = out.rows
        log(f"  devices: {out.rows:,}")

        # Referrals along the workflow, each move in the status history.
        paths = [
            (["sent", "accepted", "seen", "closed"], 45),
            (["sent", "accepted", "seen"], 15),
            (["sent", "accepted"], 10),
            (["sent"], 10),
            ([], 5),
            (["sent", "declined"], 8),
            (["cancelled"], 7),
        ]
        services = ReferralService.values
        moves = []
        with _Copy(
            cursor,
            "care_referral",
            [
                "id",
                "patient_id",
                "to_service",
                "reason",
                "urgency",
                "referred_on",
                "due_by",
                "status",
                "created_by_id",
                "created_at",
                "updated_at",
                "entered_in_error_at",
                "entered_in_error_by_id",
                "entered_in_error_reason",
            ],
        ) as out:
            for rid in range(1, counts["referrals"] + 1):
                pid, clinic_id, _, _, created_on = rng.choice(patients)
                referred = today - timedelta(
                    days=rng.randint(0, min(3 * 365, max(0, (today - created_on).days)))
                )
                urgency = "urgent" if rng.random() < 0.2 else "routine"
                path = _weighted(rng, paths)
                by = staff[clinic_id]["nurse"]
                out.row(
                    rid,
                    pid,
                    rng.choice(services),
                    "Synthetic referral",
                    urgency,
                    referred,
                    Referral.default_due_by(referred, urgency),
                    path[-1] if path else ReferralStatus.DRAFT,
                    by,
                    _moment(referred, rng),
                    now,
                    *error_fields(),
                )
                at = _moment(referred, rng)
                previous = ""
                for status in ["draft", *path]:
                    moves.append((rid, previous, status, by, at))
                    previous = status
                    at += timedelta(hours=rng.randint(2, 24 * 20))
        written["referrals"] = out.rows
        log(f"  referrals: {out.rows:,}")
        with _Copy(
            cursor,
            "care_referralstatuschange",
            ("referral_id", "from_status", "to_status", "changed_by_id", "changed_at"),
        ) as out:
            for move in moves:
                out.row(*move)
        written["referral_status_changes"] = out.rows

        for table in (
            "patients_patient",
            "assessments_assessment",
            "assessments_musclescore",
            "assessments_spasticityscore",
            "assessments_trendreview",
            "care_medicationevent",
            "care_exerciseplan",
            "care_fallevent",
            "care_deviceprescription",
            "care_referral",
        ):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
        cursor.execute("VACUUM (ANALYZE)")
    return written


class _Visit(AssessmentData):
    """An assessment as the rules see it, its MRC sum worked out once: ``findings_of_each`` asks
    each assessment for it again for every later one of the patient's, which took two thirds
    of the time the findings took."""

    @cached_property
    def mrc_sum(self):
        return super().mrc_sum


_SCORES = {
    (grade.value, weakness): Score(grade, weakness) for grade in MRCGrade for weakness in WEAKNESS_TYPES
}
_finding_values = attrgetter(*FINDING_FIELDS)


def _weakness(score_id):
    return WEAKNESS_TYPES[score_id % len(WEAKNESS_TYPES)]


def _edss_next(rng, edss):
    """The EDSS at the next visit: mostly as it was, now and then half a step or a step worse,
    seldom half a step better."""
    roll = rng.random()
    step = 0.5 if roll < 0.1 else 1.0 if roll < 0.13 else -0.5 if roll < 0.18 else 0.0
    return min(9.5, max(0.0, edss + step))


def _grades_of_visit(rng, strength):
    """One visit's grades in thirds, in the order of ``ITEMS``: ``strength`` (each muscle-side's
    place on the scale, lowered for good at a few visits), each grading a step off now and then."""
    if rng.random() < WEAKENING_VISITS:
        for item in rng.sample(range(len(ITEMS)), rng.randint(1, 4)):
            strength[item] = max(0, strength[item] - rng.randint(1, 2))
    top = len(GRADES) - 1
    graded = bytearray()
    for place in strength:
        roll = rng.random()
        step = 1 if roll < GRADE_NOISE / 2 else -1 if roll < GRADE_NOISE else 0
        graded.append(GRADES[max(0, min(top, place + step))])
    return bytes(graded)


def _visit(assessment_id, day, graded, walk, edss, spasticity):
    """A generated assessment as ``clinical_rules.trends.assessment_data`` reads it from the database."""
    first_score_id = (assessment_id - 1) * SCORES_PER_ASSESSMENT + 1
    return _Visit(
        assessed_on=day,
        recorded=assessment_id,
        scores={
            item: _SCORES[grade, _weakness(first_score_id + position)]
            for position, (item, grade) in enumerate(zip(ITEMS, graded, strict=True))
        },
        timed_25ft_walk_seconds=None if walk is None else Decimal(str(walk)),
        edss=None if edss is None else Decimal(str(edss)),
        spasticity=spasticity,
    )


def _findings_of_patient(visits, medications, plans):
    """``{assessment id: Findings}`` for a patient's ``[(visit, valid)]`` (oldest first), with their
    valid medication events and plans: a valid assessment's against the valid ones before it, as
    ``findings_record`` works them out; one entered in error keeps its findings as they stood
    before it was marked, against all before it."""
    valid = [visit for visit, is_valid in visits if is_valid]
    found = {visit.recorded: result for visit, result in findings_of_each(valid, medications, plans)}
    if len(valid) < len(visits):
        for visit, result in findings_of_each([visit for visit, _ in visits], medications, plans):
            found.setdefault(visit.recorded, result)
    return found


def _spasticity_of_patient(rng, medications, visits):
    """``({muscle-side: MAS step}, first scored visit)``: the patient's spastic muscle-sides (their
    steps creep up as the visits go) and the visit from which they are scored; none for most
    patients not on an antispasticity drug."""
    antispastic = any(m.drug in ANTISPASTICITY_DRUGS for m in medications)
    if rng.random() >= (SPASTIC_ON_ANTISPASTICITY if antispastic else SPASTIC_OTHERWISE):
        return {}, 0
    items = rng.sample(SPASTIC_ITEMS, rng.randint(2, 6))
    return {item: rng.randint(0, 3) for item in items}, rng.randrange(visits)


def _spasticity_of_visit(rng, spastic):
    """One visit's MAS of each spastic muscle-side: a step higher for good now and then, each
    scored a step off now and then."""
    top = len(MAS_GRADES) - 1
    scored = {}
    for item, step in spastic.items():
        if rng.random() < SPASTICITY_RISE:
            step = spastic[item] = min(top, step + 1)
        roll = rng.random()
        noise = 1 if roll < GRADE_NOISE / 2 else -1 if roll < GRADE_NOISE else 0
        scored[item] = MAS_GRADES[max(0, min(top, step + noise))]
    return scored


def _new_drug(rng, taken):
    """A drug to start that the patient does not take now, or ``None`` if a few draws found none."""
    for _ in range(5):
        drug = _weighted(rng, [(drug, weight) for drug, weight, _, _ in DRUGS])
        name = rng.choice(OTHER_DRUG_NAMES) if drug == Drug.OTHER else ""
        if (drug, name) not in taken:
            return drug, name
    return None


_DOSES = {drug: (step, unit) for drug, _, step, unit in DRUGS}


def _medication_events(rng, patients, total, *, today, now, staff, error_fields):
    """``total`` medication events (COPY rows, ids from 1) of a share of ``patients``: each one's
    starts, dose changes and stops, oldest first. A drug taken now is raised, lowered (stopped
    from its lowest dose) or stopped; fampridine, of one dose, only stopped."""
    medicated = sorted(rng.sample(patients, max(1, int(len(patients) * MEDICATED_PATIENTS))))
    rows = []
    for (pid, clinic_id, _, _, created_on), n in zip(
        medicated, _spread(rng, total, len(medicated), low=1), strict=True
    ):
        span = (today - created_on).days
        taken = {}  # (drug, drug_name): dose level, of the drugs taken now
        for day in sorted(created_on + timedelta(days=rng.randint(0, span)) for _ in range(n)):
            started = None if taken and rng.random() >= ANOTHER_DRUG else _new_drug(rng, taken)
            if started is not None:
                key, event = started, MedicationEventKind.START
                taken[key] = 1 if key[0] == Drug.FAMPRIDINE else rng.randint(1, 2)
            else:
                key = rng.choice(sorted(taken))
                roll = rng.random()
                lowered = RAISED <= roll < RAISED + LOWERED
                if key[0] == Drug.FAMPRIDINE or roll >= RAISED + LOWERED or (lowered and taken[key] == 1):
                    event = MedicationEventKind.STOP
                elif roll < RAISED:
                    event = MedicationEventKind.INCREASE
                    taken[key] += 1
                else:
                    event = MedicationEventKind.DECREASE
                    taken[key] -= 1
            drug, name = key
            step, unit = _DOSES[drug]
            dose = "" if event == MedicationEventKind.STOP else f"{taken[key] * step} {unit}"
            if event == MedicationEventKind.STOP:
                del taken[key]
            at = min(_moment(day, rng), now)
            rows.append(
                (
                    len(rows) + 1,
                    pid,
                    drug.value,
                    name,
                    event.value,
                    day,
                    dose,
                    "",
                    staff[clinic_id][rng.choice(("nurse", "physio"))],
                    at,
                    at,
                    *error_fields(),
                )
            )
    return rows


def _exercise_plans(rng, patients, total, *, today, now, staff, error_fields):
    """``total`` exercise plans (COPY rows, ids from 1) of a share of ``patients``, mostly for a
    muscle group the MRC items grade. An ended plan ran from a few weeks to a year; an active one
    started within two years and, reviewed and put off as it went, has its next review from three
    weeks ago to twelve weeks ahead, so about a quarter of them are due for review (rule 20)."""
    planned = sorted(rng.sample(patients, max(1, int(len(patients) * PLANNED_PATIENTS))))
    groups = [group.value for group in MuscleGroup]
    rows = []
    for (pid, clinic_id, _, _, created_on), n in zip(
        planned, _spread(rng, total, len(planned), low=1), strict=True
    ):
        span = (today - created_on).days
        for _ in range(n):
            group = rng.choice(MRC_SUM_GROUPS).value if rng.random() < 0.8 else rng.choice(groups)
            side = _weighted(rng, [(PlanSide.LEFT, 35), (PlanSide.RIGHT, 35), (PlanSide.BOTH, 30)])
            kind = _weighted(rng, PLAN_KINDS)
            if span >= 14 and rng.random() < ENDED_PLANS:
                started = created_on + timedelta(days=rng.randint(0, span - 14))
                ended = min(today, started + timedelta(days=rng.randint(28, 365)))
                review, status = ExercisePlan.default_review_on(started), PlanStatus.ENDED
            else:
                started = max(created_on, today - timedelta(days=rng.randint(0, 730)))
                ended = None
                review = max(started, today + timedelta(days=rng.randint(-21, 84)))
                status = PlanStatus.ACTIVE
            at = min(_moment(started, rng), now)
            rows.append(
                (
                    len(rows) + 1,
                    pid,
                    group,
                    side.value,
                    kind.value,
                    PRESCRIPTIONS[kind],
                    started,
                    review,
                    status.value,
                    ended,
                    staff[clinic_id]["physio"],
                    at,
                    at,
                    *error_fields(),
                )
            )
    return rows


def _medication_data(row):
    event_id, _, drug, drug_name, event, occurred_on, dose = row[:7]
    return MedicationData(drug, event, occurred_on, event_id, drug_name, dose)


def _plan_data(row):
    plan_id, _, group, side, kind, _, _, review_on, status = row[:9]
    return PlanData(plan_id, group, side, kind, review_on, status)


def _valid_by_patient(rows, as_data):
    """``{patient id: [as_data(row)]}`` of the COPY rows (patient id second) not entered in error."""
    by_patient = {}
    for row in rows:
        if row[-3] is None:
            by_patient.setdefault(row[1], []).append(as_data(row))
    return by_patient


def _spread(rng, total, parts, low):
    """``parts`` positive integers (at least ``low``) adding up to ``total``, varied around the mean."""
    mean = total / parts
    sizes = [max(low, round(rng.uniform(mean * 0.5, mean * 1.5))) for _ in range(parts)]
    difference = total - sum(sizes)
    i = 0
    while difference:
        step = 1 if difference > 0 else -1
        if sizes[i % parts] + step >= low:
            sizes[i % parts] += step
            difference -= step
        i += 1
    return sizes
