"""The roles table of SPEC §4, route by route: every API v1 route in the URL configuration ×
every method × anonymous, Nora (nurse), Phil (physio), Ada (admin) of clinic north and Sam
(nurse, clinic south), against the status in ``EXPECTED``. A new route fails until it is added.

Every record is Nora's clinic's, entered by Nora (devices and their review by Phil); the
reminder is addressed to Nora and Phil. Each person's request runs on the same data, rolled back after it.
"""

import datetime
import json

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from assessments.services import trend_review_record
from care.models import DevicePrescription
from care.services import device_review
from diary.selectors import diary_plans
from diary.services import diary_day_record, diary_link_issue
from patients.services import patient_create
from tests import factories
from tests.conftest import PASSWORD
from tests.support.clients import api_client_of
from webhooks.services import endpoint_register

METHODS = ("GET", "POST", "PATCH", "PUT", "DELETE")
#          anonymous  nurse  physio  admin  outsider
NO = (401, 405, 405, 405, 405)
READ_LIST = (401, 200, 200, 200, 200)
READ_ONE = (401, 200, 200, 200, 404)
REPORT = (401, 403, 403, 200, 403)


def row(GET=NO, POST=NO, PATCH=NO, PUT=NO, DELETE=NO):
    return {"GET": GET, "POST": POST, "PATCH": PATCH, "PUT": PUT, "DELETE": DELETE}


EXPECTED = {
    "auth-token": {
        **row(POST=(200, 200, 200, 200, 200)),
        "GET": (405,) * 5,
        "PATCH": (405,) * 5,
        "PUT": (405,) * 5,
        "DELETE": (405,) * 5,
    },
    # Everyone here signs in with a token, so everyone can revoke it and list their own.
    "auth-logout": row(POST=(401, 204, 204, 204, 204)),
    "auth-tokens": row(GET=READ_LIST),
    "clinic-list": row(GET=READ_LIST),
    "clinic-detail": row(GET=READ_ONE),
    # The outsider names clinic north for the new patient: not one of his, so 400.
    "patient-list": row(GET=READ_LIST, POST=(401, 201, 403, 201, 400)),
    "patient-detail": row(GET=READ_ONE, PATCH=(401, 200, 403, 200, 404)),
    "patient-entered-in-error": row(POST=(401, 200, 403, 200, 404)),
    "patient-trends": row(GET=READ_ONE),
    # Nurses, physios and admins sign off findings (SPEC §4 roles); the review in the world is Phil's.
    "patient-reviews": row(GET=READ_ONE, POST=(401, 201, 201, 201, 404)),
    "patient-review": row(GET=READ_ONE),
    "patient-review-entered-in-error": row(POST=(401, 403, 200, 200, 404)),
    "assessment-list": row(GET=READ_LIST, POST=(401, 201, 201, 201, 400)),
    "assessment-detail": row(GET=READ_ONE, PATCH=(401, 200, 200, 200, 404)),
    "assessment-entered-in-error": row(POST=(401, 200, 403, 200, 404)),
    "fall-list": row(GET=READ_LIST, POST=(401, 201, 201, 201, 400)),
    "fall-detail": row(GET=READ_ONE, PATCH=(401, 200, 200, 200, 404)),
    "fall-entered-in-error": row(POST=(401, 200, 403, 200, 404)),
    "device-list": row(GET=READ_LIST, POST=(401, 403, 201, 201, 403)),
    "device-detail": row(GET=READ_ONE, PATCH=(401, 403, 200, 200, 404)),
    "device-entered-in-error": row(POST=(401, 403, 200, 200, 404)),
    # Physios and admins review devices (SPEC §4 roles); the review in the world is Phil's.
    "device-review": row(POST=(401, 403, 200, 200, 404)),
    "device-review-entered-in-error": row(POST=(401, 403, 200, 200, 404)),
    "referral-list": row(GET=READ_LIST, POST=(401, 201, 201, 201, 400)),
    "referral-detail": row(GET=READ_ONE, PATCH=(401, 200, 200, 200, 404)),
    "referral-entered-in-error": row(POST=(401, 200, 403, 200, 404)),
    "referral-transition": row(POST=(401, 200, 200, 200, 404)),
    # Nurses, physios and admins record medication events; the event in the world is Nora's.
    "medication-list": row(GET=READ_LIST, POST=(401, 201, 201, 201, 400)),
    "medication-detail": row(GET=READ_ONE, PATCH=(401, 200, 200, 200, 404)),
    "medication-entered-in-error": row(POST=(401, 200, 403, 200, 404)),
    # Physios and admins prescribe and change plans, nurses read them; the plan in the world is Phil's.
    "exercise_plan-list": row(GET=READ_LIST, POST=(401, 403, 201, 201, 403)),
    "exercise_plan-detail": row(GET=READ_ONE, PATCH=(401, 403, 200, 200, 404)),
    "exercise_plan-entered-in-error": row(POST=(401, 403, 200, 200, 404)),
    # Nurses, physios and admins issue and revoke a patient's diary link (SPEC §4 roles).
    "patient-diary-link": row(POST=(401, 201, 201, 201, 404), DELETE=(401, 204, 204, 204, 404)),
    # Diary entries are the patient's: staff read them, nobody writes them through the API.
    "diary_entry-list": row(GET=READ_LIST),
    "diary_entry-detail": row(GET=READ_ONE),
    "reminder-list": row(GET=READ_LIST),
    "reminder-detail": row(GET=READ_ONE),
    "reminder-acknowledge": row(POST=(401, 200, 200, 403, 404)),
    # Reports are for clinic admins; the outsider is a nurse, so 403 before any clinic is named.
    "report-caseload": row(GET=REPORT),
    "report-overdue": row(GET=REPORT),
    "report-falls": row(GET=REPORT),
    "report-referrals": row(GET=REPORT),
    "report-devices": row(GET=REPORT),
    "report-strength": row(GET=REPORT),
    "report-access": row(GET=REPORT),
    # Clinic admins manage their clinics' webhooks; nobody deletes an endpoint (deactivated instead).
    "webhook-list": row(GET=REPORT, POST=(401, 403, 403, 201, 403)),
    "webhook-detail": row(GET=(401, 403, 403, 200, 404), PATCH=(401, 403, 403, 200, 404)),
    "webhook-deliveries": row(GET=(401, 403, 403, 200, 404)),
}


