"""What the pages show of a record beside the record itself: badges, rows, tables, chart data.

A presenter wraps a record with what a template needs about it (``ReferralRow(referral,
overdue, moves, may_mark_in_error)``) rather than writing attributes onto the model instance.
Clinical judgements come from ``clinical_rules.rules`` and permissions from ``patients.policy``:
presenters call them and lay out the answers, they decide nothing themselves.
"""

import datetime
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from django.db.models import Model
from django.urls import reverse
from django.utils.dateformat import format as format_date

from assessments.grades import MRCGrade, MuscleGroup, Side, WeaknessType
from care.models import (
    ANTISPASTICITY_DRUGS,
    DevicePrescription,
    DeviceStatus,
    Drug,
    ExercisePlan,
    PlanStatus,
    Referral,
    ReferralService,
)
from clinical_rules import rules
from patients import policy
from patients.clock import clinic_date
from patients.models import Patient
from patients.services import PATIENT_EDITABLE
from reminders.models import OPEN_STATUSES, Reminder

from .labels import (
    FOLLOW_UP_DETAIL_CHOICES,
    REPORT_CODE_CHOICES,
    code_words,
    muscle_label,
    report_column_label,
)

# What the button that moves a referral to each status says (no move leads back to draft).
MOVE_LABELS = {
    Referral.Status.SENT: "Mark sent",
    Referral.Status.ACCEPTED: "Accept",
    Referral.Status.SEEN: "Mark seen",
    Referral.Status.CLOSED: "Close",
    Referral.Status.DECLINED: "Decline",
    Referral.Status.CANCELLED: "Cancel",
}


def service_in_sentence(value):
    """``occupational_therapy`` → ``occupational therapy``; an initialism stays: ``GP``, ``MS nurse``."""
    label = ReferralService(value).label
    return label if label[:2].isupper() else label[0].lower() + label[1:]


def patient_name(patient):
    return f"{patient.family_name}, {patient.given_name}"


def follow_up_badge(*, next_due, status, today):
    """``"overdue"``, ``"due"`` (rule 6: within a week) or ``None`` for a patient's next assessment."""
    if not rules.reassessment_due(next_due=next_due, status=status, today=today):
        return None
    return "overdue" if rules.reassessment_overdue(next_due=next_due, status=status, today=today) else "due"


# The patient list --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PatientRow:
    patient: Patient
    follow_up: str | None


def patient_rows(patients, *, today):
    """A row per patient of the list, each with its follow-up badge."""
    return [
        PatientRow(p, follow_up_badge(next_due=p.next_assessment_due, status=p.status, today=today))
        for p in patients
    ]


# The dashboard's records -------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordRow:
    """An assessment or a fall in its table, and whether the user may mark it entered in error."""

    record: Model
    may_mark_in_error: bool


@dataclass(frozen=True)
class DeviceRow:
    device: DevicePrescription
    review_due: bool
    may_mark_in_error: bool
    # Offered for a device in use, to a user who may review it, or discontinue it.
    may_review: bool
    may_discontinue: bool
    # Its valid reviews, oldest first, each with whether the user may mark it entered in error.
    reviews: tuple[RecordRow, ...]


@dataclass(frozen=True)
class ReferralRow:
    referral: Referral
    overdue: bool
    # The status buttons offered, as ``(status, label)``: none for a user who may not move it.
    moves: tuple[tuple[str, str], ...]
    may_mark_in_error: bool

    @property
    def is_open(self):
        return self.referral.status in rules.OPEN_REFERRAL_STATUSES


def record_rows(user, records):
    return [RecordRow(record, policy.may_mark_entered_in_error(user, record)) for record in records]


def device_rows(user, devices, *, today, may_review_device, may_prescribe_device):
    """The devices' rows with their reviews (prefetched); a review and a discontinuation are
    offered for a device in use, if the user may review and prescribe this patient's devices."""
    return [
        DeviceRow(
            device,
            review_due=rules.device_review_due(
                status=device.status, review_due_on=device.review_due_on, today=today
            ),
            may_mark_in_error=policy.may_mark_entered_in_error(user, device),
            may_review=may_review_device and device.status == DeviceStatus.ACTIVE,
            may_discontinue=may_prescribe_device and device.status == DeviceStatus.ACTIVE,
            reviews=tuple(record_rows(user, device.reviews.all())),
        )
        for device in devices
    ]


