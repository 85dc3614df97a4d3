"""The patient dashboard: summary, alerts, guidance and the chart data, all from the trends service."""

import datetime
import json
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.grades import MuscleGroup
from assessments.models import SpasticityScore
from clinical_rules.rules import GUIDANCE
from clinical_rules.trends import patient_trends
from tests import factories

pytestmark = pytest.mark.django_db


def _url(patient):
    return reverse("web:patient_dashboard", args=[patient.pk])


def chart_data(response):
    match = re.search(
        r'<script id="trend-data" type="application/json">(.*?)</script>', response.content.decode(), re.S
    )
    assert match, "the dashboard carries its chart data as json_script"
    return json.loads(match.group(1))


def test_summary(nora_web, assessed_patient, nora, phil):
    factories.FallFactory(patient=assessed_patient, recorded_by=nora, injury="severe")
    factories.DeviceFactory(patient=assessed_patient, prescribed_by=phil, device_type="afo", side="left")
    factories.ReferralFactory(patient=assessed_patient, created_by=nora, to_service="orthotics")
    response = nora_web.get(_url(assessed_patient))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Lovelace, Ada" in html and "MRN N-0001" in html
    assert "10 Apr 2026" in html  # last assessed
    assert "3 Jul 2026" in html  # next due: 12 weeks later
    assert ">Overdue</span>" in html
    assert "High fall risk" in html  # one severe fall
    assert "Ankle-foot orthosis (AFO) (Left)" in html
    assert "Orthotics (draft)" in html
    assert "1 fall, 0 near-falls" in html
    # One fall in 182 days: 1 × 30.4375 / 182 = 0.1672… a month, shown to two decimals.
    assert response.context["trends"]["fall_rate_per_month"] == Decimal("0.17")
    assert "<dd>0.17 a month</dd>" in html


def test_alerts_and_guidance_come_from_the_rules(nora_web, assessed_patient):
    html = nora_web.get(_url(assessed_patient)).content.decode()
    assert "Decline:</strong> Ankle dorsiflexion, left: 4 → 3-" in html
    assert "Asymmetry:</strong> Ankle dorsiflexion: left 3-, right 5" in html
    assert GUIDANCE["primary"] in html
    assert "Primary (demyelination)" in html
    # The knee extensions are secondary weakness but graded 5: no resistance training advice.
    assert GUIDANCE["secondary"] not in html
    # The decline from best (4 of 10 Jan → 3-) is the decline itself: it is not said twice.
    assert "Decline from best" not in html


def test_guidance_rows_are_the_latest_assessment_below_grade_5(nora_web, assessed_patient):
    guidance = nora_web.get(_url(assessed_patient)).context["guidance"]
    # Only the left ankle is below 5; the right ankle, the knees and the rest get no row.
    assert guidance == {
        "assessed_on": datetime.date(2026, 4, 10),
        "rows": [
            {
                "label": "Ankle dorsiflexion",
                "sides": [
                    {
                        "side": "left",
                        "assessed_on": datetime.date(2026, 4, 10),
                        "grade": "3-",
                        "weakness_type": "Primary (demyelination)",
                        "text": GUIDANCE["primary"],
                    }
                ],
                "same_guidance": True,
            }
        ],
    }


def test_guidance_rows_stand_weakest_first_with_both_sides_of_a_muscle_group(nora_web, north, nora):
    patient = factories.PatientFactory(clinic=north)
    grades = factories.full_grades("5") | {
        ("shoulder_abduction", "left"): "4",
        ("knee_extension", "left"): "4+",
        ("knee_extension", "right"): "2",
        ("grip", "right"): "4",
    }
    factories.assessment_with_grades(patient, datetime.date(2026, 4, 10), grades, assessor=nora)
    rows = nora_web.get(_url(patient)).context["guidance"]["rows"]
    # The knee row first (its right side, 2, is the weakest), then the 4s head to toe.
    assert [(row["label"], [side["side"] for side in row["sides"]]) for row in rows] == [
        ("Knee extension", ["left", "right"]),
        ("Shoulder abduction", ["left"]),
        ("Grip", ["right"]),
    ]


