"""A small clinic network whose every report figure is worked out by hand in the tests.

Clinic north (Ada is its admin): four active patients, one discharged, one entered in error,
with assessments, falls, referrals and devices chosen to land on each side of every rule;
clinic south has a patient with records of every kind that Ada must never see counted.
Each test names the figures it expects and why.
"""

import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from care.models import Referral, ReferralStatusChange
from patients.models import Patient
from tests import factories


def days_ago(n):
    return timezone.localdate() - datetime.timedelta(days=n)


def local(*args):
    """An aware datetime at this clinic-local wall-clock time."""
    return timezone.make_aware(datetime.datetime(*args))


@dataclass
class Network:
    today: datetime.date
    p1: Patient
    p2: Patient
    p3: Patient
    p4: Patient
    records: dict


def _assess(patient, days, user, **kwargs):
    return factories.assessment_with_grades(
        patient, days_ago(days), {("grip", "left"): "4"}, assessor=user, **kwargs
    )


def _referral(patient, user, *, service, moves, referred_days_ago=40, due_by=None):
    """A referral moved through ``moves``: ``[(status, at), ...]`` after its creation as a draft."""
    referred_on = days_ago(referred_days_ago)
    referral = factories.ReferralFactory(
        patient=patient, created_by=user, to_service=service, referred_on=referred_on, due_by=due_by
    )
    ReferralStatusChange.objects.create(referral=referral, to_status="draft", changed_by=user)
    previous = "draft"
    for status, at in moves:
        change = ReferralStatusChange.objects.create(
            referral=referral, from_status=previous, to_status=status, changed_by=user
        )
        ReferralStatusChange.objects.filter(pk=change.pk).update(changed_at=at)
        previous = status
    Referral.objects.filter(pk=referral.pk).update(status=previous)
    referral.refresh_from_db()
    return referral


