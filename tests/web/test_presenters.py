"""What the pages show beside a record, decided without a request: badges, rows and messages."""

import datetime
from decimal import Decimal

import pytest

from care.models import Referral
from care.selectors import devices_of
from care.services import device_review
from clinical_rules.trends import patient_trends
from patients import policy
from patients.models import Patient
from patients.services import record_mark_entered_in_error
from reminders.models import Reminder
from tests import factories
from tests.factories import DeviceFactory
from web import forms, presenters

TODAY = datetime.date(2026, 6, 1)


def _days(n):
    return TODAY + datetime.timedelta(days=n)


@pytest.mark.parametrize(
    ("due_in_days", "status", "badge"),
    [
        (-1, "active", "overdue"),
        (0, "active", "due"),  # due today is due, not yet overdue
        (7, "active", "due"),
        (8, "active", None),
        (-30, "discharged", None),
    ],
)
def test_the_follow_up_badge(due_in_days, status, badge):
    assert presenters.follow_up_badge(next_due=_days(due_in_days), status=status, today=TODAY) == badge


@pytest.mark.parametrize("status", list(Referral.Status))
def test_the_moves_offered_are_the_allowed_ones_labelled_in_status_order(status):
    moves = presenters.referral_moves(Referral(status=status), may_manage_referral=True)
    assert moves == tuple(
        (to, presenters.MOVE_LABELS[to])
        for to in Referral.Status
        if to in Referral.ALLOWED_TRANSITIONS[status]
    )


def test_no_move_is_offered_to_whom_may_not_manage_referrals():
    assert presenters.referral_moves(Referral(status="draft"), may_manage_referral=False) == ()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("viewer", "moves", "may_mark_in_error"),
    [
        ("nora", ("sent", "declined", "cancelled"), True),  # she wrote it
        ("phil", ("sent", "declined", "cancelled"), False),
        ("ada", ("sent", "declined", "cancelled"), True),  # an admin marks any record
        ("rolf", (), False),  # no role: reads only
    ],
)
def test_a_referral_row_by_role(request, viewer, moves, may_mark_in_error, nora):
    user = request.getfixturevalue(viewer)
    referral = Referral(status="draft", to_service="neurology", due_by=_days(-1), created_by=nora)
    (row,) = presenters.referral_rows(
        user, [referral], today=TODAY, may_manage_referral=policy.may_manage_referral(user)
    )
    assert row.referral is referral and row.overdue
    assert [status for status, _ in row.moves] == list(moves)
    assert row.may_mark_in_error is may_mark_in_error


@pytest.mark.django_db
def test_referral_rows_are_open_ones_first_and_overdue_only_while_open(nora):
    def referral(status):
        return Referral(status=status, due_by=_days(-3), created_by=nora)

    closed, sent, declined, draft = map(referral, ["closed", "sent", "declined", "draft"])
    rows = presenters.referral_rows(
        nora, [closed, sent, declined, draft], today=TODAY, may_manage_referral=True
    )
    assert [row.referral for row in rows] == [sent, draft, closed, declined]
    assert [row.is_open for row in rows] == [True, True, False, False]
    assert [row.overdue for row in rows] == [True, True, False, False]


@pytest.mark.django_db
def test_device_rows_say_whether_the_review_is_due_and_who_may_mark_them(nora, phil):
    def device(status, review_in_days):
        return DeviceFactory(
            status=status,
            prescribed_on=_days(-30),
            review_due_on=_days(review_in_days),
            discontinued_on=_days(-3) if status == "discontinued" else None,
            prescribed_by=phil,
        )

    due, later, stopped = device("active", 7), device("active", 8), device("discontinued", -3)
    rows = presenters.device_rows(
        phil, [due, later, stopped], today=TODAY, may_review_device=True, may_prescribe_device=True
    )
    assert [(row.device, row.review_due, row.may_mark_in_error) for row in rows] == [
        (due, True, True),
        (later, False, True),
        (stopped, False, True),
    ]
    # A review and a discontinuation are offered for a device in use only.
    assert [(row.may_review, row.may_discontinue) for row in rows] == [
        (True, True),
        (True, True),
        (False, False),
    ]
    rows = presenters.device_rows(
        nora, [due], today=TODAY, may_review_device=False, may_prescribe_device=False
    )
    assert [(row.may_mark_in_error, row.may_review, row.may_discontinue) for row in rows] == [
        (False, False, False)
    ]


