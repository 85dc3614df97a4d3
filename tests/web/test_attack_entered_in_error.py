"""Attacks on ``records/<slug>/<id>/entered-in-error/``, whose model now comes from the registry
(``patients.records.record_model``): every slug and method from another clinic, slugs that name
no record type (or a model that is not a clinical record), the role checks, the conflict page,
and what each answer writes to the access log."""

import datetime

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from assessments.services import trend_review_record
from audit.models import AccessRecord
from care.services import device_review
from diary.selectors import diary_plans
from diary.services import diary_day_record, diary_link_issue
from patients.clock import clinic_today
from patients.models import ClinicalRecord
from patients.records import record_types
from patients.services import patient_create
from tests import factories
from tests.support.clients import web_client_of

from ..audit.conftest import only_record

pytestmark = pytest.mark.django_db

SLUGS = sorted(record_types())
# Who entered each kind of record below: a nurse may mark only hers, a physio only his.
AUTHOR = {
    "patient": "nora",
    "assessment": "nora",
    "fall": "nora",
    "device": "phil",
    "referral": "nora",
    "device_review": "phil",
    "trend_review": "phil",
    "medication": "nora",
    "exercise_plan": "phil",
    # The patient keeps the diary: any nurse, physio or admin of the clinic may mark a day (SPEC §7).
    "diary_entry": None,
}


@pytest.fixture
def records(north, nora, phil):
    patient = patient_create(
        clinic=north,
        created_by=nora,
        mrn="N-1",
        given_name="Iris",
        family_name="Reid",
        date_of_birth=datetime.date(1970, 3, 1),
    )
    # The records are about another patient of north's, so that marking one leaves the rest alone.
    other = factories.PatientFactory(clinic=north)
    records = {
        "patient": patient,
        "assessment": factories.assessment_with_grades(
            other, datetime.date(2026, 3, 1), {("grip", "left"): "4"}, assessor=nora
        ),
        "fall": factories.FallFactory(patient=other, recorded_by=nora),
        "device": factories.DeviceFactory(patient=other, prescribed_by=phil),
        "referral": factories.ReferralFactory(patient=other, created_by=nora),
        "device_review": device_review(
            device=factories.DeviceFactory(patient=other, prescribed_by=phil),
            by=phil,
            reviewed_on=timezone.localdate(),
            next_review_due_on=timezone.localdate(),
        ),
        "medication": factories.MedicationFactory(patient=other, recorded_by=nora),
        "exercise_plan": factories.PlanFactory(patient=other, prescribed_by=phil),
    }
    records["trend_review"] = trend_review_record(patient=other, by=phil, note="Grip steady; plan unchanged.")
    link, _ = diary_link_issue(patient=other, by=nora)
    records["diary_entry"] = diary_day_record(
        link=link,
        day=clinic_today(),
        fatigue=5,
        heat_worse=False,
        spasms=2,
        exercises={plan.pk: True for plan in diary_plans(other, clinic_today())},
        near_falls=0,
        falls=[],
        revision=0,
    )
    assert set(records) == set(SLUGS), "a new record type needs a record here"
    reminder = factories.ReminderFactory(patient=other, kind="fall_risk", fall=records["fall"])
    reminder.recipients.add(nora)
    return records


def _url(slug, record):
    return reverse("web:entered_in_error", args=[slug, record.pk])


def _nothing_marked():
    return not any(
        model.objects.filter(entered_in_error_at__isnull=False).exists() for model in record_types().values()
    )


@pytest.mark.parametrize("method", ["get", "post", "put", "delete", "head"])
@pytest.mark.parametrize("slug", SLUGS)
def test_another_clinics_record_is_not_found_whatever_the_method(slug, method, records, sam):
    response = getattr(web_client_of(sam), method)(_url(slug, records[slug]), {"reason": "Mine now"})
    assert response.status_code == 404
    assert _nothing_marked()
    assert not AccessRecord.objects.exists()