def api_v1_routes(resolver=None, namespace="", prefix=""):
    """``(name, route)`` of every route under api/v1/, walking the URL configuration."""
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from api_v1_routes(entry, inner, route)
        elif isinstance(entry, URLPattern) and route.startswith("api/v1/"):
            assert entry.name, f"the route {route} has no name"
            yield f"{namespace}{entry.name}".removeprefix("api:"), route


ROUTES = sorted({name for name, _ in api_v1_routes()})
# The routes about one record: their URL names it.
RECORD_ROUTES = sorted({name for name, route in api_v1_routes() if "<" in route})


def test_the_table_has_no_route_the_urls_do_not():
    assert sorted(EXPECTED) == ROUTES


@pytest.fixture
def world(nora, phil, ada, sam):
    today = timezone.localdate()
    patient = patient_create(
        clinic=nora.clinic_memberships.get().clinic,
        created_by=nora,
        mrn="N1",
        given_name="Iris",
        family_name="Reid",
        date_of_birth=datetime.date(1970, 3, 1),
    )
    records = {
        "clinic": "north",
        "patient": patient.pk,
        "assessment": factories.assessment_with_grades(
            patient, today, {("grip", "left"): "4"}, assessor=nora
        ).pk,
        "fall": factories.FallFactory(patient=patient, recorded_by=nora).pk,
        "device": factories.DeviceFactory(patient=patient, prescribed_by=phil).pk,
        "referral": factories.ReferralFactory(patient=patient, created_by=nora).pk,
        "reminder": factories.ReminderFactory(patient=patient).pk,
        "medication": factories.MedicationFactory(patient=patient, recorded_by=nora).pk,
        "exercise_plan": factories.PlanFactory(patient=patient, prescribed_by=phil).pk,
    }
    patient.reminders.get().recipients.add(nora, phil)
    records["webhook"] = endpoint_register(
        clinic=patient.clinic, by=ada, url="https://ehr.example.org/hooks", events=["fall.recorded"]
    ).pk
    records["review"] = device_review(
        device=DevicePrescription.objects.get(pk=records["device"]),
        by=phil,
        reviewed_on=today,
        next_review_due_on=today + datetime.timedelta(days=60),
    ).pk
    records["trend_review"] = trend_review_record(patient=patient, by=phil, note="Grip steady.").pk
    link, _ = diary_link_issue(patient=patient, by=nora)
    records["diary_entry"] = diary_day_record(
        link=link,
        day=today,
        fatigue=3,
        heat_worse=False,
        spasms=2,
        exercises={plan.pk: True for plan in diary_plans(patient, today)},
        near_falls=0,
        falls=[],
        revision=0,
    ).pk
    bodies = {
        "auth-token": {"username": "nora", "password": PASSWORD},
        "patient-list": {
            "clinic": "north",
            "mrn": "N2",
            "given_name": "Ann",
            "family_name": "Lee",
            "date_of_birth": "1980-02-03",
        },
        "patient-detail": {"given_name": "Irene"},
        "assessment-list": {
            "patient": patient.pk,
            "assessed_on": today.isoformat(),
            "scores": [{"muscle_group": "grip", "side": "right", "grade": "4+"}],
        },
        "assessment-detail": {"notes": "Re-checked"},
        "fall-list": {"patient": patient.pk, "occurred_at": timezone.now().isoformat()},
        "fall-detail": {"notes": "Tripped on a rug"},
        "device-list": {
            "patient": patient.pk,
            "device_type": "afo",
            "side": "left",
            "prescribed_on": today.isoformat(),
            "review_due_on": (today + datetime.timedelta(days=90)).isoformat(),
        },
        "device-detail": {"reason": "Foot drop"},
        "device-review": {
            "reviewed_on": today.isoformat(),
            "next_review_due_on": (today + datetime.timedelta(days=180)).isoformat(),
            "note": "Fits well; skin intact.",
        },
        "referral-list": {"patient": patient.pk, "to_service": "orthotics", "reason": "AFO fitting"},
        "referral-detail": {"reason": "AFO review"},
        "referral-transition": {"status": "sent"},
        "patient-reviews": {"note": "Reviewed with the patient: plan unchanged."},
        "medication-list": {
            "patient": patient.pk,
            "drug": "baclofen",
            "event": "increase",
            "occurred_on": today.isoformat(),
            "dose": "20 mg three times a day",
        },
        "medication-detail": {"dose": "15 mg three times a day"},
        "exercise_plan-list": {
            "patient": patient.pk,
            "muscle_group": "hip_flexion",
            "side": "both",
            "kind": "maintenance",
            "started_on": today.isoformat(),
        },
        "exercise_plan-detail": {"prescription": "Sit-to-stand, 2 sets of 8, daily"},
        "webhook-list": {
            "clinic": "north",
            "url": "https://ehr.example.org/other",
            "events": ["patient.created"],
        },
        "webhook-detail": {"active": False},
    }
    people = {"anonymous": None, "nurse": nora, "physio": phil, "admin": ada, "outsider": sam}
    return records, bodies, people