def test_guidance_holds_when_an_assessment_is_saved_while_the_page_is_built(
    nora_web, north, nora, monkeypatch
):
    """The page reads the trends, then its lists: an assessment recorded in between, grading a
    muscle the trends' latest did not, must not break the guidance table (it was a 500)."""
    from web.views import patients as views

    patient = factories.PatientFactory(clinic=north)
    factories.assessment_with_grades(
        patient, datetime.date(2026, 4, 10), {("grip", "left"): "4"}, assessor=nora
    )

    def trends_then_a_new_assessment(patient, *, today, records=None):
        trends = patient_trends(patient, today=today, records=records)
        factories.assessment_with_grades(
            patient, datetime.date(2026, 4, 20), {("ankle_dorsiflexion", "left"): "3"}, assessor=nora
        )
        return trends

    monkeypatch.setattr(views, "patient_trends", trends_then_a_new_assessment)
    response = nora_web.get(_url(patient))
    assert response.status_code == 200
    assert response.context["guidance"] == {
        "assessed_on": datetime.date(2026, 4, 10),
        "rows": [
            {
                "label": "Grip",
                "sides": [
                    {
                        "side": "left",
                        "assessed_on": datetime.date(2026, 4, 10),
                        "grade": "4",
                        "weakness_type": "Unknown",
                        "text": GUIDANCE["unknown"],
                    }
                ],
                "same_guidance": True,
            }
        ],
    }
    assert "From the latest assessment (10 Apr 2026)" in response.content.decode()


def test_chart_data_is_the_trends_series(nora_web, assessed_patient):
    data = chart_data(nora_web.get(_url(assessed_patient)))
    ankle = next(
        s for s in data["series"] if (s["muscle_group"], s["side"]) == ("ankle_dorsiflexion", "left")
    )
    assert ankle["points"] == [
        {"assessed_on": "2026-01-10", "grade": "4", "thirds": 12},
        {"assessed_on": "2026-04-10", "grade": "3-", "thirds": 8},
    ]
    assert [g["label"] for g in data["grades"]] == [
        "0",
        "1",
        "2-",
        "2",
        "2+",
        "3-",
        "3",
        "3+",
        "4-",
        "4",
        "4+",
        "5",
    ]
    assert [p["score"] for p in data["mrc_sum"]] == [59, 58]
    assert data["declines"][0]["to_grade"] == "3-"
    assert len(data["muscle_groups"]) == 12


def test_entered_in_error_records_leave_the_charts(nora_web, assessed_patient, nora):
    latest = assessed_patient.assessments.order_by("-assessed_on").first()
    latest.mark_entered_in_error(by=nora, reason="Wrong patient")
    data = chart_data(nora_web.get(_url(assessed_patient)))
    assert {p["assessed_on"] for s in data["series"] for p in s["points"]} == {"2026-01-10"}
    assert data["declines"] == []


def test_falls_timeline_data(nora_web, assessed_patient, nora):
    when = timezone.make_aware(datetime.datetime(2026, 5, 1, 23, 30))
    factories.FallFactory(patient=assessed_patient, recorded_by=nora, occurred_at=when, near_fall=True)
    data = chart_data(nora_web.get(_url(assessed_patient)))
    assert data["falls"] == [
        {
            "date": "2026-05-01",
            "near_fall": True,
            "from_diary": False,
            "injury": "none",
            "medical_attention": False,
        }
    ]


def test_the_falls_table_shows_the_activity_and_the_notes_in_full(nora_web, assessed_patient, nora):
    notes = (
        "Left toe caught on the kerb outside the pharmacy; got up alone after a few minutes.\nBruised knee."
    )
    factories.FallFactory(
        patient=assessed_patient, recorded_by=nora, activity="Walking to the shops", notes=notes
    )
    factories.FallFactory(patient=assessed_patient, recorded_by=nora, near_fall=True)
    html = nora_web.get(_url(assessed_patient)).content.decode()
    falls = html.split('id="falls"', 1)[1].split("</section>", 1)[0]
    head = falls.split("<thead>", 1)[1].split("</thead>", 1)[0]
    assert '<th scope="col">Activity</th><th scope="col">Notes</th>' in head
    told, untold = sorted(_table_rows(html, "falls"), key=lambda row: "Walking" not in row)
    assert '<td data-label="Activity" class="cell-text">Walking to the shops</td>' in told
    assert (
        '<td data-label="Notes" class="cell-text">Left toe caught on the kerb outside the pharmacy; got up alone after a few '
        "minutes.<br>Bruised knee.</td>"
    ) in told
    assert untold.count('class="cell-text">—</td>') == 2


