"""The demo cohort is plausible to a clinician: the rules find in it what each patient's story
is there to show, and nothing that comes from noise between visits."""

import io
from collections import Counter, defaultdict
from datetime import timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from assessments.models import Assessment, TrendReview
from care.models import DRUG_CLASS, Drug, DrugClass, MedicationEvent, Referral
from clinical_rules.models import AssessmentFindings
from clinical_rules.trends import patient_trends
from demo.cohort import demo_stories
from patients.clock import clinic_date
from patients.models import Clinic, Patient
from reminders.models import Reminder, ReminderKind
from reminders.sweep import reminder_sweep
from reports.queries import Referrals, Scope

pytestmark = pytest.mark.django_db

SLOW_SLIDE_MRN = "N100007"


@pytest.fixture(scope="module")
def today(django_db_setup, django_db_blocker):
    """The demo cohort, seeded once for the tests of this module (each of which still runs in
    a transaction of its own, inside this one) and rolled back after the last."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=io.StringIO())
        yield timezone.localdate()
        transaction.set_rollback(True)


def cohort_trends(today):
    return {patient.mrn: patient_trends(patient, today=today) for patient in Patient.objects.all()}


def mrns_where(trends, finding):
    return {mrn for mrn, found in trends.items() if found[finding]}


def stories_where(predicate):
    return {story.mrn for story in demo_stories() if predicate(story)}


def test_only_the_patients_meant_to_worsen_show_edss_worsening_or_slower_walking(today):
    trends = cohort_trends(today)
    meant_to_worsen = stories_where(lambda story: story.worsens)

    assert 4 <= len(meant_to_worsen) <= 10
    assert mrns_where(trends, "edss_worsening") == meant_to_worsen
    assert mrns_where(trends, "walking_slowed") == meant_to_worsen
    assert mrns_where(trends, "declines") == stories_where(lambda story: story.declining)


def test_edss_and_walking_change_little_between_visits_except_where_patients_worsen(today):
    meant_to_worsen = stories_where(lambda story: story.worsens)
    for patient in Patient.objects.all():
        assessments = list(patient.assessments.order_by("assessed_on", "id"))
        edss = [a.edss for a in assessments if a.edss is not None]
        walks = [a.timed_25ft_walk_seconds for a in assessments]
        if patient.mrn in meant_to_worsen:
            assert edss[-1] - edss[-2] >= Decimal("0.5")
            assert walks[-1] >= walks[-2] * Decimal("1.2")
            edss, walks = edss[:-1], walks[:-1]
        assert all(abs(after - before) <= Decimal("0.5") for before, after in pairwise(edss)), patient.mrn
        assert all(after < before * Decimal("1.15") for before, after in pairwise(walks)), patient.mrn


def test_each_patient_keeps_one_weakness_type_from_the_physios_classification_on(today):
    dominant_by_ms_type = defaultdict(Counter)
    for patient in Patient.objects.all():
        first, *later = patient.assessments.order_by("assessed_on", "id").prefetch_related("scores")
        assert {score.weakness_type for score in first.scores.all()} == {"unknown"}
        types = {}
        for assessment in later:
            for score in assessment.scores.all():
                types.setdefault((score.muscle_group, score.side), set()).add(score.weakness_type)
        assert all(len(kinds) == 1 for kinds in types.values()), patient.mrn
        by_muscle = {item: kinds.pop() for item, kinds in types.items()}
        ((dominant, _),) = Counter(by_muscle.values()).most_common(1)
        exceptions = {item: kind for item, kind in by_muscle.items() if kind != dominant}
        assert dominant != "unknown"
        # The one deliberate exception: a foot drop is the disease's own weakness.
        assert len(exceptions) <= 1
        assert all(
            group == "ankle_dorsiflexion" and kind == "primary" for (group, _), kind in exceptions.items()
        )
        dominant_by_ms_type[patient.ms_type][dominant] += 1

    progressive = dominant_by_ms_type["PPMS"] + dominant_by_ms_type["SPMS"]
    assert progressive["primary"] > 2 * (progressive.total() - progressive["primary"])
    relapsing = dominant_by_ms_type["RRMS"] + dominant_by_ms_type["CIS"]
    assert relapsing["secondary"] > relapsing.total() / 2
    mixed = sum(counter["mixed"] for counter in dominant_by_ms_type.values())
    assert 1 <= mixed <= Patient.objects.count() // 5


def test_referral_status_changes_are_days_and_weeks_apart_so_the_report_has_a_turnaround(today):
    now = timezone.now()
    for referral in Referral.objects.prefetch_related("status_changes"):
        changes = list(referral.status_changes.all())
        assert [(c.from_status, c.to_status) for c in changes] == list(
            pairwise(["", *[c.to_status for c in changes]])
        )
        assert changes[-1].to_status == referral.status
        assert clinic_date(changes[0].changed_at) == referral.referred_on
        assert all(before.changed_at < after.changed_at for before, after in pairwise(changes))
        assert changes[-1].changed_at < now

    scope = Scope(clinic_ids=tuple(Clinic.objects.values_list("pk", flat=True)), today=today)
    medians = [row[-1] for row in Referrals().rows(scope) if row[-1] is not None]
    assert medians
    assert all(median >= 7 for median in medians)


def test_every_clinics_physiotherapy_worklist_has_a_sent_and_an_accepted_referral(today):
    for clinic in Clinic.objects.all():
        statuses = Referral.objects.filter(patient__clinic=clinic, to_service="physiotherapy").values_list(
            "status", flat=True
        )
        assert {"sent", "accepted"} <= set(statuses), clinic.code


def test_reviews_were_made_a_few_days_after_the_assessment_they_are_of_while_it_was_the_latest(today):
    reviews = list(TrendReview.objects.select_related("assessment", "patient"))
    older = set()
    for review in reviews:
        assessments = list(review.patient.assessments.order_by("assessed_on", "id"))
        position = assessments.index(review.assessment)
        reviewed_on = clinic_date(review.reviewed_at)
        assert (
            review.assessment.assessed_on <= reviewed_on <= review.assessment.assessed_on + timedelta(days=7)
        )
        assert review.reviewed_at <= timezone.now()
        assert len(review.note) > 40
        if position < len(assessments) - 1:
            older.add(review.patient.mrn)
            assert reviewed_on < assessments[position + 1].assessed_on

    assert len(older) >= 6
    assert len({review.note for review in reviews}) >= 3
    trends = cohort_trends(today)
    reviewed_latest = mrns_where(trends, "reviewed")
    assert len(reviewed_latest) >= 3
    assert reviewed_latest <= mrns_where(trends, "declines")
    # A review of an older assessment is the patient's last review, yet not one of their latest.
    for mrn in older - reviewed_latest:
        assert trends[mrn]["last_review"] is not None
        assert trends[mrn]["reviewed"] is False


def test_the_slow_slide_is_found_and_not_yet_reviewed_so_the_physios_are_reminded(today):
    patient = Patient.objects.get(mrn=SLOW_SLIDE_MRN)
    trends = patient_trends(patient, today=today)
    assert trends["declines_from_best"]
    assert trends["mrc_sum_drop_from_best"]
    assert trends["reviewed"] is False
    assert trends["last_review"] is None
    assert not TrendReview.objects.filter(patient=patient).exists()

    reminder_sweep(today=today)

    latest = Assessment.objects.filter(patient=patient).latest("assessed_on", "id")
    reminder = Reminder.objects.get(kind=ReminderKind.STRENGTH_REVIEW, patient=patient)
    assert reminder.assessment == latest
    assert set(reminder.recipients.values_list("username", flat=True)) == {"physio_north"}
    reviewed = Patient.objects.filter(mrn__in=mrns_where(cohort_trends(today), "reviewed"))
    assert not Reminder.objects.filter(kind=ReminderKind.STRENGTH_REVIEW, patient__in=reviewed).exists()


def test_spasticity_is_recorded_for_those_on_a_spasticity_drug_and_rises_in_one_patient_only(today):
    trends = cohort_trends(today)
    assert mrns_where(trends, "spasticity_series") == stories_where(lambda story: story.antispasticity_drug)
    (rises,) = stories_where(lambda story: story.spasticity_rises)
    assert mrns_where(trends, "spasticity_increases") == {rises}
    (increase,) = trends[rises]["spasticity_increases"]
    assert (increase["muscle_group"], increase["from_mas"], increase["to_mas"]) == (
        "ankle_plantarflexion",
        "1+",
        "2",
    )


def test_a_spasticity_drug_raised_shortly_before_a_decline_is_found_in_exactly_those_patients(today):
    trends = cohort_trends(today)
    raised = stories_where(lambda story: story.dose_raised_before_decline)
    assert len(raised) == 2
    assert raised <= stories_where(lambda story: story.declining)
    assert mrns_where(trends, "medication_review") == raised
    for mrn in raised:
        (event,) = trends[mrn]["medication_review"]
        assert event["drug"] in {Drug.BACLOFEN, Drug.TIZANIDINE}
        assert event["event"] == "increase"
        previous, latest = Assessment.objects.filter(patient__mrn=mrn).order_by("-assessed_on")[:2][::-1]
        assert previous.assessed_on < event["occurred_on"] <= latest.assessed_on
        assert (latest.assessed_on - event["occurred_on"]).days <= 21
        # Recorded once the medication events were in: the strength review reminder sees it.
        assert AssessmentFindings.objects.get(assessment=latest).medication_review
    # Among those who declined, a lowered dose and a fampridine start in the same weeks are no finding.
    quiet = stories_where(lambda story: (story.dose_lowered or story.started_fampridine) and story.declining)
    assert quiet
    assert not quiet & mrns_where(trends, "medication_review")


def expected_medicines(story):
    medicines = set()
    if story.antispasticity_drug and not story.stopped_antispasticity:
        medicines.add(story.antispasticity_drug)
    if story.started_fampridine:
        medicines.add(Drug.FAMPRIDINE)
    return medicines


def test_current_medicines_are_those_whose_last_event_is_not_a_stop(today):
    trends = cohort_trends(today)
    current = {mrn: {m["drug"] for m in found["current_medications"]} for mrn, found in trends.items()}
    assert current == {story.mrn: expected_medicines(story) for story in demo_stories()}
    antispasticity = {
        mrn for mrn, drugs in current.items() if any(DRUG_CLASS[d] == DrugClass.ANTISPASTICITY for d in drugs)
    }
    assert len(antispasticity) >= 6
    assert MedicationEvent.objects.filter(event="stop").exists()


def test_one_resistance_plan_is_on_primary_weakness_and_the_other_plans_fit_the_weakness(today):
    trends = cohort_trends(today)
    (conflicted,) = stories_where(lambda story: story.resistance_on_primary_weakness)
    assert mrns_where(trends, "plan_conflicts") == {conflicted}
    (conflict,) = trends[conflicted]["plan_conflicts"]
    assert conflict["muscle_group"] == "ankle_dorsiflexion"
    latest = Assessment.objects.filter(patient__mrn=conflicted).latest("assessed_on", "id")
    assert AssessmentFindings.objects.get(assessment=latest).plan_conflict
    with_plans = mrns_where(trends, "active_plans")
    assert len(with_plans) >= 20
    kinds = Counter(plan["kind"] for found in trends.values() for plan in found["active_plans"])
    assert kinds["progressive_resistance"] >= 2
    assert {"stretching", "balance", "maintenance"} <= set(kinds)
    discharged = set(Patient.objects.filter(status="discharged").values_list("mrn", flat=True))
    assert discharged and not discharged & with_plans


def test_foot_drop_is_supported_exactly_where_the_patient_wears_an_afo(today):
    trends = cohort_trends(today)
    supported = {mrn for mrn, found in trends.items() if any(f["supported"] for f in found["foot_drop"])}
    unsupported = {
        mrn for mrn, found in trends.items() if any(not f["supported"] for f in found["foot_drop"])
    }
    assert supported == stories_where(lambda story: story.foot_drop and story.wears_afo)
    assert unsupported == stories_where(lambda story: story.foot_drop and not story.wears_afo)
    assert all(len(found["foot_drop"]) <= 1 for found in trends.values())