@pytest.mark.django_db
def test_device_rows_carry_the_valid_reviews_and_who_may_mark_each(nora, phil, ada, clock):
    clock.move_to(datetime.datetime.combine(TODAY, datetime.time(12), tzinfo=datetime.UTC))
    device = DeviceFactory(prescribed_on=_days(-30), review_due_on=_days(10), prescribed_by=phil)
    first = device_review(device=device, by=phil, reviewed_on=_days(-20), next_review_due_on=_days(20))
    second = device_review(device=device, by=ada, reviewed_on=_days(-10), next_review_due_on=_days(40))
    mistaken = device_review(device=device, by=phil, reviewed_on=_days(-5), next_review_due_on=_days(60))
    record_mark_entered_in_error(record=mistaken, by=phil, reason="Another patient's AFO")
    [row] = presenters.device_rows(
        phil, devices_of(device.patient), today=TODAY, may_review_device=True, may_prescribe_device=True
    )
    assert [(r.record, r.may_mark_in_error) for r in row.reviews] == [(first, True), (second, False)]


@pytest.mark.parametrize(
    ("status", "due_in_days", "overdue"),
    [
        ("pending", -1, True),
        ("sent", -1, True),
        ("pending", 0, False),
        ("acknowledged", -30, False),
        ("resolved", -30, False),
    ],
)
def test_a_reminder_row_is_overdue_past_its_date_until_acknowledged_or_resolved(status, due_in_days, overdue):
    reminder = Reminder(status=status, due_on=_days(due_in_days))
    row = presenters.reminder_row(reminder, today=TODAY)
    assert row.reminder is reminder and row.overdue is overdue


def test_no_guidance_table_without_guidance():
    assert presenters.guidance_table({"guidance": [], "series": []}) is None


def test_the_edited_meanwhile_message_names_what_is_stored_where_it_differs():
    typed = {
        "mrn": "N-1",
        "given_name": "Ada",
        "family_name": "Lovelace",
        "date_of_birth": "1815-12-10",
        "sex": "female",
        "ms_type": "RRMS",
        "diagnosis_date": "2020-01-01",
        "status": "active",
        "reassessment_interval_weeks": "12",
    }
    form = forms.PatientEditForm(typed)
    assert form.is_valid(), form.errors
    stored = Patient(
        mrn="N-1",
        given_name="Ada",
        family_name="Byron",
        date_of_birth=datetime.date(1815, 12, 11),
        sex="female",
        ms_type="SPMS",
        diagnosis_date=None,
        status="active",
        reassessment_interval_weeks=12,
    )
    assert presenters.edited_meanwhile_message(form, stored) == (
        "Someone else changed this patient's details while you were editing. Stored now: "
        "Family name: Byron; Date of birth: 11 Dec 1815; MS type: Secondary progressive (SPMS); "
        "Diagnosis date: blank. Your values are kept below; save again to replace theirs."
    )


def test_changes_to_review_word_rules_1_2_3_and_9_before_the_strength_findings():
    trends = {
        "declines": [
            {
                "muscle_group": "ankle_dorsiflexion",
                "side": "left",
                "from_grade": "4",
                "to_grade": "3-",
                "from_date": _days(-90),
                "to_date": _days(-1),
            }
        ],
        "mrc_sum_drop": True,
        # The drop is from the previous complete assessment: an incomplete one between is skipped.
        "mrc_sum": [
            {"assessed_on": _days(-90), "score": 58},
            {"assessed_on": _days(-40), "score": None},
            {"assessed_on": _days(-1), "score": 55},
        ],
        "asymmetries": [{"muscle_group": "ankle_dorsiflexion", "left": "3-", "right": "5"}],
        "walking_slowed": True,
        "declines_from_best": [],
        "mrc_sum_drop_from_best": False,
        "edss_worsening": False,
        "edss": [],
        "improvements": [
            {
                "muscle_group": "grip",
                "side": "right",
                "from_grade": "3",
                "to_grade": "4",
                "from_date": _days(-90),
                "to_date": _days(-1),
            }
        ],
    }
    assert presenters.changes_to_review(trends, [], reviewed=None) == [
        presenters.Finding(
            "Decline",
            "Ankle dorsiflexion, left: 4 → 3- (3 Mar 2026 to 31 May 2026)",
            ("decline", "ankle_dorsiflexion", "left"),
        ),
        presenters.Finding(
            "MRC sum drop",
            "58 → 55 since the previous complete assessment (3 Mar 2026)",
            ("mrc_sum_drop", None, None),
        ),
        presenters.Finding(
            "Asymmetry", "Ankle dorsiflexion: left 3-, right 5", ("asymmetry", "ankle_dorsiflexion", None)
        ),
        presenters.Finding(
            "Walking slowed",
            "the latest timed 25-foot walk is at least 20% slower than the one before.",
            ("walking_slowed", None, None),
        ),
        presenters.Finding(
            "Improvement",
            "Right grip 3 → 4 (3 Mar 2026 to 31 May 2026)",
            ("improvement", "grip", "right"),
            improvement=True,
        ),
    ]


def _trends_with(declines, declines_from_best):
    return {
        "declines": declines,
        "declines_from_best": declines_from_best,
        "mrc_sum_drop_from_best": False,
        "mrc_sum": [],
        "edss_worsening": False,
        "edss": [],
        "improvements": [],
    }