def test_the_grades_table_runs_head_to_toe_left_before_right_oldest_first(nora_web, assessed_patient):
    response = nora_web.get(_url(assessed_patient))
    rows = [(r["muscle_group"], r["side"], r["assessed_on"]) for r in response.context["grades"]]
    expected = [
        (group.value, side, day)
        for group in MuscleGroup
        for side in ("left", "right")
        for day in (datetime.date(2026, 1, 10), datetime.date(2026, 4, 10))
    ]
    assert rows == expected
    table = response.content.decode().split("<summary>Grades as a table</summary>", 1)[1]
    first_cells = re.findall(r"<tr><td[^>]*>[^<]*</td><td[^>]*>([^<]*)</td><td[^>]*>([^<]*)</td>", table)[:5]
    assert first_cells == [
        ("Shoulder abduction", "Left"),
        ("Shoulder abduction", "Left"),
        ("Shoulder abduction", "Right"),
        ("Shoulder abduction", "Right"),
        ("Elbow flexion", "Left"),
    ]


def test_a_patient_with_nothing_recorded(nora_web, north):
    patient = factories.PatientFactory(clinic=north)
    response = nora_web.get(_url(patient))
    assert response.status_code == 200
    assert "No assessments yet." in response.content.decode()
    assert chart_data(response)["series"] == []


def test_an_entered_in_error_patient_is_readable_but_closed(ada_web, assessed_patient, ada):
    assessed_patient.mark_entered_in_error(by=ada, reason="Duplicate registration")
    html = ada_web.get(_url(assessed_patient)).content.decode()
    assert "Entered in error." in html and "Duplicate registration" in html
    assert "Record assessment" not in html
    response = ada_web.get(reverse("web:assessment_new", args=[assessed_patient.pk]))
    assert response.status_code == 404


def test_the_dashboard_costs_a_fixed_number_of_queries(nora_web, assessed_patient, nora, phil):
    def add(n):
        for i in range(n):
            day = datetime.date(2025, 1, 1) + datetime.timedelta(days=i)
            assessment = factories.assessment_with_grades(
                assessed_patient, day, factories.full_grades("4"), assessor=nora
            )
            SpasticityScore.objects.create(assessment=assessment, muscle_group="grip", side="left", mas=i % 6)
            factories.FallFactory(patient=assessed_patient, recorded_by=nora)
            factories.DeviceFactory(patient=assessed_patient, prescribed_by=phil)
            factories.ReferralFactory(patient=assessed_patient, created_by=nora)
            # Each a dose change drawn on every chart, and a plan on the dashboard with its sheet.
            factories.MedicationFactory(
                patient=assessed_patient,
                recorded_by=nora,
                drug="tizanidine",
                event="increase",
                occurred_on=day,
            )
            factories.PlanFactory(patient=assessed_patient, prescribed_by=phil, started_on=day, side="both")

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert nora_web.get(_url(assessed_patient)).status_code == 200
        return len(queries)

    add(1)
    few = count()
    add(10)
    assert count() == few


def _table_rows(html, section):
    """The body rows of the table in the dashboard's ``<section id=section>``."""
    table = html.split(f'id="{section}"', 1)[1].split("</section>", 1)[0]
    return table.split("<tbody>", 1)[1].split("</tbody>", 1)[0].split("<tr>")[1:]


def _row_of(rows, text):
    (row,) = [row for row in rows if text in row]
    return row


def test_the_review_due_badge_is_on_the_device_due_for_review(nora_web, assessed_patient, phil):
    today = timezone.localdate()
    # Reviews fall 90 days after the prescription: in two days (due, rule 8) and in 90.
    factories.DeviceFactory(
        patient=assessed_patient,
        prescribed_by=phil,
        device_type="afo",
        prescribed_on=today - datetime.timedelta(days=88),
    )
    factories.DeviceFactory(
        patient=assessed_patient, prescribed_by=phil, device_type="walker", prescribed_on=today
    )
    rows = _table_rows(nora_web.get(_url(assessed_patient)).content.decode(), "devices")
    assert len(rows) == 2
    assert ">Review due</span>" in _row_of(rows, "Ankle-foot orthosis (AFO)")
    assert ">Review due</span>" not in _row_of(rows, "Walker")


def test_the_overdue_badge_is_on_the_open_referral_past_its_due_date(nora_web, assessed_patient, nora):
    today = timezone.localdate()
    referred_on = today - datetime.timedelta(days=60)
    for to_service, status, due_by in [
        ("neurology", "sent", today - datetime.timedelta(days=1)),  # open and overdue (rule 7)
        ("orthotics", "closed", today - datetime.timedelta(days=1)),  # past due, but closed
        ("continence", "draft", today),  # open, due today: not overdue yet
    ]:
        factories.ReferralFactory(
            patient=assessed_patient,
            created_by=nora,
            to_service=to_service,
            status=status,
            referred_on=referred_on,
            due_by=due_by,
        )
    html = nora_web.get(_url(assessed_patient)).content.decode()
    rows = _table_rows(html, "referrals")
    assert len(rows) == 3
    assert ">Overdue</span>" in _row_of(rows, "Neurology")
    assert ">Overdue</span>" not in _row_of(rows, "Orthotics")
    assert ">Overdue</span>" not in _row_of(rows, "Continence")
    # The summary lists the open ones, the overdue one marked so; the closed one is not open.
    summary = html.split("<dt>Open referrals</dt>", 1)[1].split("</dd>", 1)[0]
    assert 'Neurology (sent) <span class="badge badge--danger">Overdue</span>' in summary
    assert "Continence (draft)" in summary and "Continence (draft) <span" not in summary
    assert "Orthotics" not in summary


