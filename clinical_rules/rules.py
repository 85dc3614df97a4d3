"""The clinical rules of SPEC §3, as plain functions over plain data — one rule, one place.

The API, the pages, the reports and the reminder sweep all call these (or, for lists that
must stay set-based, their database versions beside them in ``clinical_rules.querysets``,
which the tests hold to these functions). Callers pass only valid records: anything marked
entered-in-error is left out before it gets here. "Today" is always passed in
(``patients.clock.clinic_today``).
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import models

from assessments.grades import MRCGrade, MuscleGroup, Side, WeaknessType, mrc_sum_score
from care.models import DeviceStatus, Injury, ReferralStatus
from patients.models import PatientStatus

# SPEC §3 rules 1, 11 and 13: a decline (from the previous grading or from the best) or an
# improvement is a change of at least one whole grade (3 thirds).
DECLINE_THIRDS = 3
IMPROVEMENT_THIRDS = 3
# SPEC §3 rules 11 and 12: the best grade or MRC sum is looked for in the year before the latest.
BEST_WINDOW_DAYS = 365
# SPEC §3 rule 3: left and right differ by two whole grades (6 thirds) or more.
ASYMMETRY_THIRDS = 6
# SPEC §3 rule 4: about half of people with MS fall at least once in six months (182 days).
FALL_WINDOW_DAYS = 182
DAYS_PER_MONTH = Decimal("30.4375")  # 365.25 / 12
# SPEC §3 rule 5: injuries that make a single fall high-risk.
SERIOUS_INJURIES = (Injury.MODERATE, Injury.SEVERE)
# SPEC §3 rules 6 and 8: a follow-up is flagged a week before it falls due.
DUE_SOON_DAYS = 7
# SPEC §3 rule 7.
OPEN_REFERRAL_STATUSES = (ReferralStatus.DRAFT, ReferralStatus.SENT, ReferralStatus.ACCEPTED)
# SPEC §3 rule 9: 20% slower on the timed 25-foot walk is meaningful worsening in MS.
WALK_SLOWED_RATIO = Decimal("1.2")
# SPEC §2 Reminder: a strength review (rule 18) falls due a week after the assessment it is about.
STRENGTH_REVIEW_DUE_DAYS = 7
# SPEC §3 rule 10: the order guidance is listed in, after the grade: head to toe (§2), left first.
HEAD_TO_TOE = {group: position for position, group in enumerate(MuscleGroup)}
LEFT_FIRST = {side: position for position, side in enumerate(Side)}


class FollowUpKind(models.TextChoices):
    """What a patient may need a follow-up for: rules 5 to 8, each a kind of reminder."""

    REASSESSMENT_DUE = "reassessment_due", "Reassessment due"
    REFERRAL_OVERDUE = "referral_overdue", "Referral overdue"
    DEVICE_REVIEW_DUE = "device_review_due", "Device review due"
    FALL_RISK = "fall_risk", "High fall risk"
    STRENGTH_REVIEW = "strength_review", "Strength review"


GUIDANCE = {
    WeaknessType.PRIMARY: (
        "Primary weakness (demyelination): keep the muscle in regular use, avoid resistance "
        "exercise to fatigue, and strengthen the surrounding muscles."
    ),
    WeaknessType.SECONDARY: (
        "Secondary weakness (disuse): progressive resistance training with a physiotherapist."
    ),
    WeaknessType.MIXED: "Physiotherapy assessment to find the cause of the weakness.",
    WeaknessType.UNKNOWN: "Physiotherapy assessment to find the cause of the weakness.",
}


@dataclass(frozen=True)
class Score:
    grade: MRCGrade
    weakness_type: str = WeaknessType.UNKNOWN


@dataclass(frozen=True)
class AssessmentData:
    """One assessment as the rules see it. ``recorded`` breaks ties on the same day."""

    assessed_on: date
    recorded: int
    scores: dict  # {(muscle_group, side): Score}
    timed_25ft_walk_seconds: Decimal | None = None
    edss: Decimal | None = None

    @property
    def mrc_sum(self):
        return mrc_sum_score({item: score.grade for item, score in self.scores.items()})


@dataclass(frozen=True)
class FallData:
    occurred_on: date  # clinic-local date
    near_fall: bool = False
    injury: str = Injury.NONE


def chronological(assessments):
    """Oldest first; of two on the same day, the one recorded last comes last (it is the latest)."""
    return sorted(assessments, key=lambda a: (a.assessed_on, a.recorded))


def _grade_changes(assessments, changed):
    """Muscle-sides of the latest assessment whose grade ``changed(before, after)`` (in thirds)
    from the previous assessment that graded them, as ``{muscle_group, side, from_grade,
    to_grade, from_date, to_date}``."""
    ordered = chronological(assessments)
    if not ordered:
        return []
    latest, earlier = ordered[-1], ordered[:-1]
    found = []
    for (group, side), score in latest.scores.items():
        previous = next((a for a in reversed(earlier) if (group, side) in a.scores), None)
        if previous is None:
            continue
        before = previous.scores[(group, side)].grade
        if changed(before, score.grade):
            found.append(
                {
                    "muscle_group": group,
                    "side": side,
                    "from_grade": MRCGrade(before).label,
                    "to_grade": MRCGrade(score.grade).label,
                    "from_date": previous.assessed_on,
                    "to_date": latest.assessed_on,
                }
            )
    return sorted(found, key=lambda d: (d["muscle_group"], d["side"]))


def declines(assessments):
    """Rule 1: muscle-sides whose latest grade is ≥ 3 thirds below the previous assessment that graded them."""
    return _grade_changes(assessments, lambda before, after: before - after >= DECLINE_THIRDS)


def improvements(assessments):
    """Rule 13, the mirror of rule 1: latest grades ≥ 3 thirds above the previous grading."""
    return _grade_changes(assessments, lambda before, after: after - before >= IMPROVEMENT_THIRDS)


def declines_from_best(assessments):
    """Rule 11: muscle-sides whose latest grade is ≥ 3 thirds below their best grade in the
    assessments before the latest dated from 365 days before it to its day, both included.

    Rule 1 compares neighbours only, so a slide of a third per visit never fires it and a
    re-test a few days later resets it; the best of the past year does neither. ``best_date``
    is the latest date the best grade was recorded.
    """
    ordered = chronological(assessments)
    if not ordered:
        return []
    latest = ordered[-1]
    since = latest.assessed_on - timedelta(days=BEST_WINDOW_DAYS)
    window = [a for a in ordered[:-1] if a.assessed_on >= since]
    found = []
    for (group, side), score in latest.scores.items():
        gradings = [
            (a.scores[(group, side)].grade, a.assessed_on) for a in window if (group, side) in a.scores
        ]
        if not gradings:
            continue
        # The highest grade, and of its gradings the latest.
        best, best_date = max(gradings)
        if best - score.grade >= DECLINE_THIRDS:
            found.append(
                {
                    "muscle_group": group,
                    "side": side,
                    "best_grade": MRCGrade(best).label,
                    "best_date": best_date,
                    "to_grade": MRCGrade(score.grade).label,
                    "to_date": latest.assessed_on,
                }
            )
    return sorted(found, key=lambda d: (d["muscle_group"], d["side"]))


def mrc_sum_series(assessments):
    """The MRC sum of every assessment, oldest first (``None`` where incomplete)."""
    return [{"assessed_on": a.assessed_on, "score": a.mrc_sum} for a in chronological(assessments)]


def mrc_sum_dropped(assessments, threshold=None):
    """Rule 2: the latest non-null MRC sum is at least ``MRC_SUM_DROP_POINTS`` below the previous non-null one.

    The default of 2 points is the published minimal important change from neuromuscular
    disease, not MS, hence a setting.
    """
    threshold = settings.MRC_SUM_DROP_POINTS if threshold is None else threshold
    sums = [point["score"] for point in mrc_sum_series(assessments) if point["score"] is not None]
    return len(sums) >= 2 and sums[-2] - sums[-1] >= threshold


def mrc_sum_drop_from_best(mrc_sums, threshold=None):
    """Rule 12: the latest non-null MRC sum against the highest non-null one of the assessments
    before it dated from 365 days before it to its day, both included.

    Reads the series ``mrc_sum_series`` made (oldest first, ``None`` where incomplete), so the
    dashboard words the finding from the trends it already has. A drop of at least
    ``MRC_SUM_DROP_POINTS`` is answered as ``{best_score, best_date, to_score, to_date}``
    (``best_date``: the latest date the best was recorded); anything else as ``None``.
    """
    threshold = settings.MRC_SUM_DROP_POINTS if threshold is None else threshold
    sums = [point for point in mrc_sums if point["score"] is not None]
    if len(sums) < 2:
        return None
    latest = sums[-1]
    since = latest["assessed_on"] - timedelta(days=BEST_WINDOW_DAYS)
    window = [(point["score"], point["assessed_on"]) for point in sums[:-1] if point["assessed_on"] >= since]
    if not window:
        return None
    best, best_date = max(window)
    if best - latest["score"] < threshold:
        return None
    return {
        "best_score": best,
        "best_date": best_date,
        "to_score": latest["score"],
        "to_date": latest["assessed_on"],
    }


def asymmetries(assessments):
    """Rule 3: in the latest assessment, left and right of a muscle group differ by ≥ 6 thirds."""
    ordered = chronological(assessments)
    if not ordered:
        return []
    scores = ordered[-1].scores
    found = []
    for group, side in sorted(scores):
        if side != Side.LEFT or (group, Side.RIGHT) not in scores:
            continue
        left, right = scores[(group, Side.LEFT)].grade, scores[(group, Side.RIGHT)].grade
        if abs(left - right) >= ASYMMETRY_THIRDS:
            found.append(
                {"muscle_group": group, "left": MRCGrade(left).label, "right": MRCGrade(right).label}
            )
    return found


def fall_window(today):
    """Rule 4: the first and last clinic-local dates of the fall window, both included."""
    return today - timedelta(days=FALL_WINDOW_DAYS), today


def falls_in_window(falls, today):
    """Rule 4: falls (not near-falls) from today − 182 days to today, both included."""
    start, end = fall_window(today)
    return [f for f in falls if not f.near_fall and start <= f.occurred_on <= end]


def near_falls_in_window(falls, today):
    start, end = fall_window(today)
    return [f for f in falls if f.near_fall and start <= f.occurred_on <= end]


def fall_rate_per_month(fall_count):
    """Rule 4: falls in the window scaled to an average month, to two decimals."""
    return (Decimal(fall_count) * DAYS_PER_MONTH / FALL_WINDOW_DAYS).quantize(Decimal("0.01"))


def high_fall_risk(falls, today):
    """Rule 5: two or more falls in the window, or one with a moderate or severe injury."""
    in_window = falls_in_window(falls, today)
    return len(in_window) >= 2 or any(f.injury in SERIOUS_INJURIES for f in in_window)


def next_assessment_due(*, last_assessed_on, registered_on, interval_weeks):
    """Last assessment + the patient's interval; with no assessment, the day of registration."""
    if last_assessed_on is None:
        return registered_on
    return last_assessed_on + timedelta(weeks=interval_weeks)