def test_a_decline_from_best_is_worded_unless_the_decline_already_says_it():
    ankle = {"muscle_group": "ankle_dorsiflexion", "side": "left"}
    decline = ankle | {"from_grade": "4", "to_grade": "3-", "from_date": _days(-90), "to_date": _days(-1)}
    same = ankle | {"best_grade": "4", "best_date": _days(-90), "to_grade": "3-", "to_date": _days(-1)}
    earlier = same | {"best_grade": "4+", "best_date": _days(-200)}
    assert presenters.strength_findings(_trends_with([decline], [same])) == []
    assert presenters.strength_findings(_trends_with([decline], [earlier])) == [
        presenters.Finding(
            "Decline from best",
            "Left ankle dorsiflexion 4+ → 3- since 13 Nov 2025 (best in the last year)",
            ("decline_from_best", "ankle_dorsiflexion", "left"),
        )
    ]


# The charts' data, from the trends of real records -----------------------------------------------

AFTER_THE_VISITS = datetime.date(2026, 12, 1)


def _chart_data_of(patient):
    return presenters.chart_data(patient_trends(patient, today=AFTER_THE_VISITS), [], AFTER_THE_VISITS)


def test_chart_data_carries_what_the_charts_mark_and_draw(changing_patient):
    """The slide, the improvement, the EDSS and the walks of ``changing_patient``, worked out by hand."""
    jan, apr, jul, oct = (datetime.date(2026, m, d) for m, d in [(1, 14), (4, 15), (7, 10), (10, 5)])
    data = _chart_data_of(changing_patient)
    assert data["declines"] == []  # never a whole grade between two visits
    assert data["declines_from_best"] == [
        {
            "muscle_group": "ankle_dorsiflexion",
            "side": "left",
            "best_grade": "4",
            "best_date": jan,
            "to_grade": "1",
            "to_date": oct,
        },
        {
            "muscle_group": "knee_extension",
            "side": "left",
            "best_grade": "4",
            "best_date": jan,
            "to_grade": "3",
            "to_date": oct,
        },
    ]
    assert data["improvements"] == [
        {
            "muscle_group": "grip",
            "side": "right",
            "from_grade": "3",
            "to_grade": "4",
            "from_date": jul,
            "to_date": oct,
        }
    ]
    assert data["edss"] == [
        {"assessed_on": jan, "edss": Decimal("3.5")},
        {"assessed_on": oct, "edss": Decimal("4.5")},
    ]
    assert data["edss_worsening"] is True
    assert data["timed_25ft_walk"] == [
        {"assessed_on": jan, "seconds": Decimal("8")},
        {"assessed_on": apr, "seconds": Decimal("9")},
        {"assessed_on": oct, "seconds": Decimal("11")},
    ]
    assert data["walking_slowed"] is True


def test_each_muscle_chart_card_words_the_points_marked_on_it(changing_patient):
    changes = {
        group["value"]: group["changes"] for group in _chart_data_of(changing_patient)["muscle_groups"]
    }
    assert changes.pop("ankle_dorsiflexion") == [
        {"kind": "decline_from_best", "text": "Left: best 4 (14 Jan 2026) → 1 (5 Oct 2026)"}
    ]
    assert changes.pop("knee_extension") == [
        {"kind": "decline_from_best", "text": "Left: best 4 (14 Jan 2026) → 3 (5 Oct 2026)"}
    ]
    assert changes.pop("grip") == [
        {"kind": "improvement", "text": "Right: improved 3 (10 Jul 2026) → 4 (5 Oct 2026)"}
    ]
    assert len(changes) == 9 and all(words == [] for words in changes.values())


def test_a_chart_card_words_left_before_right(north, nora):
    patient = factories.PatientFactory(clinic=north)
    for day, left, right in [(datetime.date(2026, 3, 2), "2", "5"), (datetime.date(2026, 6, 1), "3", "4")]:
        factories.assessment_with_grades(
            patient, day, {("grip", "left"): left, ("grip", "right"): right}, assessor=nora
        )
    grip = next(g for g in _chart_data_of(patient)["muscle_groups"] if g["value"] == "grip")
    assert grip["changes"] == [
        {"kind": "improvement", "text": "Left: improved 2 (2 Mar 2026) → 3 (1 Jun 2026)"},
        {"kind": "decline_from_best", "text": "Right: best 5 (2 Mar 2026) → 4 (1 Jun 2026)"},
    ]


def test_chart_data_of_a_patient_with_nothing_recorded(north):
    data = _chart_data_of(factories.PatientFactory(clinic=north))
    assert all(data[key] == [] for key in ("declines_from_best", "improvements", "edss", "timed_25ft_walk"))
    assert data["edss_worsening"] is False and data["walking_slowed"] is False
    assert all(group["changes"] == [] for group in data["muscle_groups"])