def url_of(name, records):
    if name.startswith("patient-review"):
        review = {} if name == "patient-reviews" else {"review_id": records["trend_review"]}
        return reverse(f"api:{name}", kwargs={"pk": records["patient"], **review})
    kind, _, _ = name.partition("-")
    if kind in ("auth", "report") or name.endswith("-list"):
        return reverse(f"api:{name}")
    kwarg = "code" if kind == "clinic" else "pk"
    kwargs = {kwarg: records[kind]}
    if name == "device-review-entered-in-error":
        kwargs["review_id"] = records["review"]
    return reverse(f"api:{name}", kwargs=kwargs)


def body_of(name, bodies, person):
    if name == "auth-token" and person is not None:
        return {"username": person.username, "password": PASSWORD}
    if name.endswith("-entered-in-error"):
        return {"reason": "Entered for the wrong patient"}
    return bodies.get(name, {})


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", ROUTES)
def test_each_person_gets_the_status_the_roles_table_gives(name, method, world):
    records, bodies, people = world
    assert name in EXPECTED, f"route {name} is missing from the permission table"
    url = url_of(name, records)
    actual = []
    for person in people.values():
        with transaction.atomic():
            body = json.dumps(body_of(name, bodies, person))
            response = api_client_of(person).generic(method, url, data=body, content_type="application/json")
            actual.append(response.status_code)
            transaction.set_rollback(True)
    assert tuple(actual) == EXPECTED[name][method], f"{method} {url} for {', '.join(people)}"