def reassessment_due(*, next_due, status, today):
    """Rule 6: an active patient's next assessment falls due within a week (or is overdue)."""
    return status == PatientStatus.ACTIVE and next_due <= today + timedelta(days=DUE_SOON_DAYS)


def reassessment_overdue(*, next_due, status, today):
    """Rule 6's "or is overdue": an active patient's next assessment was due before today."""
    return status == PatientStatus.ACTIVE and next_due < today


def referral_overdue(*, status, due_by, today):
    """Rule 7: an open referral (draft, sent, accepted) past its due date."""
    return status in OPEN_REFERRAL_STATUSES and due_by < today


def device_review_due(*, status, review_due_on, today):
    """Rule 8: an active prescription whose review falls due within a week (or is overdue)."""
    return status == DeviceStatus.ACTIVE and review_due_on <= today + timedelta(days=DUE_SOON_DAYS)


def timed_walk_series(assessments):
    """The recorded timed 25-foot walks, oldest first."""
    return [
        {"assessed_on": a.assessed_on, "seconds": a.timed_25ft_walk_seconds}
        for a in chronological(assessments)
        if a.timed_25ft_walk_seconds is not None
    ]


def walking_slowed(assessments):
    """Rule 9: the latest timed 25-foot walk is ≥ 20% slower than the previous one recorded."""
    times = [point["seconds"] for point in timed_walk_series(assessments)]
    return len(times) >= 2 and Decimal(times[-1]) >= Decimal(times[-2]) * WALK_SLOWED_RATIO


