"""The Django admin works for a superuser and, scoped, for clinic staff."""

import pytest
from django.contrib import admin
from django.urls import reverse

from patients.models import Patient
from patients.services import staff_add

from .factories import (
    DeviceFactory,
    FallFactory,
    PatientFactory,
    ReferralFactory,
    ReminderFactory,
    UserFactory,
    assessment_with_grades,
    full_grades,
)
from .support.clients import sign_in

pytestmark = pytest.mark.django_db

CLINICAL_MODELS = [
    m for m in admin.site._registry if m._meta.app_label in ("patients", "assessments", "care", "reminders")
]


@pytest.fixture
def demo(north, south, nora, sam):
    """One of every record in each clinic."""
    for clinic in (north, south):
        patient = PatientFactory(clinic=clinic, mrn=f"N1000{clinic.pk}")
        assessment_with_grades(patient, "2026-10-01", full_grades("4+"))
        FallFactory(patient=patient)
        DeviceFactory(patient=patient)
        ReferralFactory(patient=patient).status_changes.create(to_status="draft", changed_by=nora)
        ReminderFactory(patient=patient).recipients.add(nora)


@pytest.mark.parametrize("model", CLINICAL_MODELS, ids=lambda m: m.__name__)
def test_a_superuser_can_list_search_open_and_add_every_model(client, demo, model):
    sign_in(client, UserFactory(is_staff=True, is_superuser=True))
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    assert client.get(changelist).status_code == 200
    assert client.get(changelist, {"q": "N1000"}).status_code == 200
    obj = model.objects.first()
    if obj is not None:
        change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        assert client.get(change).status_code == 200
        assert (
            client.get(
                reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[obj.pk])
            ).status_code
            == 200
        )
    assert client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add")).status_code == 200


def test_assessment_change_page_has_the_scores_inline_and_the_mrc_sum(client, demo):
    sign_in(client, UserFactory(is_staff=True, is_superuser=True))
    response = client.get(reverse("admin:assessments_assessment_changelist"))
    assert "MRC sum" in response.text
    assessment = response.context["cl"].result_list[0]
    page = client.get(reverse("admin:assessments_assessment_change", args=[assessment.pk]))
    assert page.context["inline_admin_formsets"][0].formset.queryset.count() == assessment.scores.count()


def test_a_clinic_admin_looks_up_their_clinic_only_and_changes_or_deletes_nothing(client, demo, south):
    sign_in(
        client, staff_add(username="sue", role="admin", clinic_code="south", password="a-long-passphrase")
    )
    response = client.get(reverse("admin:patients_patient_changelist"))
    assert {p.clinic.code for p in response.context["cl"].result_list} == {"south"}
    north = Patient.objects.get(clinic__code="north")
    assert client.get(reverse("admin:patients_patient_change", args=[north.pk])).status_code == 302
    own = Patient.objects.get(clinic__code="south")
    change = reverse("admin:patients_patient_change", args=[own.pk])
    assert client.get(change).status_code == 200  # to look at
    assert client.post(change, {"given_name": "Changed"}).status_code == 403
    assert client.get(reverse("admin:patients_patient_add")).status_code == 403
    delete = reverse("admin:patients_patient_delete", args=[own.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    own.refresh_from_db()
    assert own.given_name != "Changed"


def test_nurses_and_physios_are_not_let_into_the_admin(client, demo, sam):
    client.force_login(sam)
    assert client.get(reverse("admin:patients_patient_changelist")).status_code == 302
