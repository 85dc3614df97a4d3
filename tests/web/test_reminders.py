"""The reminders inbox: what is addressed to me, acknowledged with one press (htmx or not)."""

import datetime
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from patients.models import Patient
from reminders.models import Reminder
from reminders.services import reminder_acknowledge, reminders_resolve
from tests import factories

pytestmark = pytest.mark.django_db

INBOX = reverse("web:reminder_inbox")


@pytest.fixture
def reminders(assessed_patient, nora, phil):
    today = timezone.localdate()
    mine = factories.ReminderFactory(patient=assessed_patient, due_on=today - datetime.timedelta(days=3))
    mine.recipients.add(nora, phil)
    referral = factories.ReferralFactory(patient=assessed_patient, created_by=nora, to_service="neurology")
    about_referral = factories.ReminderFactory(
        patient=assessed_patient, kind="referral_overdue", referral=referral, due_on=today
    )
    about_referral.recipients.add(nora)
    not_mine = factories.ReminderFactory(patient=assessed_patient, due_on=today + datetime.timedelta(days=1))
    not_mine.recipients.add(phil)
    return {"mine": mine, "referral": about_referral, "not_mine": not_mine}


def _listed(response):
    """The reminders the inbox lists, by id, in its order."""
    return [row.reminder.pk for row in response.context["rows"]]


def test_the_inbox_shows_what_is_addressed_to_me(nora_web, reminders):
    response = nora_web.get(INBOX)
    assert response.status_code == 200
    assert _listed(response) == [reminders["mine"].pk, reminders["referral"].pk]
    html = response.content.decode()
    assert "Reassessment due" in html and "Referral to Neurology" in html
    assert ">Overdue</span>" in html  # the reassessment reminder was due three days ago
    assert "Open (2)" in html


def test_acknowledge(nora_web, nora, reminders):
    response = nora_web.post(reverse("web:reminder_ack", args=[reminders["mine"].pk]))
    assert response.status_code == 302 and response["Location"] == INBOX
    reminders["mine"].refresh_from_db()
    assert reminders["mine"].status == "acknowledged" and reminders["mine"].acknowledged_by == nora
    open_ = nora_web.get(INBOX)
    assert _listed(open_) == [reminders["referral"].pk]
    done = nora_web.get(INBOX, {"show": "acknowledged"})
    assert _listed(done) == [reminders["mine"].pk]
    assert "Acknowledged" in done.content.decode()