def edss_series(assessments):
    """The recorded EDSS scores, oldest first."""
    return [
        {"assessed_on": a.assessed_on, "edss": a.edss}
        for a in chronological(assessments)
        if a.edss is not None
    ]


def edss_worsening_step(previous):
    """Rule 14: the rise above ``previous`` that counts as worsening — the usual thresholds for
    disability worsening in MS studies: low on the scale a step varies more between visits, from
    6.0 (a walking aid) on half a step is a real loss."""
    if previous == 0:
        return Decimal("1.5")
    if previous <= Decimal("5.5"):
        return Decimal("1.0")
    return Decimal("0.5")


def edss_worsened(assessments):
    """Rule 14: the latest recorded EDSS is above the previous recorded one by at least its step."""
    scores = [Decimal(point["edss"]) for point in edss_series(assessments)]
    return len(scores) >= 2 and scores[-1] - scores[-2] >= edss_worsening_step(scores[-2])


def guidance(assessments):
    """Rule 10: for each muscle-side of the latest assessment graded below 5, the advice for its
    weakness type; weakest first, then head to toe, then left before right. A grade-5 muscle
    gets none."""
    ordered = chronological(assessments)
    if not ordered:
        return []

    def weakest_first(entry):
        (group, side), score = entry
        return score.grade, HEAD_TO_TOE[group], LEFT_FIRST[side]

    weak = [(item, score) for item, score in ordered[-1].scores.items() if score.grade < MRCGrade.G5]
    return [
        {
            "muscle_group": group,
            "side": side,
            "weakness_type": score.weakness_type,
            "text": GUIDANCE[WeaknessType(score.weakness_type)],
        }
        for (group, side), score in sorted(weak, key=weakest_first)
    ]


