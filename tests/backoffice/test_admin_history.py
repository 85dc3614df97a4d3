"""The cross-clinic write through the admin's history pages (SPEC §5), and the admin's other lookups.

simple-history's version page saves a POSTed version back ("revert"). Ada, admin of clinic
north, must not reach south's history at all — 404, as for an id that does not exist — and
nobody, Ada on north's own records or a superuser on any, reverts: the record and its history
stay as they were. Filters and autocompletes offer Ada north's clinic, staff and patients only.
"""

import datetime
import json

import pytest
from django.db import models
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment
from care.models import FallEvent, Referral
from care.services import referral_create, referral_transition
from patients.models import Clinic, Patient, StaffMembership
from patients.services import patient_create, patient_update, record_mark_entered_in_error
from tests.factories import FallFactory, UserFactory, assessment_with_grades
from tests.support.clients import web_client_of

pytestmark = pytest.mark.django_db


def form_data(instance, **changes):
    """What the admin's form for ``instance`` posts, with ``changes``: a browser's text for each field."""
    data = {}
    for field in (*instance._meta.concrete_fields, *instance._meta.many_to_many):
        if not field.editable or field.auto_created:
            continue
        value = changes.get(field.name, field.value_from_object(instance))
        if isinstance(field, models.DateTimeField) and value is not None:
            local = timezone.localtime(value)
            data |= {f"{field.name}_0": local.date().isoformat(), f"{field.name}_1": f"{local:%H:%M:%S}"}
        elif isinstance(field, models.ManyToManyField):
            data[field.name] = [related.pk for related in value]
        elif isinstance(field, models.JSONField):
            data[field.name] = json.dumps(value)
        elif isinstance(field, models.BooleanField):
            if value:
                data[field.name] = "on"
        else:
            data[field.name] = "" if value is None else value
    return data


def state(record):
    """The record's row and its history: what a write through the admin would change."""
    row = type(record).objects.filter(pk=record.pk).values().get()
    return row, list(record.history.values_list("history_id", flat=True))


def first_version(record):
    return record.history.order_by("history_id").first()


def version_url(record, version):
    opts = record._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_simple_history", args=[record.pk, version.pk])


def history_url(record):
    opts = record._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[record.pk])


def registered(clinic, by, mrn, family_name):
    """A patient registered at ``clinic`` and then renamed: two versions in their history."""
    patient = patient_create(
        clinic=clinic,
        created_by=by,
        mrn=mrn,
        given_name="Iris",
        family_name=family_name,
        date_of_birth=datetime.date(1970, 3, 1),
    )
    return patient_update(patient=patient, by=by, given_name="Irene")


@pytest.fixture
def north_records(north, nora):
    """North's patient, a referral moved on from draft and a fall marked entered in error."""
    patient = registered(north, nora, "N1", "Northcote")
    referral = referral_create(patient=patient, created_by=nora, to_service="orthotics", reason="AFO fitting")
    referral = referral_transition(referral=referral, to_status="sent", by=nora)
    fall = FallFactory(patient=patient, recorded_by=nora)
    fall = record_mark_entered_in_error(record=fall, by=nora, reason="Entered for the wrong patient")
    return {"patient": patient, "referral": referral, "fall": fall}


@pytest.fixture
def south_patient(south, sam):
    return registered(south, sam, "S1", "Southey")


@pytest.fixture
def superuser(db):
    return UserFactory(is_staff=True, is_superuser=True)


def test_a_clinic_admin_gets_404_for_another_clinics_history_as_for_an_id_that_does_not_exist(
    ada, south_patient
):
    client = web_client_of(ada)
    missing = Patient(pk=south_patient.pk + 1000)
    for patient in (south_patient, missing):
        assert client.get(history_url(patient)).status_code == 404
    version = first_version(south_patient)
    assert client.get(version_url(south_patient, version)).status_code == 404


def test_a_clinic_admin_cannot_revert_another_clinics_patient_into_their_clinic(ada, north, south_patient):
    before = state(south_patient)
    version = first_version(south_patient)
    body = form_data(version.instance, clinic=north.pk)
    response = web_client_of(ada).post(version_url(south_patient, version), body)
    assert response.status_code == 404
    assert state(south_patient) == before


@pytest.mark.parametrize("person", ["ada", "superuser"])
@pytest.mark.parametrize("record", ["patient", "referral", "fall"])
def test_nobody_reverts_a_record_of_their_own_clinic(request, north_records, person, record):
    """Back to the patient's old name, to draft without a status change, out of entered-in-error: refused."""
    record = north_records[record]
    before = state(record)
    version = first_version(record)
    client = web_client_of(request.getfixturevalue(person))
    response = client.post(version_url(record, version), form_data(version.instance))
    assert response.status_code == 403
    assert state(record) == before
    assert Referral.objects.get().status_changes.count() == 2