def referral_moves(referral, *, may_manage_referral):
    """The moves SPEC §2 allows from the referral's status, labelled, if the user may make them."""
    if not may_manage_referral:
        return ()
    return tuple((status, MOVE_LABELS[status]) for status in Referral.Status if referral.can_move_to(status))


def referral_row(user, referral, *, today, may_manage_referral):
    """The referral, whether it is overdue (rule 7), and what the user may do with it."""
    return ReferralRow(
        referral,
        overdue=rules.referral_overdue(status=referral.status, due_by=referral.due_by, today=today),
        moves=referral_moves(referral, may_manage_referral=may_manage_referral),
        may_mark_in_error=policy.may_mark_entered_in_error(user, referral),
    )


def referral_rows(user, referrals, *, today, may_manage_referral):
    """The referrals' rows, the open ones first; moves only if the user may move this patient's referrals."""
    rows = [
        referral_row(user, referral, today=today, may_manage_referral=may_manage_referral)
        for referral in referrals
    ]
    return sorted(rows, key=lambda row: not row.is_open)


def current_medications(trends):
    """The medicines the patient is on (the trends' ``current_medications``), named for a person."""
    return [
        {"name": medication_name(m["drug"], m["drug_name"]), "dose": m["dose"], "since": m["since"]}
        for m in trends["current_medications"]
    ]


@dataclass(frozen=True)
class PlanRow:
    plan: ExercisePlan
    review_due: bool
    may_change: bool
    may_mark_in_error: bool


def plan_panel(user, plans, *, today, may_change_plan):
    """The patient's exercise plans, ``{"active": [PlanRow], "ended": [PlanRow]}``: rule 20 flags
    an active plan's review; a plan is offered for change if the user may change this patient's plans."""
    rows = [
        PlanRow(
            plan,
            review_due=rules.plan_review_due(status=plan.status, review_on=plan.review_on, today=today),
            may_change=may_change_plan,
            may_mark_in_error=policy.may_mark_entered_in_error(user, plan),
        )
        for plan in plans
    ]
    return {
        "active": [row for row in rows if row.plan.status == PlanStatus.ACTIVE],
        "ended": [row for row in rows if row.plan.status == PlanStatus.ENDED],
    }


def grades_table(trends):
    """Every grade of ``trends["series"]`` as a row ``{assessed_on, muscle_group, side, grade}``,
    head to toe as on the MMT grid (the order of ``MuscleGroup``), left before right, oldest first."""
    head_to_toe = {group: i for i, group in enumerate(MuscleGroup)}
    sides = {side: i for i, side in enumerate(Side)}
    series = sorted(trends["series"], key=lambda s: (head_to_toe[s["muscle_group"]], sides[s["side"]]))
    return [
        {
            "assessed_on": p["assessed_on"],
            "muscle_group": s["muscle_group"],
            "side": s["side"],
            "grade": p["grade"],
        }
        for s in series
        for p in s["points"]
    ]


def guidance_table(trends):
    """Rule 10's guidance of the latest assessment: its date, and a row per muscle group with its
    sides graded below 5.

    Everything comes from the one ``trends`` answer, so it cannot disagree with itself about
    which assessment is the latest. Guidance lists only the muscle-sides the latest assessment
    graded, so the last point of each one's series is that assessment's grade. The guidance
    comes weakest first, so a muscle group's row stands where its weaker side does.
    """
    if not trends["guidance"]:
        return None
    last_points = {(s["muscle_group"], s["side"]): s["points"][-1] for s in trends["series"]}
    by_group = {}
    for item in trends["guidance"]:
        point = last_points[(item["muscle_group"], item["side"])]
        by_group.setdefault(item["muscle_group"], {})[item["side"]] = {
            "side": item["side"],
            "assessed_on": point["assessed_on"],
            "grade": point["grade"],
            "weakness_type": WeaknessType(item["weakness_type"]).label,
            "text": item["text"],
        }
    rows = []
    for group, by_side in by_group.items():
        sides = [by_side[side] for side in Side if side in by_side]
        same = len({s["text"] for s in sides}) == 1
        rows.append({"label": muscle_label(group), "sides": sides, "same_guidance": same})
    return {"assessed_on": rows[0]["sides"][0]["assessed_on"], "rows": rows}


@dataclass(frozen=True)
class Finding:
    """A line of the dashboard's "changes to review": what the rule found, in words with numbers.

    ``key`` names the finding as ``rules.findings_new_since_review`` does; ``new``: it was not
    there when the patient was last reviewed.
    """

    label: str
    text: str
    key: tuple
    improvement: bool = False
    new: bool = False
    # What to do about it, and where to start doing it.
    action: str = ""
    link: "FindingLink | None" = None


