"""Who reaches which page: anonymous → the login page; another clinic's record → 404, never
403; a role the policy refuses → 403, and the page never offers what the role may not do."""

import datetime

import pytest
from django.urls import URLPattern, get_resolver, reverse
from django.utils import timezone

from assessments.services import trend_review_record
from care.services import device_review
from tests import factories
from tests.support.clients import web_client_of
from webhooks.services import endpoint_register

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(north, nora, phil, ada):
    patient = factories.PatientFactory(clinic=north)
    reminder = factories.ReminderFactory(patient=patient)
    reminder.recipients.add(nora)
    device = factories.DeviceFactory(patient=patient, prescribed_by=phil)
    today = timezone.localdate()
    return {
        "patient": patient,
        "assessment": factories.assessment_with_grades(
            patient, datetime.date(2026, 3, 1), {("grip", "left"): "4"}, assessor=nora
        ),
        "fall": factories.FallFactory(patient=patient, recorded_by=nora),
        "device": device,
        "device_review": device_review(device=device, by=phil, reviewed_on=today, next_review_due_on=today),
        "referral": factories.ReferralFactory(patient=patient, created_by=nora),
        "reminder": reminder,
        "trend_review": trend_review_record(patient=patient, by=phil, note="Grip steady."),
        "medication": factories.MedicationFactory(patient=patient, recorded_by=nora),
        "exercise_plan": factories.PlanFactory(patient=patient, prescribed_by=phil),
        "webhook": endpoint_register(
            clinic=north, by=ada, url="https://ehr.example.org/hooks", events=["fall.recorded"]
        ),
    }


# (url name, args from the records, method, who in clinic north the policy refuses, or None)
ROUTES = [
    ("web:patient_dashboard", lambda r: [r["patient"].pk], "get", None),
    ("web:patient_edit", lambda r: [r["patient"].pk], "get", "phil"),
    ("web:patient_edit", lambda r: [r["patient"].pk], "post", "phil"),
    ("web:assessment_new", lambda r: [r["patient"].pk], "get", "rolf"),
    ("web:assessment_new", lambda r: [r["patient"].pk], "post", "rolf"),
    ("web:assessment_edit", lambda r: [r["assessment"].pk], "get", "rolf"),
    ("web:assessment_edit", lambda r: [r["assessment"].pk], "post", "rolf"),
    ("web:fall_new", lambda r: [r["patient"].pk], "get", "rolf"),
    ("web:fall_new", lambda r: [r["patient"].pk], "post", "rolf"),
    ("web:device_new", lambda r: [r["patient"].pk], "get", "nora"),
    ("web:device_new", lambda r: [r["patient"].pk], "post", "nora"),
    ("web:referral_new", lambda r: [r["patient"].pk], "get", "rolf"),
    ("web:referral_new", lambda r: [r["patient"].pk], "post", "rolf"),
    ("web:trend_review", lambda r: [r["patient"].pk], "get", "rolf"),
    ("web:trend_review", lambda r: [r["patient"].pk], "post", "rolf"),
    ("web:medication_new", lambda r: [r["patient"].pk], "get", "rolf"),
    ("web:medication_new", lambda r: [r["patient"].pk], "post", "rolf"),
    ("web:plan_new", lambda r: [r["patient"].pk], "get", "nora"),
    ("web:plan_new", lambda r: [r["patient"].pk], "post", "nora"),
    ("web:medication_edit", lambda r: [r["medication"].pk], "get", "rolf"),
    ("web:medication_edit", lambda r: [r["medication"].pk], "post", "rolf"),
    ("web:plan_edit", lambda r: [r["exercise_plan"].pk], "get", "nora"),
    ("web:plan_edit", lambda r: [r["exercise_plan"].pk], "post", "nora"),
    ("web:referral_page", lambda r: [r["referral"].pk], "get", None),
    ("web:referral_move", lambda r: [r["referral"].pk], "post", "rolf"),
    ("web:device_review", lambda r: [r["device"].pk], "get", "nora"),
    ("web:device_review", lambda r: [r["device"].pk], "post", "nora"),
    ("web:device_discontinue", lambda r: [r["device"].pk], "get", "nora"),
    ("web:device_discontinue", lambda r: [r["device"].pk], "post", "nora"),
    ("web:entered_in_error", lambda r: ["assessment", r["assessment"].pk], "get", "phil"),
    ("web:entered_in_error", lambda r: ["fall", r["fall"].pk], "post", "phil"),
    ("web:entered_in_error", lambda r: ["device", r["device"].pk], "post", "nora"),
    ("web:entered_in_error", lambda r: ["device_review", r["device_review"].pk], "get", "nora"),
    ("web:entered_in_error", lambda r: ["trend_review", r["trend_review"].pk], "post", "nora"),
    ("web:entered_in_error", lambda r: ["referral", r["referral"].pk], "get", "rolf"),
    ("web:entered_in_error", lambda r: ["patient", r["patient"].pk], "get", "phil"),
    ("web:entered_in_error", lambda r: ["medication", r["medication"].pk], "post", "phil"),
    ("web:entered_in_error", lambda r: ["exercise_plan", r["exercise_plan"].pk], "get", "nora"),
    ("web:reminder_ack", lambda r: [r["reminder"].pk], "post", "phil"),
    ("web:plan_sheet", lambda r: [r["patient"].pk, r["exercise_plan"].pk], "get", None),
    # Clinic admins' pages.
    ("web:webhook_page", lambda r: [r["webhook"].pk], "get", "nora"),
    ("web:webhook_page", lambda r: [r["webhook"].pk], "post", "phil"),
    # Every role issues and revokes diary links; rolf, in no role, may not.
    ("web:diary_link", lambda r: [r["patient"].pk], "post", "rolf"),
]
ROUTE_IDS = [f"{method} {name}:{i}" for i, (name, _, method, _) in enumerate(ROUTES)]
# Pages about no record yet (so no other clinic's record to be refused): (url name, method, refused).
NEW_RECORD_PAGES = [
    ("web:patient_new", "get", "phil"),
    ("web:patient_new", "post", "phil"),
    ("web:webhook_list", "get", "nora"),
    ("web:webhook_list", "post", "phil"),
]
NEW_RECORD_IDS = [f"{method} {name}" for name, method, _ in NEW_RECORD_PAGES]
LISTS = ["web:patient_list", "web:reminder_inbox", "web:referral_worklist"]
# Checked elsewhere: the root and the login/logout views here, the report page in tests/reports,
# the patient's own diary page (no account: its link is its key) in tests/diary.
ELSEWHERE = ["web:home", "web:login", "web:logout", "web:reports", "web:diary"]