def test_a_superuser_cannot_revert_any_clinics_patient(superuser, north, south_patient):
    before = state(south_patient)
    version = first_version(south_patient)
    response = web_client_of(superuser).post(
        version_url(south_patient, version), form_data(version.instance, clinic=north.pk)
    )
    assert response.status_code == 403
    assert state(south_patient) == before


def test_a_version_is_shown_to_read_with_nothing_to_submit(ada, north_records):
    patient = north_records["patient"]
    response = web_client_of(ada).get(version_url(patient, first_version(patient)))
    assert response.status_code == 200
    assert response.context["revert_disabled"]
    assert not response.context["adminform"].form.fields
    assert 'name="_save"' not in response.text and 'name="given_name"' not in response.text
    assert "Iris" in response.text  # the version's name, before the rename


def test_a_clinic_admin_reads_the_history_of_their_clinics_record(ada, north_records):
    response = web_client_of(ada).get(history_url(north_records["patient"]))
    assert response.status_code == 200
    assert [v.given_name for v in response.context["page_obj"]] == ["Irene", "Iris"]


def filter_choices(response, title):
    """The labels a changelist's filter ``title`` offers."""
    spec = next(s for s in response.context["cl"].filter_specs if s.title == title)
    return [label for _, label in spec.lookup_choices]


@pytest.fixture
def assessments_in_both_clinics(north, south, nora, phil, sam, ada):
    """Assessments by Nora at north, Phil at east (Ada's other clinic) and Sam at south."""
    east = Clinic.objects.create(code="east", name="East")
    StaffMembership.objects.bulk_create(StaffMembership(user=user, clinic=east) for user in (ada, phil))
    today = timezone.localdate()
    for clinic, by in ((north, nora), (east, phil), (south, sam)):
        patient = registered(clinic, by, f"{clinic.code}-1", clinic.name)
        assessment_with_grades(patient, today, {("grip", "left"): "4"}, assessor=by)


def test_the_clinic_and_assessor_filters_offer_a_clinic_admin_only_their_clinic_and_its_staff(
    ada, assessments_in_both_clinics
):
    client = web_client_of(ada)
    patients = client.get(reverse("admin:patients_patient_changelist"))
    assert filter_choices(patients, "clinic") == ["East", "North"]
    assessments = client.get(reverse("admin:assessments_assessment_changelist"))
    assert filter_choices(assessments, "clinic") == ["East", "North"]
    assert sorted(filter_choices(assessments, "assessor")) == ["nora", "phil"]


def test_filtering_by_another_clinic_finds_nothing(ada, south, assessments_in_both_clinics):
    changelist = reverse("admin:patients_patient_changelist")
    north = web_client_of(ada).get(changelist, {"clinic__id__exact": Clinic.objects.get(code="north").pk})
    assert [p.clinic.code for p in north.context["cl"].result_list] == ["north"]
    assert not web_client_of(ada).get(changelist, {"clinic__id__exact": south.pk}).context["cl"].result_list


def test_the_filters_offer_a_superuser_every_clinic_and_every_assessor(
    superuser, assessments_in_both_clinics
):
    response = web_client_of(superuser).get(reverse("admin:assessments_assessment_changelist"))
    assert filter_choices(response, "clinic") == ["East", "North", "South"]
    assert sorted(filter_choices(response, "assessor")) == ["nora", "phil", "sam"]


def autocomplete(client, source, field_name, term=""):
    app_label, model_name = source._meta.label_lower.split(".")
    return client.get(
        reverse("admin:autocomplete"),
        {"app_label": app_label, "model_name": model_name, "field_name": field_name, "term": term},
    )


def test_the_patient_autocomplete_answers_a_clinic_admin_with_their_clinics_patients_only(
    ada, superuser, assessments_in_both_clinics
):
    ours = {str(p.pk) for p in Patient.objects.exclude(clinic__code="south")}
    for term in ("", "Irene"):
        response = autocomplete(web_client_of(ada), Assessment, "patient", term)
        assert {r["id"] for r in response.json()["results"]} == ours
    assert autocomplete(web_client_of(ada), FallEvent, "patient", "South").json()["results"] == []
    assert len(autocomplete(web_client_of(superuser), FallEvent, "patient", "South").json()["results"]) == 1


def test_the_user_autocomplete_is_for_superusers_only(ada, superuser, assessments_in_both_clinics):
    response = autocomplete(web_client_of(ada), Assessment, "assessor", "sa")
    assert response.status_code == 403
    assert "sam" not in response.text
    response = autocomplete(web_client_of(superuser), Assessment, "assessor", "sa")
    assert [r["text"] for r in response.json()["results"]] == ["sam"]