@dataclass(frozen=True)
class FindingLink:
    url: str
    label: str


def _day(value):
    return format_date(value, "j M Y")


def _muscle_side(finding):
    """``Left ankle dorsiflexion``."""
    return f"{finding['side'].capitalize()} {muscle_label(finding['muscle_group']).lower()}"


def changes_to_review(
    trends,
    assessments,
    *,
    reviewed,
    medications=(),
    plans=(),
    supported_sides=(),
    may_refer=False,
    may_change_plan=False,
):
    """The dashboard's "changes to review": rules 1, 2, 3 and 9, then ``strength_findings`` and
    ``care_findings`` (improvements last), each marked ``new`` unless it was there when the
    patient was last reviewed.

    ``assessments``, ``medications`` and ``plans`` are the patient's as the rules take them
    (``rules.AssessmentData``, ``MedicationData``, ``PlanData``), ``supported_sides`` the sides
    of their AFOs and FESs, and ``reviewed`` the id of the assessment the last review was of
    (``None``: never reviewed). ``may_refer`` and ``may_change_plan`` say whether the findings
    link to the referral and plan pages.
    """
    findings = [
        Finding(
            "Decline",
            f"{muscle_label(d['muscle_group'])}, {d['side']}: {d['from_grade']} → {d['to_grade']} "
            f"({_day(d['from_date'])} to {_day(d['to_date'])})",
            ("decline", d["muscle_group"], d["side"]),
        )
        for d in trends["declines"]
    ]
    if trends["mrc_sum_drop"]:
        previous, latest = [point for point in trends["mrc_sum"] if point["score"] is not None][-2:]
        findings.append(
            Finding(
                "MRC sum drop",
                f"{previous['score']} → {latest['score']} since the previous complete assessment "
                f"({_day(previous['assessed_on'])})",
                ("mrc_sum_drop", None, None),
            )
        )
    findings += [
        Finding(
            "Asymmetry",
            f"{muscle_label(a['muscle_group'])}: left {a['left']}, right {a['right']}",
            ("asymmetry", a["muscle_group"], None),
        )
        for a in trends["asymmetries"]
    ]
    if trends["walking_slowed"]:
        findings.append(
            Finding(
                "Walking slowed",
                "the latest timed 25-foot walk is at least 20% slower than the one before.",
                ("walking_slowed", None, None),
            )
        )
    strength = strength_findings(trends)
    findings += [f for f in strength if not f.improvement]
    findings += care_findings(trends, may_refer=may_refer, may_change_plan=may_change_plan)
    findings += [f for f in strength if f.improvement]
    new = rules.findings_new_since_review(
        assessments, reviewed, medications=medications, plans=plans, supported_sides=supported_sides
    )
    return [replace(f, new=f.key in new) for f in findings]


# How rule 16's events read: "Baclofen increased on 1 Mar 2026".
DOSE_EVENT_WORDS = {"start": "started", "increase": "increased"}


def medication_name(drug, drug_name=""):
    """A drug as a person reads it: its catalogue name, or for other the name given."""
    return drug_name if drug == Drug.OTHER else Drug(drug).label


def _dose_change(event):
    """``Baclofen increased on 1 Mar 2026 (20 mg three times a day)``."""
    dose = f" ({event['dose']})" if event["dose"] else ""
    return f"{medication_name(event['drug'])} {DOSE_EVENT_WORDS[event['event']]} on {_day(event['occurred_on'])}{dose}"