# Slugs that are not a record type, some the name of a model all the same, and the slug's
# neighbours: none reaches a record, even for a superuser, who may mark anything.
ODD_SLUGS = [
    "Patient",
    "FALL",
    "falls",
    "patients",
    "fallevent",
    "deviceprescription",
    "reminder",
    "musclescore",
    "referralstatuschange",
    "historicalpatient",
    "historicalfallevent",
    "clinic",
    "staffmembership",
    "user",
    "accessrecord",
    "record",
    "clinicalrecord",
    "patient_record",
    "0",
    "-",
    "_",
]
PROJECT_APPS = ("patients", "assessments", "care", "reminders", "audit")


@pytest.mark.parametrize("slug", ODD_SLUGS)
def test_a_slug_that_is_not_a_record_type_is_not_found_even_for_a_superuser(slug, records, django_user_model):
    root = web_client_of(django_user_model.objects.create_superuser("root", password="x"))
    # Every id of the project's own tables, so that a slug reaching one of its models would find a row.
    models = [m for label in PROJECT_APPS for m in apps.get_app_config(label).get_models()]
    ids = {pk for model in [*models, django_user_model] for pk in model.objects.values_list("pk", flat=True)}
    for pk in sorted(ids):
        url = reverse("web:entered_in_error", args=[slug, pk])
        assert root.get(url).status_code == 404, url
        assert root.post(url, {"reason": "Probing"}).status_code == 404, url
    assert _nothing_marked()
    assert not AccessRecord.objects.exists()


def test_the_registry_holds_clinical_records_only_and_each_page_answers_for_its_own(records, ada):
    assert all(
        issubclass(model, ClinicalRecord) and not model._meta.abstract for model in record_types().values()
    )
    client = web_client_of(ada)
    for slug in SLUGS:
        response = client.get(_url(slug, records[slug]))
        assert response.status_code == 200, slug
        assert response.context["description"] == records[slug].describe()


@pytest.mark.parametrize(
    ("slug", "user"),
    [
        (slug, user)
        for slug in SLUGS
        for user in ("nora", "phil", "rolf")
        if AUTHOR[slug] != user and (AUTHOR[slug] or user == "rolf")
    ],
)
def test_a_role_that_may_not_mark_it_gets_403_and_nothing_is_read_or_written(
    request, rolf, slug, user, records
):
    client = web_client_of(request.getfixturevalue(user))
    for method in ("get", "post"):
        assert getattr(client, method)(_url(slug, records[slug]), {"reason": "x"}).status_code == 403
    assert _nothing_marked()
    assert not AccessRecord.objects.exists()


@pytest.mark.parametrize("slug", SLUGS)
def test_the_author_marks_it_and_the_save_itself_reads_nothing(request, slug, records):
    author = request.getfixturevalue(AUTHOR[slug] or "phil")
    record = records[slug]
    response = web_client_of(author).post(_url(slug, record), {"reason": "Entered for the wrong patient"})
    assert response.status_code == 302
    stored = type(record).objects.get(pk=record.pk)
    assert (stored.entered_in_error_by, stored.entered_in_error_reason) == (
        author,
        "Entered for the wrong patient",
    )
    assert stored.history.first().history_user == author
    assert not AccessRecord.objects.exists()


@pytest.mark.parametrize("slug", SLUGS)
def test_a_second_marking_is_the_conflict_page_and_keeps_the_first(slug, records, ada):
    record = records[slug]
    assert web_client_of(ada).post(_url(slug, record), {"reason": "First"}).status_code == 302
    assert not AccessRecord.objects.exists()
    response = web_client_of(ada).post(_url(slug, record), {"reason": "Second"})
    assert response.status_code == 409
    assert "already marked entered in error" in response.content.decode()
    stored = type(record).objects.get(pk=record.pk)
    assert (stored.entered_in_error_by, stored.entered_in_error_reason) == (ada, "First")
    # The conflict page shows the patient: a read of them.
    read = only_record()
    assert (read.action, read.patient_ids) == ("patient_read", [record.patient_record_id])


@pytest.mark.parametrize("slug", SLUGS)
def test_the_form_is_a_read_of_the_records_patient(slug, records, ada):
    assert web_client_of(ada).get(_url(slug, records[slug])).status_code == 200
    read = only_record()
    assert (read.username, read.action, read.patient_ids) == (
        "ada",
        "patient_read",
        [records[slug].patient_record_id],
    )