def test_the_matrix_names_every_page():
    pages = {f"web:{e.name}" for e in get_resolver("web.urls").url_patterns if isinstance(e, URLPattern)}
    listed = {r[0] for r in ROUTES} | {p[0] for p in NEW_RECORD_PAGES} | {*LISTS, *ELSEWHERE}
    assert listed == pages


def _call(client, name, args, method, records):
    url = reverse(name, args=args(records))
    return url, getattr(client, method)(url)


@pytest.mark.parametrize(("name", "args", "method", "refused"), ROUTES, ids=ROUTE_IDS)
def test_anonymous_is_sent_to_the_login_page(anonymous, records, name, args, method, refused):
    url, response = _call(anonymous, name, args, method, records)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('web:login')}?next={url}"


@pytest.mark.parametrize(("name", "method", "refused"), NEW_RECORD_PAGES, ids=NEW_RECORD_IDS)
def test_anonymous_is_sent_to_the_login_page_from_a_new_record_page(anonymous, name, method, refused):
    url = reverse(name)
    response = getattr(anonymous, method)(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('web:login')}?next={url}"


@pytest.mark.parametrize(("name", "method", "refused"), NEW_RECORD_PAGES, ids=NEW_RECORD_IDS)
def test_a_role_the_policy_refuses_may_not_open_a_new_record_page(request, rolf, name, method, refused):
    for user in (refused, "rolf"):
        response = getattr(web_client_of(request.getfixturevalue(user)), method)(reverse(name))
        assert response.status_code == 403, user
        assert b"You may not do this" in response.content


@pytest.mark.parametrize("name", LISTS)
def test_anonymous_lists_redirect_to_login(anonymous, name):
    response = anonymous.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))


def test_the_root_goes_to_the_patient_list_or_the_login_page(anonymous, nora_web):
    assert anonymous.get("/").status_code == 302
    assert anonymous.get("/")["Location"].startswith("/login/")
    response = nora_web.get("/")
    assert response.status_code == 302 and response["Location"] == reverse("web:patient_list")


@pytest.mark.parametrize(("name", "args", "method", "refused"), ROUTES, ids=ROUTE_IDS)
def test_another_clinics_record_is_not_found(sam_web, records, name, args, method, refused):
    _, response = _call(sam_web, name, args, method, records)
    assert response.status_code == 404
    assert b"Page not found" in response.content


@pytest.mark.parametrize(
    ("name", "args", "method", "refused"),
    [r for r in ROUTES if r[3]],
    ids=[i for i, r in zip(ROUTE_IDS, ROUTES, strict=True) if r[3]],
)
def test_a_role_the_policy_refuses_is_forbidden(request, rolf, records, name, args, method, refused):
    client = web_client_of(request.getfixturevalue(refused))
    _, response = _call(client, name, args, method, records)
    assert response.status_code == 403
    assert b"You may not do this" in response.content


def test_a_record_kind_that_does_not_exist_is_not_found(nora_web, records):
    response = nora_web.get(f"/records/clinic/{records['patient'].pk}/entered-in-error/")
    assert response.status_code == 404


DASHBOARD_ACTIONS = {
    "Record assessment",
    "Record fall",
    "New referral",
    "Prescribe device",
    "Mark sent",
    "Edit details",
    "Mark reviewed",
    "Record medication event",
    "Prescribe exercise plan",
    "Change or end",
}