def care_findings(trends, *, may_refer, may_change_plan):
    """Rules 15, 16, 17 and 19 worded for the dashboard, each with what to do: a spasticity
    increase, a dose raised before a loss of strength, a resistance plan on primary weakness,
    foot drop without an AFO or FES (with a referral to orthotics, filled in, one click away)."""
    findings = [
        Finding(
            "Spasticity increase",
            f"{_muscle_side(s)} MAS {s['from_mas']} → {s['to_mas']} "
            f"({_day(s['from_date'])} to {_day(s['to_date'])})",
            ("spasticity_increase", s["muscle_group"], s["side"]),
        )
        for s in trends["spasticity_increases"]
    ]
    findings += [
        Finding(
            "Medication review",
            f"{_dose_change(m)}, before this loss of strength: the dose may be adding to the weakness.",
            ("medication_review", m["drug"], m["occurred_on"]),
            action="Review the dose with the prescriber.",
        )
        for m in trends["medication_review"]
    ]
    findings += [
        Finding(
            "Plan conflict",
            f"{_muscle_side(c)}: a progressive resistance plan, and its latest grading is primary weakness.",
            ("plan_conflict", c["muscle_group"], c["side"]),
            action="Change the plan: resistance training to fatigue can worsen primary weakness.",
            link=FindingLink(reverse("web:plan_edit", args=[c["plan"]]), "Change the plan")
            if may_change_plan
            else None,
        )
        for c in trends["plan_conflicts"]
    ]
    findings += [
        Finding(
            "Foot drop",
            f"{f['side'].capitalize()} ankle dorsiflexion {f['grade']}, with no AFO or FES for this side.",
            ("foot_drop", MuscleGroup.ANKLE_DORSIFLEXION.value, f["side"]),
            action="Consider an AFO/FES and an orthotics referral.",
            link=FindingLink(foot_drop_referral_url(trends["patient"], f), "Refer to orthotics")
            if may_refer
            else None,
        )
        for f in trends["foot_drop"]
        if not f["supported"]
    ]
    return findings


def foot_drop_referral_url(patient_id, foot_drop):
    """The new referral page, filled in for orthotics with the reason naming the side."""
    reason = (
        f"Foot drop, {foot_drop['side']} side: ankle dorsiflexion graded {foot_drop['grade']}, "
        "no AFO or FES for this side. Please assess for an ankle-foot orthosis or FES."
    )
    query = urlencode({"to_service": ReferralService.ORTHOTICS, "reason": reason})
    return f"{reverse('web:referral_new', args=[patient_id])}?{query}"


def strength_findings(trends):
    """Rules 11 to 14 worded for the dashboard: declines from best, an MRC sum drop from best,
    EDSS worsening and improvements.

    A decline from best whose best is the very grading a decline (rule 1) starts from says
    nothing that decline does not, and is left out.
    """
    declined_from = {
        (d["muscle_group"], d["side"], d["from_grade"], d["from_date"]) for d in trends["declines"]
    }
    findings = [
        Finding(
            "Decline from best",
            f"{_muscle_side(d)} {d['best_grade']} → {d['to_grade']} since {_day(d['best_date'])} "
            "(best in the last year)",
            ("decline_from_best", d["muscle_group"], d["side"]),
        )
        for d in trends["declines_from_best"]
        if (d["muscle_group"], d["side"], d["best_grade"], d["best_date"]) not in declined_from
    ]
    if trends["mrc_sum_drop_from_best"]:
        drop = rules.mrc_sum_drop_from_best(trends["mrc_sum"])
        findings.append(
            Finding(
                "Decline from best",
                f"MRC sum {drop['best_score']} → {drop['to_score']} since {_day(drop['best_date'])} "
                "(best in the last year)",
                ("mrc_sum_drop_from_best", None, None),
            )
        )
    if trends["edss_worsening"]:
        previous, latest = trends["edss"][-2:]
        findings.append(
            Finding(
                "EDSS worsening",
                f"EDSS {previous['edss']} → {latest['edss']} "
                f"({_day(previous['assessed_on'])} to {_day(latest['assessed_on'])})",
                ("edss_worsening", None, None),
            )
        )
    findings += [
        Finding(
            "Improvement",
            f"{_muscle_side(i)} {i['from_grade']} → {i['to_grade']} "
            f"({_day(i['from_date'])} to {_day(i['to_date'])})",
            ("improvement", i["muscle_group"], i["side"]),
            improvement=True,
        )
        for i in trends["improvements"]
    ]
    return findings


def _chart_changes(trends):
    """What each muscle group's chart card says in words about the points marked on it: rule 11's
    declines from best and rule 13's improvements, ``{muscle_group: [{kind, text}]}``, left
    before right."""
    changes = [
        (
            d["muscle_group"],
            d["side"],
            "decline_from_best",
            f"{d['side'].capitalize()}: best {d['best_grade']} ({_day(d['best_date'])}) → "
            f"{d['to_grade']} ({_day(d['to_date'])})",
        )
        for d in trends["declines_from_best"]
    ] + [
        (
            i["muscle_group"],
            i["side"],
            "improvement",
            f"{i['side'].capitalize()}: improved {i['from_grade']} ({_day(i['from_date'])}) → "
            f"{i['to_grade']} ({_day(i['to_date'])})",
        )
        for i in trends["improvements"]
    ]
    by_group = {}
    for group, _side, kind, text in sorted(changes, key=lambda change: change[:2]):
        by_group.setdefault(group, []).append({"kind": kind, "text": text})
    return by_group