@dataclass(frozen=True)
class Findings:
    """What the rules find in a patient's latest assessment, against the assessments before it."""

    decline: bool = False
    decline_from_best: bool = False
    mrc_sum_drop: bool = False
    mrc_sum_drop_from_best: bool = False
    walking_slowed: bool = False
    edss_worsening: bool = False
    improvement: bool = False

    # Rule 18: the findings that call for a clinician's review (an improvement does not).
    CALL_FOR_REVIEW = (
        "decline",
        "decline_from_best",
        "mrc_sum_drop",
        "mrc_sum_drop_from_best",
        "walking_slowed",
        "edss_worsening",
    )

    @property
    def call_for_review(self):
        return any(getattr(self, name) for name in self.CALL_FOR_REVIEW)


def findings(assessments):
    """Rules 1, 2, 9 and 11–14 for the latest of ``assessments``, as one ``Findings``."""
    return Findings(
        decline=bool(declines(assessments)),
        decline_from_best=bool(declines_from_best(assessments)),
        mrc_sum_drop=mrc_sum_dropped(assessments),
        mrc_sum_drop_from_best=mrc_sum_drop_from_best(mrc_sum_series(assessments)) is not None,
        walking_slowed=walking_slowed(assessments),
        edss_worsening=edss_worsened(assessments),
        improvement=bool(improvements(assessments)),
    )


def findings_of_each(assessments):
    """``[(assessment, Findings)]``: each assessment's findings as they stood when it was the latest
    (against the assessments before it only), oldest first."""
    ordered = chronological(assessments)
    return [(latest, findings(ordered[: position + 1])) for position, latest in enumerate(ordered)]


def strength_review_due(latest_findings, *, patient_status, reviewed):
    """Rule 18: an active patient's latest assessment shows a finding that calls for review, and no
    valid trend review has that assessment."""
    return patient_status == PatientStatus.ACTIVE and latest_findings.call_for_review and not reviewed


def findings_new_since_review(assessments, reviewed):
    """The findings of the latest of ``assessments`` that were not there when the patient was last
    reviewed, each as a key ``(rule, muscle_group, side)`` (``None`` where the rule has none).

    ``reviewed`` is the ``recorded`` of the assessment the last review was of, or ``None`` for no
    review. The findings as of that review are the rules' answer over the assessments up to and
    including it. With no review, or one of an assessment not among ``assessments``, every
    finding is new. A finding stays the same finding while its key does: a decline of the same
    muscle-side found again at a later visit is not new.
    """

    def keys(history):
        graded = [
            ("decline", declines(history)),
            ("decline_from_best", declines_from_best(history)),
            ("improvement", improvements(history)),
        ]
        found = {(rule, f["muscle_group"], f["side"]) for rule, listed in graded for f in listed}
        found |= {("asymmetry", a["muscle_group"], None) for a in asymmetries(history)}
        flags = {
            "mrc_sum_drop": mrc_sum_dropped(history),
            "mrc_sum_drop_from_best": mrc_sum_drop_from_best(mrc_sum_series(history)) is not None,
            "walking_slowed": walking_slowed(history),
            "edss_worsening": edss_worsened(history),
        }
        return found | {(rule, None, None) for rule, holds in flags.items() if holds}

    ordered = chronological(assessments)
    position = next((i for i, a in enumerate(ordered) if a.recorded == reviewed), None)
    if position is None:
        return keys(ordered)
    return keys(ordered) - keys(ordered[: position + 1])
