"""Lists: paginated (count, next, previous, results; up to 500 a page), newest first,
filterable by patient and date range."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories

pytestmark = pytest.mark.django_db


def test_pages_link_to_each_other(north, nora_api):
    factories.PatientFactory.create_batch(7, clinic=north)
    url = reverse("api:patient-list")
    first = nora_api.get(url, {"page_size": 3}).json()
    assert first["count"] == 7
    assert len(first["results"]) == 3
    assert first["previous"] is None
    last = nora_api.get(url, {"page_size": 3, "page": 3}).json()
    assert len(last["results"]) == 1
    assert last["next"] is None
    assert "page=2" in last["previous"]
    assert nora_api.get(url, {"page": 4, "page_size": 3}).status_code == 404


def test_a_page_holds_at_most_500(north, nora_api):
    patient = factories.PatientFactory(clinic=north)
    factories.FallFactory.create_batch(501, patient=patient)
    response = nora_api.get(reverse("api:fall-list"), {"page_size": 500})
    assert len(response.json()["results"]) == 500
    assert response.json()["next"]
    too_many = nora_api.get(reverse("api:fall-list"), {"page_size": 501})
    assert (too_many.status_code, too_many.json()) == (400, {"page_size": ["A whole number from 1 to 500."]})


@pytest.mark.parametrize(
    ("name", "factory", "field"),
    [
        ("patient", factories.PatientFactory, None),
        ("fall", factories.FallFactory, "occurred_at"),
        ("device", factories.DeviceFactory, "prescribed_on"),
        ("referral", factories.ReferralFactory, "referred_on"),
        ("reminder", factories.ReminderFactory, "due_on"),
    ],
)
def test_lists_are_newest_first(name, factory, field, north_patient, nora_api):
    moments = [timezone.now() - datetime.timedelta(days=d) for d in (5, 1, 3)]
    made = []
    for moment in moments:
        if field is None:
            made.append(factory(clinic=north_patient.clinic))
        else:
            value = moment if field == "occurred_at" else moment.date()
            made.append(factory(patient=north_patient, **{field: value}))
    listed = [r["id"] for r in nora_api.get(reverse(f"api:{name}-list")).json()["results"]]
    if field is None:
        expected = [p.pk for p in reversed(made)] + [north_patient.pk]  # registered last first
    else:
        expected = [made[1].pk, made[2].pk, made[0].pk]
    assert listed == expected


@pytest.mark.parametrize(
    ("name", "factory", "field", "after", "before"),
    [
        ("device", factories.DeviceFactory, "prescribed_on", "prescribed_on_after", "prescribed_on_before"),
        ("referral", factories.ReferralFactory, "referred_on", "referred_on_after", "referred_on_before"),
    ],
)
def test_filter_by_patient_and_date_range(
    name, factory, field, after, before, north, north_patient, nora_api
):
    other = factories.PatientFactory(clinic=north)
    days = [datetime.date(2025, 1, d) for d in (1, 10, 20)]
    made = [factory(patient=north_patient, **{field: day}) for day in days]
    factory(patient=other, **{field: days[1]})
    url = reverse(f"api:{name}-list")
    params = {"patient": north_patient.pk, after: "2025-01-05", before: "2025-01-20"}
    assert [r["id"] for r in nora_api.get(url, params).json()["results"]] == [made[2].pk, made[1].pk]


def test_assessments_by_date_range(north_patient, nora, nora_api):
    made = [
        factories.AssessmentFactory(
            patient=north_patient, assessor=nora, assessed_on=datetime.date(2025, 1, d)
        )
        for d in (1, 10, 20)
    ]
    params = {"assessed_on_after": "2025-01-10", "assessed_on_before": "2025-01-10"}
    assert [r["id"] for r in nora_api.get(reverse("api:assessment-list"), params).json()["results"]] == [
        made[1].pk
    ]


def test_falls_by_clinic_local_day(north_patient, nora_api):
    local = timezone.get_current_timezone()
    late = factories.FallFactory(
        patient=north_patient, occurred_at=datetime.datetime(2025, 7, 1, 23, 30, tzinfo=local)
    )
    factories.FallFactory(
        patient=north_patient, occurred_at=datetime.datetime(2025, 7, 2, 0, 30, tzinfo=local)
    )
    params = {"occurred_after": "2025-07-01", "occurred_before": "2025-07-01"}
    assert [r["id"] for r in nora_api.get(reverse("api:fall-list"), params).json()["results"]] == [late.pk]


def test_referrals_by_status_and_service(north_patient, nora_api):
    today = timezone.localdate()
    sent = factories.ReferralFactory(patient=north_patient, status="sent")
    to_gp = factories.ReferralFactory(patient=north_patient, status="seen", to_service="gp")
    late = factories.ReferralFactory(
        patient=north_patient,
        status="accepted",
        referred_on=today - datetime.timedelta(days=60),
        due_by=today - datetime.timedelta(days=1),
    )
    factories.ReferralFactory(  # past due but seen: not overdue
        patient=north_patient,
        status="seen",
        referred_on=today - datetime.timedelta(days=60),
        due_by=today - datetime.timedelta(days=1),
    )
    url = reverse("api:referral-list")
    assert [r["id"] for r in nora_api.get(url, {"status": "sent"}).json()["results"]] == [sent.pk]
    assert to_gp.pk in [r["id"] for r in nora_api.get(url, {"to_service": "gp"}).json()["results"]]
    assert [r["id"] for r in nora_api.get(url, {"overdue": "true"}).json()["results"]] == [late.pk]
    assert late.pk not in [r["id"] for r in nora_api.get(url, {"overdue": "false"}).json()["results"]]
    assert nora_api.get(url, {"overdue": "perhaps"}).status_code == 400


def test_a_patient_of_another_clinic_matches_nothing(south_patient, nora_api):
    factories.FallFactory(patient=south_patient)
    response = nora_api.get(reverse("api:fall-list"), {"patient": south_patient.pk})
    assert (response.status_code, response.json()["results"]) == (200, [])


@pytest.mark.parametrize(
    ("route", "param"),
    [
        ("api:patient-list", "due_for_reassessment"),
        ("api:patient-list", "high_fall_risk"),
        ("api:referral-list", "overdue"),
        ("api:fall-list", "include_errors"),
        ("api:exercise_plan-list", "plan_review_due"),
        ("api:medication-list", "include_errors"),
    ],
)
def test_a_yes_no_filter_refuses_anything_but_true_or_false(nora_api, route, param):
    response = nora_api.get(reverse(route), {param: "perhaps"})
    assert response.status_code == 400
    assert response.json() == {param: ["Must be true or false."]}
    assert nora_api.get(reverse(route), {param: "false"}).status_code == 200


@pytest.mark.parametrize(
    ("param", "value", "message"),
    [
        ("page_size", "ten", "A whole number from 1 to 500."),
        ("page_size", "0", "A whole number from 1 to 500."),
        ("page_size", "-5", "A whole number from 1 to 500."),
        ("page_size", "2.5", "A whole number from 1 to 500."),
        ("page_size", "501", "A whole number from 1 to 500."),
        ("page", "0", "A whole number from 1."),
        ("page", "first", "A whole number from 1."),
        ("page", "1e3", "A whole number from 1."),
        ("page", "last", "A whole number from 1."),
        ("page", "", "Give a value, or leave the parameter out."),
    ],
)
@pytest.mark.parametrize("route", ["api:medication-list", "api:exercise_plan-list", "api:patient-list"])
def test_a_page_or_page_size_that_is_no_whole_number_is_a_400_not_the_default_page(
    nora_api, route, param, value, message
):
    response = nora_api.get(reverse(route), {param: value})
    assert (response.status_code, response.json()) == (400, {param: [message]})


def test_a_page_size_with_leading_zeros_is_read(north, nora_api):
    factories.PatientFactory.create_batch(3, clinic=north)
    response = nora_api.get(reverse("api:patient-list"), {"page_size": "0002", "page": "02"})
    assert (len(response.json()["results"]), response.json()["next"]) == (1, None)