def dose_changes(medications, *, since):
    """The starts and increases of antispasticity drugs (the events rule 16 looks at) on or after
    ``since`` (the first assessment: earlier ones fall before every chart), oldest first, each as
    ``{date, text}`` for a marker on the strength charts."""
    raised = sorted(
        (
            m
            for m in medications
            if m.drug in ANTISPASTICITY_DRUGS
            and m.event in rules.DOSE_RAISING_EVENTS
            and m.occurred_on >= since
        ),
        key=lambda m: (m.occurred_on, m.pk),
    )
    return [
        {
            "date": m.occurred_on,
            "text": _dose_change(
                {"drug": m.drug, "event": m.event, "occurred_on": m.occurred_on, "dose": m.dose}
            ),
        }
        for m in raised
    ]


def chart_data(trends, falls, today, medications=()):
    """What the charts draw, for ``json_script``: the trends as computed, plus labels, falls and
    the antispasticity dose changes (``medications``: the patient's ``MedicationEvent`` records).

    Each muscle group carries the words its chart card shows (``changes``); the points those
    words are about are marked by dashboard.js from ``declines``, ``declines_from_best`` and
    ``improvements``. ``dose_changes_text`` says in words what the dose-change lines show.
    """
    start, _ = rules.fall_window(today)
    changes = _chart_changes(trends)
    first_assessed_on = trends["mrc_sum"][0]["assessed_on"] if trends["mrc_sum"] else None
    doses = dose_changes(medications, since=first_assessed_on) if first_assessed_on else []
    return {
        "today": today,
        "fall_window_start": start,
        "grades": [{"label": g.label, "thirds": g.thirds} for g in MRCGrade],
        "muscle_groups": [
            {"value": g.value, "label": muscle_label(g), "changes": changes.get(g.value, [])}
            for g in MuscleGroup
        ],
        "series": trends["series"],
        "mrc_sum": trends["mrc_sum"],
        "mrc_sum_drop": trends["mrc_sum_drop"],
        "declines": trends["declines"],
        "declines_from_best": trends["declines_from_best"],
        "improvements": trends["improvements"],
        "edss": trends["edss"],
        "edss_worsening": trends["edss_worsening"],
        "timed_25ft_walk": trends["timed_25ft_walk"],
        "walking_slowed": trends["walking_slowed"],
        "dose_changes": doses,
        "dose_changes_text": (
            "Antispasticity dose changes marked: " + "; ".join(d["text"] for d in doses) + "."
            if doses
            else ""
        ),
        "falls": [
            {
                "date": clinic_date(f.occurred_at),
                "near_fall": f.near_fall,
                "from_diary": f.from_diary,
                "injury": f.injury,
                "medical_attention": f.medical_attention,
            }
            for f in falls
        ],
    }


# The patient edit page ---------------------------------------------------------------------------


def _shown(patient, field):
    value = getattr(patient, field)
    if value is None or value == "":
        return "blank"
    if patient._meta.get_field(field).choices:
        return getattr(patient, f"get_{field}_display")()
    return f"{value:%d %b %Y}" if isinstance(value, datetime.date) else str(value)


def edited_meanwhile_message(form, current):
    """What the edit page says when ``current`` was saved by someone else after the page was drawn:
    the stored values of the fields where they differ from what the user typed in ``form``."""
    stored = "; ".join(
        f"{form.fields[f].label}: {_shown(current, f)}"
        for f in PATIENT_EDITABLE
        if form.cleaned_data[f] != getattr(current, f)
    )
    return (
        "Someone else changed this patient's details while you were editing. "
        f"Stored now: {stored}. Your values are kept below; save again to replace theirs."
    )


# The reminders inbox -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReminderRow:
    reminder: Reminder
    overdue: bool


def reminder_row(reminder, *, today):
    """Overdue: open (neither acknowledged nor resolved) and its due date passed."""
    overdue = reminder.status in OPEN_STATUSES and reminder.due_on < today
    return ReminderRow(reminder, overdue)


# Reports ---------------------------------------------------------------------------------------


def report_month(value):
    """A report's ``YYYY-MM`` month as the clinic writes it: ``2025-03`` → ``Mar 2025``."""
    return format_date(datetime.date.fromisoformat(f"{value}-01"), "M Y")