@pytest.mark.parametrize(
    ("viewer", "may_mark"),
    [
        # The author of a record marks it; an admin marks any; someone else, or no role, none.
        ("nora", {"assessment", "fall", "referral"}),
        ("phil", {"device"}),
        ("ada", {"assessment", "fall", "device", "referral", "patient"}),
        ("rolf", set()),
    ],
)
def test_the_entered_in_error_links_are_on_the_records_the_viewer_may_mark(
    request, viewer, may_mark, assessed_patient, nora, phil
):
    records = {
        "assessment": list(assessed_patient.assessments.all()),
        "fall": [factories.FallFactory(patient=assessed_patient, recorded_by=nora)],
        "device": [factories.DeviceFactory(patient=assessed_patient, prescribed_by=phil)],
        "referral": [factories.ReferralFactory(patient=assessed_patient, created_by=nora)],
        "patient": [assessed_patient],
    }
    html = request.getfixturevalue(f"{viewer}_web").get(_url(assessed_patient)).content.decode()
    linked = set(re.findall(r'href="/records/(\w+)/(\d+)/entered-in-error/"', html))
    assert linked == {(kind, str(record.pk)) for kind in may_mark for record in records[kind]}
    # Each link sits in its own record's table.
    for kind, section in [
        ("assessment", "assessments"),
        ("fall", "falls"),
        ("device", "devices"),
        ("referral", "referrals"),
    ]:
        for record in records[kind] if kind in may_mark else []:
            assert f"/records/{kind}/{record.pk}/entered-in-error/" in "".join(_table_rows(html, section))


def test_changes_to_review_word_the_findings_with_their_numbers(nora_web, north, nora):
    """A slow slide of the left leg and an improving right grip, the MRC sum and EDSS with them.

    MRC sums by hand (left ankle + left knee whole grades + ten items at 5): 4 + 4 + 50 = 58,
    3 + 4 + 50 = 57 (4- is a whole 4), 2 + 3 + 50 = 55, 1 + 3 + 50 = 54.
    """
    patient = factories.PatientFactory(clinic=north)
    for day, ankle, knee, grip, edss in [
        (datetime.date(2026, 1, 14), "4", "4", "3", "3.5"),
        (datetime.date(2026, 4, 15), "3", "4-", "3", None),
        (datetime.date(2026, 7, 10), "2-", "3+", "3", None),
        (datetime.date(2026, 10, 5), "1", "3", "4", "4.5"),
    ]:
        grades = factories.full_grades("5") | {
            ("ankle_dorsiflexion", "left"): ankle,
            ("knee_extension", "left"): knee,
            ("grip", "right"): grip,
        }
        factories.assessment_with_grades(patient, day, grades, assessor=nora, edss=edss)

    response = nora_web.get(_url(patient))
    html = response.content.decode()
    changes = html.split('id="alerts-title"', 1)[1].split("</section>", 1)[0]
    # Never reviewed: every finding is new.
    changes = changes.replace(' <span class="badge badge--warning">New: never reviewed</span></li>', "</li>")
    # No whole grade between the last two visits (2- → 1, 3+ → 3) and 55 → 54: rules 1 and 2 are quiet.
    assert "Decline:" not in changes and "MRC sum drop:" not in changes
    assert (
        "<strong>Decline from best:</strong> Left ankle dorsiflexion 4 → 1 since 14 Jan 2026 "
        "(best in the last year)</li>" in changes
    )
    assert (
        "<strong>Decline from best:</strong> Left knee extension 4 → 3 since 14 Jan 2026 "
        "(best in the last year)</li>" in changes
    )
    assert (
        "<strong>Decline from best:</strong> MRC sum 58 → 54 since 14 Jan 2026 (best in the last year)</li>"
        in changes
    )
    assert "<strong>EDSS worsening:</strong> EDSS 3.5 → 4.5 (14 Jan 2026 to 5 Oct 2026)</li>" in changes
    assert (
        '<li class="finding--improvement"><strong><span aria-hidden="true">▲ </span>Improvement:</strong> '
        "Right grip 3 → 4 (10 Jul 2026 to 5 Oct 2026)</li>" in changes
    )