def test_acknowledge_with_htmx_returns_the_row_and_the_new_count(nora_web, reminders):
    response = nora_web.post(
        reverse("web:reminder_ack", args=[reminders["mine"].pk]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<tr id="reminder-{reminders["mine"].pk}">')
    assert "Acknowledged" in html
    assert 'id="reminder-count"' in html and 'hx-swap-oob="true"' in html and ">1<" in html
    # The inbox's tabs come along out of band, with their counts.
    assert '<nav class="tabs" id="reminder-tabs" aria-label="Reminders" hx-swap-oob="true">' in html
    assert "Open (1)" in html and "Acknowledged (1)" in html and "Resolved (0)" in html


def test_a_reminder_not_addressed_to_me_is_forbidden(nora_web, reminders):
    response = nora_web.post(reverse("web:reminder_ack", args=[reminders["not_mine"].pk]))
    assert response.status_code == 403
    reminders["not_mine"].refresh_from_db()
    assert reminders["not_mine"].status == "pending"


def test_acknowledge_is_only_by_post(nora_web, reminders):
    assert nora_web.get(reverse("web:reminder_ack", args=[reminders["mine"].pk])).status_code == 405


def test_an_empty_inbox(sam_web):
    assert "No open reminders." in sam_web.get(INBOX).content.decode()


def test_a_reminder_about_a_fall_entered_in_error_leaves_the_open_inbox_for_the_resolved_tab(
    nora_web, nora, ada, reminders
):
    fall = factories.FallFactory(patient=reminders["mine"].patient, recorded_by=nora)
    about_fall = factories.ReminderFactory(patient=fall.patient, kind="fall_risk", fall=fall)
    about_fall.recipients.add(nora)
    assert about_fall.pk in _listed(nora_web.get(INBOX))

    fall.mark_entered_in_error(by=ada, reason="Wrong patient")
    response = nora_web.get(INBOX)
    assert _listed(response) == [reminders["mine"].pk, reminders["referral"].pk]
    assert "Open (2)" in response.content.decode()
    assert response.context["open_reminder_count"] == 2
    assert about_fall.pk in _listed(nora_web.get(INBOX, {"show": "resolved"}))


def test_a_resolved_reminder_leaves_the_open_inbox_and_its_counts(nora_web, reminders):
    referral = reminders["referral"].referral
    referral.status = "seen"
    referral.save()
    reminders_resolve(today=timezone.localdate())
    reminders["referral"].refresh_from_db()
    assert reminders["referral"].status == "resolved"

    response = nora_web.get(INBOX)
    assert _listed(response) == [reminders["mine"].pk]
    assert response.context["open_reminder_count"] == 1
    html = response.content.decode()
    assert "Open (1)" in html and "Resolved (1)" in html
    resolved = nora_web.get(INBOX, {"show": "resolved"})
    assert _listed(resolved) == [reminders["referral"].pk]
    assert "its reason has gone" in resolved.content.decode()
    assert ">Overdue</span>" not in resolved.content.decode()


def test_acknowledging_a_reminder_that_resolved_itself_leaves_it_resolved(nora_web, reminders):
    Patient.objects.filter(pk=reminders["mine"].patient_id).update(status="discharged")
    reminders_resolve(today=timezone.localdate())
    response = nora_web.post(reverse("web:reminder_ack", args=[reminders["mine"].pk]), follow=True)
    assert "This reminder had already resolved itself" in response.content.decode()
    reminders["mine"].refresh_from_db()
    assert (reminders["mine"].status, reminders["mine"].acknowledged_by) == ("resolved", None)


@pytest.mark.parametrize("show", ["open", "acknowledged", "resolved"])
def test_the_inbox_costs_the_same_queries_whatever_its_reminders_are_about(
    nora_web, nora, phil, assessed_patient, show
):
    """Each row names its subject: a reminder about any kind of record adds no query of its own."""
    today = timezone.localdate()
    days_ago = itertools.count(1)

    def add_one_of_each_kind():
        subjects = {
            "reassessment_due": {},
            "referral_overdue": {"referral": factories.ReferralFactory(patient=assessed_patient)},
            "device_review_due": {"device": factories.DeviceFactory(patient=assessed_patient)},
            "fall_risk": {"fall": factories.FallFactory(patient=assessed_patient)},
            "strength_review": {"assessment": factories.AssessmentFactory(patient=assessed_patient)},
        }
        for kind, subject in subjects.items():
            reminder = factories.ReminderFactory(
                patient=assessed_patient,
                kind=kind,
                due_on=today - datetime.timedelta(days=next(days_ago)),
                **subject,
            )
            reminder.recipients.add(nora)
            if show == "acknowledged":
                reminder_acknowledge(reminder=reminder, by=phil)
            if show == "resolved":
                Reminder.objects.filter(pk=reminder.pk).update(status="resolved", resolved_at=timezone.now())

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert nora_web.get(INBOX, {"show": show}).status_code == 200
        return len(captured)

    add_one_of_each_kind()
    few = queries()
    add_one_of_each_kind()
    add_one_of_each_kind()
    assert queries() == few


def test_a_strength_review_reminder_names_its_assessment_and_leads_to_the_patients_review(
    phil_web, phil, assessed_patient
):
    latest = assessed_patient.assessments.order_by("-assessed_on").first()
    reminder = factories.ReminderFactory(
        patient=assessed_patient,
        kind="strength_review",
        assessment=latest,
        due_on=latest.assessed_on + datetime.timedelta(days=7),
    )
    reminder.recipients.add(phil)
    html = phil_web.get(INBOX).content.decode()
    row = html.split(f'<tr id="reminder-{reminder.pk}">', 1)[1].split("</tr>", 1)[0]
    assert ">Strength review</td>" in row
    dashboard = reverse("web:patient_dashboard", args=[assessed_patient.pk])
    assert f'<a href="{dashboard}#review">Findings of the assessment of 10 Apr 2026</a>' in row


def test_a_plan_review_reminder_names_the_plan_in_words(nora_web, assessed_patient, phil, nora):
    plan = factories.PlanFactory(
        patient=assessed_patient, prescribed_by=phil, started_on=datetime.date(2026, 3, 2)
    )
    reminder = factories.ReminderFactory(
        patient=assessed_patient, kind="plan_review_due", exercise_plan=plan, due_on=plan.review_on
    )
    reminder.recipients.add(nora)
    html = nora_web.get(INBOX).content.decode()
    row = html.split(f'id="reminder-{reminder.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "Exercise plan review due" in row
    assert "Progressive resistance plan, knee extension (left), review 13 Apr 2026" in row
    assert "Next assessment" not in row and "plan_review_due" not in row
