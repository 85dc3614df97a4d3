"""The Django admin: superusers manage clinics and users; clinic admins and superusers look clinical
records up, scoped to their clinics; nobody writes a clinical record there (SPEC §5)."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import reverse

from patients.models import Clinic, Patient
from patients.services import staff_add
from tests.factories import (
    DeviceFactory,
    FallFactory,
    PatientFactory,
    ReferralFactory,
    ReminderFactory,
    UserFactory,
    assessment_with_grades,
    full_grades,
)
from tests.support.clients import sign_in

pytestmark = pytest.mark.django_db

CLINICAL_MODELS = [
    m
    for m in admin.site._registry
    if m._meta.app_label in ("patients", "assessments", "care", "reminders") and m is not Clinic
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
def test_a_superuser_lists_searches_and_opens_every_clinical_model_but_adds_none(client, demo, model):
    sign_in(client, UserFactory(is_staff=True, is_superuser=True))
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    assert client.get(changelist).status_code == 200
    assert client.get(changelist, {"q": "N1000"}).status_code == 200
    obj = model.objects.first()
    change = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
    assert change.status_code == 200
    assert not change.context["has_change_permission"]  # a page to read
    history = reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[obj.pk])
    assert client.get(history).status_code == 200
    assert client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add")).status_code == 403


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
    assert client.get(reverse("admin:patients_patient_change", args=[north.pk])).status_code == 404
    assert client.get(reverse("admin:patients_patient_change", args=[north.pk + 999])).status_code == 404
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


def test_a_superuser_manages_clinics_and_a_clinic_admin_looks_at_their_own(client, demo, ada):
    sign_in(client, UserFactory(is_staff=True, is_superuser=True))
    memberships = {"memberships-TOTAL_FORMS": 1, "memberships-INITIAL_FORMS": 0, "memberships-0-user": ada.pk}
    response = client.post(
        reverse("admin:patients_clinic_add"), {"code": "east", "name": "East", **memberships}
    )
    assert response.status_code == 302
    assert Clinic.objects.get(code="east").memberships.get().user == ada

    sign_in(client, ada)
    response = client.get(reverse("admin:patients_clinic_changelist"))
    assert [c.code for c in response.context["cl"].result_list] == ["east", "north"]
    south = Clinic.objects.get(code="south")
    assert client.get(reverse("admin:patients_clinic_change", args=[south.pk])).status_code == 404
    north = Clinic.objects.get(code="north")
    page = client.get(reverse("admin:patients_clinic_change", args=[north.pk]))
    assert page.status_code == 200
    assert not page.context["inline_admin_formsets"]  # staff memberships are the superusers'


def test_what_is_not_designed_for_clinic_admins_stays_closed_to_them_whatever_their_permissions(client, ada):
    """Users, groups, tokens — and any third-party admin registered later — are the superusers'."""
    ada.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_user", "change_user", "view_group"])
    )
    sign_in(client, ada)
    index = client.get(reverse("admin:index"))
    assert {app["app_label"] for app in index.context["app_list"]} == {
        "patients",
        "assessments",
        "care",
        "reminders",
        "audit",  # the access log of their clinics, to read
    }
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 403
    assert client.get(reverse("admin:knox_authtoken_changelist")).status_code == 403
    assert client.get(reverse("admin:auth_user_change", args=[ada.pk])).status_code == 404
    assert client.get(reverse("admin:auth_group_changelist")).status_code == 403
    assert client.get(reverse("admin:app_list", args=["auth"])).status_code == 404