def test_improvements_alone_are_listed(nora_web, north, nora):
    patient = factories.PatientFactory(clinic=north)
    factories.assessment_with_grades(
        patient, datetime.date(2026, 1, 14), {("grip", "left"): "2"}, assessor=nora
    )
    factories.assessment_with_grades(
        patient, datetime.date(2026, 4, 14), {("grip", "left"): "3"}, assessor=nora
    )
    html = nora_web.get(_url(patient)).content.decode()
    assert "Improvement:</strong> Left grip 2 → 3 (14 Jan 2026 to 14 Apr 2026)" in html


def _section(html, title_id):
    return html.split(f'id="{title_id}"', 1)[1].split("</section>", 1)[0]


def _chart_card(html, muscle_group):
    return html.split(f'data-muscle-group="{muscle_group}"', 1)[1].split("</figure>", 1)[0]


def test_the_muscle_chart_cards_say_what_their_marks_are_in_words(nora_web, changing_patient):
    html = nora_web.get(_url(changing_patient)).content.decode()
    assert (
        '<li class="chart-change--decline_from_best"><span aria-hidden="true">▼ </span>'
        "Left: best 4 (14 Jan 2026) → 1 (5 Oct 2026)</li>" in _chart_card(html, "ankle_dorsiflexion")
    )
    assert "Left: best 4 (14 Jan 2026) → 3 (5 Oct 2026)" in _chart_card(html, "knee_extension")
    assert (
        '<li class="chart-change--improvement"><span aria-hidden="true">▲ </span>'
        "Right: improved 3 (10 Jul 2026) → 4 (5 Oct 2026)</li>" in _chart_card(html, "grip")
    )
    assert "chart-changes" not in _chart_card(html, "hip_flexion")


def test_edss_and_the_timed_walk_are_charted_with_their_worsening_in_words_and_as_tables(
    nora_web, changing_patient
):
    html = nora_web.get(_url(changing_patient)).content.decode()
    edss = _section(html, "edss-title")
    assert '<canvas id="chart-edss" role="img"' in edss
    assert "<strong>▼ Worsening: EDSS 3.5 → 4.5 since the previous score (14 Jan 2026).</strong>" in edss
    assert re.findall(r"<tr><td>([^<]+)</td><td>([^<]+)</td></tr>", edss) == [
        ("14 Jan 2026", "3.5"),
        ("5 Oct 2026", "4.5"),
    ]
    walk = _section(html, "t25fw-title")
    assert '<canvas id="chart-t25fw" role="img"' in walk
    assert (
        "<strong>▼ Walking slowed: 9.00 s → 11.00 s, at least 20% slower than the walk before (15 Apr 2026).</strong>"
        in walk
    )
    assert re.findall(r"<tr><td>([^<]+)</td><td>([^<]+)</td></tr>", walk) == [
        ("14 Jan 2026", "8.00"),
        ("15 Apr 2026", "9.00"),
        ("5 Oct 2026", "11.00"),
    ]


def test_edss_and_walks_without_worsening_are_charted_without_its_words(nora_web, north, nora):
    patient = factories.PatientFactory(clinic=north)
    # From 3.5 a rise of 1.0 is worsening and 0.5 is not; 8 → 9.5 s is 18.75% slower, short of 20%.
    for day, edss, walk in [
        (datetime.date(2026, 3, 2), "3.5", "8.0"),
        (datetime.date(2026, 6, 1), "4.0", "9.5"),
    ]:
        factories.assessment_with_grades(
            patient, day, {}, assessor=nora, edss=edss, timed_25ft_walk_seconds=walk
        )
    html = nora_web.get(_url(patient)).content.decode()
    assert 'id="chart-edss"' in html and "Worsening:" not in _section(html, "edss-title")
    assert 'id="chart-t25fw"' in html and "Walking slowed" not in _section(html, "t25fw-title")


def test_no_edss_or_walk_recorded_is_a_sentence_not_an_empty_chart(nora_web, assessed_patient):
    html = nora_web.get(_url(assessed_patient)).content.decode()
    assert '<p class="empty">No EDSS recorded yet.</p>' in _section(html, "edss-title")
    assert '<p class="empty">No timed 25-foot walk recorded yet.</p>' in _section(html, "t25fw-title")
    assert 'id="chart-edss"' not in html and 'id="chart-t25fw"' not in html