@pytest.fixture
def network(north, south, nora, phil, ada, sam):
    user = nora
    # Caseload: p1 RRMS assessed 10 days ago (in interval); p2 RRMS assessed 100 days ago
    # (due 16 days ago: overdue; its assessment of 5 days ago was entered in error);
    # p3 SPMS never assessed, registered 30 days ago (overdue); p4 SPMS assessed 80 days ago
    # (due in 4 days: in interval, due for reassessment).
    p1 = factories.PatientFactory(clinic=north, ms_type="RRMS")
    p2 = factories.PatientFactory(clinic=north, ms_type="RRMS")
    p3 = factories.PatientFactory(clinic=north, ms_type="SPMS")
    p4 = factories.PatientFactory(clinic=north, ms_type="SPMS")
    Patient.objects.filter(pk=p3.pk).update(created_at=timezone.now() - datetime.timedelta(days=30))
    _assess(p1, 10, user)
    _assess(p2, 100, user)
    _assess(p2, 5, user).mark_entered_in_error(by=ada, reason="Wrong patient")
    _assess(p4, 80, user)
    discharged = factories.PatientFactory(clinic=north, ms_type="RRMS", status="discharged")
    _assess(discharged, 300, user)
    in_error = factories.PatientFactory(clinic=north, ms_type="PPMS")
    in_error.mark_entered_in_error(by=ada, reason="Duplicate registration")
    outsider = factories.PatientFactory(clinic=south, ms_type="RRMS")
    _assess(outsider, 20, sam)

    # Falls (see test_falls): March and April 2025, plus two recent falls that make p1 high-risk.
    fall = factories.FallFactory
    fall(
        patient=p1,
        recorded_by=user,
        occurred_at=local(2025, 3, 10, 12),
        injury="moderate",
        medical_attention=True,
    )
    fall(patient=p1, recorded_by=user, occurred_at=local(2025, 3, 20, 9), near_fall=True)
    fall(patient=p1, recorded_by=user, occurred_at=local(2025, 3, 15, 9)).mark_entered_in_error(
        by=ada, reason="Recorded twice"
    )
    # Half past midnight on 1 April in London is still 31 March in UTC: it is April's.
    fall(patient=p2, recorded_by=user, occurred_at=local(2025, 4, 1, 0, 30), injury="minor")
    fall(patient=p1, recorded_by=user, occurred_at=local(2025, 4, 2, 18))
    fall(patient=p1, recorded_by=user, occurred_at=local(2025, 2, 28, 18))
    for days in (10, 20):
        fall(patient=p1, recorded_by=user, occurred_at=timezone.now() - datetime.timedelta(days=days))
    fall(patient=in_error, recorded_by=user, occurred_at=local(2025, 3, 11, 12))
    fall(patient=outsider, recorded_by=sam, occurred_at=local(2025, 3, 12, 12))

    # Referrals (see test_referrals): sent→seen of 2, 5 and 9.5 days to physiotherapy, 1 and 4 to the GP.
    t = local(2025, 5, 1, 9)
    day = datetime.timedelta(days=1)
    seen_after = {"r1": 2 * day, "r2": 5 * day, "r4": 9.5 * day}
    records = {}
    records["r1"] = _referral(
        p1,
        user,
        service="physiotherapy",
        moves=[("sent", t), ("accepted", t), ("seen", t + seen_after["r1"])],
    )
    records["r2"] = _referral(
        p2,
        user,
        service="physiotherapy",
        moves=[("sent", t), ("accepted", t), ("seen", t + seen_after["r2"]), ("closed", t + 20 * day)],
    )
    records["r3"] = _referral(
        p3, user, service="physiotherapy", moves=[("sent", t)], referred_days_ago=50, due_by=days_ago(5)
    )
    records["r4"] = _referral(
        p4,
        user,
        service="physiotherapy",
        moves=[("sent", t), ("accepted", t), ("seen", t + seen_after["r4"]), ("closed", t + 30 * day)],
    )
    records["r5"] = _referral(p1, user, service="gp", moves=[("sent", t), ("accepted", t), ("seen", t + day)])
    records["r6"] = _referral(
        p2, user, service="gp", moves=[("sent", t), ("accepted", t), ("seen", t + 4 * day)]
    )
    records["r7"] = _referral(
        p1, user, service="physiotherapy", moves=[("sent", t), ("accepted", t), ("seen", t + 100 * day)]
    )
    records["r7"].mark_entered_in_error(by=ada, reason="Wrong service")
    records["r8"] = _referral(p1, user, service="orthotics", moves=[], referred_days_ago=400)
    records["south"] = _referral(
        outsider, sam, service="gp", moves=[("sent", t), ("accepted", t), ("seen", t + 50 * day)]
    )

    # Devices: two active AFOs for p1 (review in 3 and 90 days), a discontinued one, an active
    # cane for p2 whose review was due yesterday, and an AFO entered in error.
    device = factories.DeviceFactory
    records["afo_soon"] = device(
        patient=p1, prescribed_by=phil, device_type="afo", review_due_on=days_ago(-3)
    )
    records["afo_later"] = device(
        patient=p1, prescribed_by=phil, device_type="afo", review_due_on=days_ago(-90)
    )
    device(
        patient=p1,
        prescribed_by=phil,
        device_type="afo",
        prescribed_on=days_ago(200),
        review_due_on=days_ago(100),
        status="discontinued",
        discontinued_on=days_ago(150),
    )
    records["cane"] = device(
        patient=p2,
        prescribed_by=phil,
        device_type="cane",
        prescribed_on=days_ago(100),
        review_due_on=days_ago(1),
    )
    device(
        patient=p2, prescribed_by=phil, device_type="afo", review_due_on=days_ago(-2)
    ).mark_entered_in_error(by=ada, reason="Wrong patient")
    device(patient=outsider, prescribed_by=sam, device_type="afo", review_due_on=days_ago(-1))
    return Network(timezone.localdate(), p1, p2, p3, p4, records)
