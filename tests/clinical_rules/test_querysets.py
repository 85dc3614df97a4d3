"""Rules 7 and 8 in the database agree with their Python versions, status by status, at the edges."""

from datetime import date, timedelta

import pytest

from care.models import DevicePrescription, DeviceStatus, Referral, ReferralStatus
from clinical_rules import rules
from clinical_rules.querysets import devices_review_due, referral_overdue_condition, referrals_overdue
from tests.factories import DeviceFactory, PatientFactory, ReferralFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 22)
OFFSETS = [-30, -1, 0, 1, 6, 7, 8, 60]


def test_referral_overdue_in_the_database_is_rule_7():
    patient = PatientFactory()
    for status in ReferralStatus:
        for offset in OFFSETS:
            ReferralFactory(
                patient=patient,
                status=status,
                referred_on=TODAY - timedelta(days=90),
                due_by=TODAY + timedelta(days=offset),
            )
    in_database = set(referrals_overdue(Referral.objects.all(), TODAY).values_list("pk", flat=True))
    by_condition = set(
        Referral.objects.filter(referral_overdue_condition(TODAY)).values_list("pk", flat=True)
    )
    in_python = {
        r.pk
        for r in Referral.objects.all()
        if rules.referral_overdue(status=r.status, due_by=r.due_by, today=TODAY)
    }
    assert in_database == by_condition == in_python
    assert len(in_python) == 3 * 2  # the open statuses, due yesterday or a month ago


def test_device_review_due_in_the_database_is_rule_8():
    patient = PatientFactory()
    prescribed = TODAY - timedelta(days=90)
    for offset in OFFSETS:
        DeviceFactory(patient=patient, prescribed_on=prescribed, review_due_on=TODAY + timedelta(days=offset))
        DeviceFactory(
            patient=patient,
            prescribed_on=prescribed,
            review_due_on=TODAY + timedelta(days=offset),
            status=DeviceStatus.DISCONTINUED,
            discontinued_on=prescribed,
        )
    in_database = set(
        devices_review_due(DevicePrescription.objects.all(), TODAY).values_list("pk", flat=True)
    )
    in_python = {
        d.pk
        for d in DevicePrescription.objects.all()
        if rules.device_review_due(status=d.status, review_due_on=d.review_due_on, today=TODAY)
    }
    assert in_database == in_python
    assert len(in_python) == 6  # active, due from a month ago up to a week ahead