def _report_cell(column, value, clinic_names):
    """One figure of a report as its table shows it: codes in words, shares as percentages."""
    if value is None:
        return "—"
    if column == "clinic":
        return clinic_names.get(value, value)
    if column == "month":
        return report_month(value)
    if column in REPORT_CODE_CHOICES:
        return code_words(REPORT_CODE_CHOICES[column], value)
    if column == "high_fall_risk_share":
        return f"{value:.0%}"
    return value


def report_table(report, columns, rows, *, clinic_names):
    """A report's rows (``{column: value}``) as a table of words: ``{headings, rows}``."""
    return {
        "headings": [report_column_label(report, column) for column in columns],
        "rows": [[_report_cell(column, row[column], clinic_names) for column in columns] for row in rows],
    }


def due_in_words(days_overdue):
    """``3 days overdue``, ``Due today`` or ``Due in 3 days``: never a negative number of days."""
    days = abs(days_overdue)
    span = f"{days} day{'' if days == 1 else 's'}"
    if days_overdue > 0:
        return f"{span} overdue"
    return f"Due in {span}" if days_overdue else "Due today"


def overdue_report_row(row, *, clinic_names):
    """A row of the overdue report (``{column: value}``) with what it is about in words."""
    detail_choices = FOLLOW_UP_DETAIL_CHOICES.get(row["kind"])
    return {
        **row,
        "what": rules.FollowUpKind(row["kind"]).label,
        "when": due_in_words(row["days_overdue"]),
        "overdue": row["days_overdue"] > 0,
        "clinic_name": clinic_names.get(row["clinic"], row["clinic"]),
        "detail_words": code_words(detail_choices, row["detail"]) if detail_choices else row["detail"],
    }


def report_chart(report, key, totals, *, clinic_names):
    """A chart's data from a report's figures summed by ``key`` (``{key value: {column: total}}``):
    the labels along its axis and its series, each named in words."""
    columns = list(next(iter(totals.values()), {}))
    return {
        "labels": [_report_cell(key, value, clinic_names) for value in totals],
        "series": [
            {"name": report_column_label(report, column), "values": [row[column] for row in totals.values()]}
            for column in columns
        ],
    }


# The diary panel of the dashboard (SPEC §7) ---------------------------------------------------------

# The bar charts' drawing area, in the SVG's own units (it scales to its box).
DIARY_CHART_LEFT, DIARY_CHART_TOP, DIARY_CHART_HEIGHT, DIARY_BAR_STEP = 28, 8, 100, 10


def _diary_chart(panel, field):
    """A bar for each recorded day of the panel's 28 (none for a day not recorded), 0–10 high."""
    by_day = {entry.day: getattr(entry, field) for entry in panel["entries"]}
    scale = DIARY_CHART_HEIGHT / 10
    bars = []
    for index in range(panel["days"]):
        day = panel["first_day"] + datetime.timedelta(days=index)
        if day in by_day:
            height = by_day[day] * scale
            bars.append(
                {
                    "day": day,
                    "value": by_day[day],
                    "x": DIARY_CHART_LEFT + index * DIARY_BAR_STEP + 1,
                    "y": DIARY_CHART_TOP + DIARY_CHART_HEIGHT - height,
                    "height": max(height, 1),  # a 0 still shows it was recorded
                }
            )
    bottom = DIARY_CHART_TOP + DIARY_CHART_HEIGHT
    return {
        "bars": bars,
        "width": DIARY_CHART_LEFT + panel["days"] * DIARY_BAR_STEP + 4,
        "height": bottom + 16,
        "bottom": bottom,
        "right": DIARY_CHART_LEFT + panel["days"] * DIARY_BAR_STEP,
        "ticks": [
            {"value": v, "y": bottom - v * scale, "label_y": bottom - v * scale + 3} for v in (0, 5, 10)
        ],
        "left": DIARY_CHART_LEFT,
        "label_y": bottom + 12,
    }


def diary_panel(panel, *, link, may_issue_link):
    """What the dashboard's diary card shows: ``diary.selectors.diary_panel`` with its charts."""
    asked, done = panel["exercises_asked"], panel["exercises_done"]
    return {
        **panel,
        "fatigue_chart": _diary_chart(panel, "fatigue"),
        "spasms_chart": _diary_chart(panel, "spasms"),
        "adherence": round(100 * done / asked) if asked else None,
        "heat_days": sum(entry.heat_worse for entry in panel["entries"]),
        "link": link,
        "may_issue_link": may_issue_link,
    }
