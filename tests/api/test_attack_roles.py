"""Attacks by a member of the clinic whose role was taken away (in no role group): through the API
they read what their clinic's staff read and write nothing — not even a record they entered
while they had a role."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse

from patients.models import StaffMembership
from tests import factories
from tests.conftest import PASSWORD
from tests.support.clients import api_client_of

from . import test_permission_matrix as matrix
from .test_permission_matrix import EXPECTED, METHODS, ROUTES, body_of, url_of

NURSE = 1
# The permission matrix's records of north's, each entered by its staff, and the bodies they take.
world = matrix.world


@pytest.fixture
def rolf(north):
    user = get_user_model().objects.create_user("rolf", password=PASSWORD)
    StaffMembership.objects.create(user=user, clinic=north)
    return user


def expected_without_a_role(name, method):
    """What a nurse gets, but a refusal for every change a nurse may make (signing in aside)."""
    nurse = EXPECTED[name][method][NURSE]
    if name.startswith("auth-") or method == "GET" or nurse >= 300:
        return nurse
    return 403


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", ROUTES)
def test_a_member_without_a_role_reads_and_writes_nothing(name, method, world, rolf):
    records, bodies, _ = world
    with transaction.atomic():
        body = json.dumps(body_of(name, bodies, rolf))
        response = api_client_of(rolf).generic(
            method, url_of(name, records), body, content_type="application/json"
        )
        transaction.set_rollback(True)
    assert response.status_code == expected_without_a_role(name, method)


@pytest.mark.parametrize("kind", ["fall", "referral", "assessment"])
def test_a_record_entered_before_the_role_was_taken_away_is_theirs_no_more(kind, north_patient, rolf):
    record = {
        "fall": lambda: factories.FallFactory(patient=north_patient, recorded_by=rolf),
        "referral": lambda: factories.ReferralFactory(patient=north_patient, created_by=rolf),
        "assessment": lambda: factories.AssessmentFactory(patient=north_patient, assessor=rolf),
    }[kind]()
    client = api_client_of(rolf)
    mark = reverse(f"api:{kind}-entered-in-error", kwargs={"pk": record.pk})
    assert client.post(mark, {"reason": "Mine, by mistake"}, format="json").status_code == 403
    detail = reverse(f"api:{kind}-detail", kwargs={"pk": record.pk})
    assert client.patch(detail, {"notes": "Changed"}, format="json", HTTP_IF_MATCH="*").status_code == 403
    assert not type(record).objects.get(pk=record.pk).entered_in_error
