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

from assessments.grades import MRCGrade, Side, WeaknessType, mrc_sum_score
from care.models import DeviceStatus, Injury, ReferralStatus
from patients.models import PatientStatus

# SPEC §3 rule 1: a decline is a drop of at least one whole grade (3 thirds).
DECLINE_THIRDS = 3
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


class FollowUpKind(models.TextChoices):
    """What a patient may need a follow-up for: rules 5 to 8, each a kind of reminder."""

    REASSESSMENT_DUE = "reassessment_due", "Reassessment due"
    REFERRAL_OVERDUE = "referral_overdue", "Referral overdue"
    DEVICE_REVIEW_DUE = "device_review_due", "Device review due"
    FALL_RISK = "fall_risk", "High fall risk"


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


def declines(assessments):
    """Rule 1: muscle-sides whose latest grade is ≥ 3 thirds below the previous assessment that graded them."""
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
        if before - score.grade >= DECLINE_THIRDS:
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


def walking_slowed(assessments):
    """Rule 9: the latest timed 25-foot walk is ≥ 20% slower than the previous one recorded."""
    times = [
        a.timed_25ft_walk_seconds for a in chronological(assessments) if a.timed_25ft_walk_seconds is not None
    ]
    return len(times) >= 2 and Decimal(times[-1]) >= Decimal(times[-2]) * WALK_SLOWED_RATIO


def guidance(assessments):
    """Rule 10: for each muscle-side of the latest assessment, the advice for its weakness type."""
    ordered = chronological(assessments)
    if not ordered:
        return []
    return [
        {
            "muscle_group": group,
            "side": side,
            "weakness_type": score.weakness_type,
            "text": GUIDANCE[WeaknessType(score.weakness_type)],
        }
        for (group, side), score in sorted(ordered[-1].scores.items())
    ]