@pytest.mark.parametrize(
    ("user", "shown"),
    [
        ("nora", DASHBOARD_ACTIONS - {"Prescribe device", "Prescribe exercise plan", "Change or end"}),
        ("phil", DASHBOARD_ACTIONS - {"Edit details"}),
        ("ada", DASHBOARD_ACTIONS),
        ("rolf", set()),
    ],
)
def test_the_dashboard_offers_only_what_the_role_may_do(request, rolf, records, user, shown):
    response = web_client_of(request.getfixturevalue(user)).get(
        reverse("web:patient_dashboard", args=[records["patient"].pk])
    )
    assert response.status_code == 200
    html = response.content.decode()
    for text in DASHBOARD_ACTIONS:
        assert (text in html) == (text in shown), text


@pytest.mark.parametrize(
    ("user", "may_mark"),
    [
        # Nora entered the assessment, the fall, the referral and the medication event; Phil the
        # device, its review, the trend review and the exercise plan.
        ("nora", {"assessment", "fall", "referral", "medication"}),
        ("phil", {"device", "device_review", "trend_review", "exercise_plan"}),
        (
            "ada",
            {
                "assessment",
                "fall",
                "referral",
                "medication",
                "device",
                "device_review",
                "trend_review",
                "exercise_plan",
            },
        ),
        ("rolf", set()),
    ],
)
def test_entered_in_error_links_follow_the_policy(request, rolf, records, user, may_mark):
    html = (
        web_client_of(request.getfixturevalue(user))
        .get(reverse("web:patient_dashboard", args=[records["patient"].pk]))
        .content.decode()
    )
    for kind in (
        "assessment",
        "fall",
        "device",
        "referral",
        "device_review",
        "trend_review",
        "medication",
        "exercise_plan",
    ):
        link = reverse("web:entered_in_error", args=[kind, records[kind].pk])
        assert (link in html) == (kind in may_mark), kind


@pytest.mark.parametrize(
    ("user", "offered"),
    [
        ("nora", set()),
        ("phil", {"device_review", "device_discontinue"}),
        ("ada", {"device_review", "device_discontinue"}),
    ],
)
def test_device_actions_are_offered_to_physios_and_admins_only(request, records, user, offered):
    html = (
        web_client_of(request.getfixturevalue(user))
        .get(reverse("web:patient_dashboard", args=[records["patient"].pk]))
        .content.decode()
    )
    for name in ("device_review", "device_discontinue"):
        assert (reverse(f"web:{name}", args=[records["device"].pk]) in html) == (name in offered), name


# Staff management (accounts: SPEC §5). The role is asked first: nurses and physios get 403 on
# every staff page, whoever it is about, so that no id tells them whether an account exists.
# Which accounts an admin or a superuser reaches is tests/accounts/test_staff_access.py's matrix.
# (url name, method, whether it is about one account)
STAFF_PAGES = [
    ("accounts:staff_list", "get", False),
    ("accounts:staff_new", "get", False),
    ("accounts:staff_new", "post", False),
    *(
        (f"accounts:staff_{action}", method, True)
        for action in ("deactivate", "reactivate", "two_factor_reset", "unlock")
        for method in ("get", "post")
    ),
]
STAFF_PAGE_IDS = [f"{method} {name}" for name, method, _ in STAFF_PAGES]


def test_the_matrix_names_every_staff_page():
    pages = {
        f"accounts:{e.name}"
        for e in get_resolver("accounts.urls").url_patterns
        if isinstance(e, URLPattern) and e.name.startswith("staff")
    }
    assert {name for name, _, _ in STAFF_PAGES} == pages


@pytest.fixture
def north_and_south_accounts(ada, sam):
    return [ada, sam]


def _staff_urls(name, about, accounts):
    return [reverse(name, args=[a.pk]) for a in accounts] if about else [reverse(name)]


@pytest.mark.parametrize(("name", "method", "about"), STAFF_PAGES, ids=STAFF_PAGE_IDS)
def test_anonymous_is_sent_to_the_login_page_from_a_staff_page(
    anonymous, north_and_south_accounts, name, method, about
):
    for url in _staff_urls(name, about, north_and_south_accounts):
        response = getattr(anonymous, method)(url)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('web:login')}?next={url}"


@pytest.mark.parametrize(("name", "method", "about"), STAFF_PAGES, ids=STAFF_PAGE_IDS)
@pytest.mark.parametrize("user", ["nora", "phil", "sam"])
def test_nurses_and_physios_may_not_open_a_staff_page(
    request, north_and_south_accounts, name, method, about, user
):
    client = web_client_of(request.getfixturevalue(user))
    # About an account of their own clinic and one of another: the same 403.
    for url in _staff_urls(name, about, north_and_south_accounts):
        response = getattr(client, method)(url)
        assert response.status_code == 403, url
        assert b"You may not do this" in response.content


@pytest.mark.parametrize(("name", "method", "about"), STAFF_PAGES, ids=STAFF_PAGE_IDS)
def test_a_clinic_admin_opens_the_staff_pages_of_their_clinic_only(ada_web, phil, sam, name, method, about):
    if not about:
        assert getattr(ada_web, method)(reverse(name)).status_code == 200
        return
    response = getattr(ada_web, method)(reverse(name, args=[sam.pk]))
    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert ada_web.get(reverse(name, args=[phil.pk])).status_code == 200
