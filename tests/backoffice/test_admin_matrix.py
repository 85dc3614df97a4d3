"""The admin's answers, route by route (SPEC §5): every URL pattern of the admin site × GET and
POST × Nora (nurse), Phil (physio), Ada (admin) of clinic north and a superuser × a record of
north's ("own") and of south's ("other"), against ``EXPECTED``. A new admin route fails until it
has a row; an unnamed pattern is keyed by its route.

After every request nothing clinical has changed — no row, no history row — and no answer to
Ada names anything of south's. Each person's request runs on the same data, rolled back after it.
"""

import datetime

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone
from knox.models import AuthToken

from assessments.models import Assessment, MuscleScore
from audit.models import AccessRecord, AccessRecordSubject
from care.models import DevicePrescription, FallEvent, Referral
from care.services import referral_create, referral_transition
from patients.models import Clinic, Patient, StaffMembership
from patients.services import patient_create, patient_update, staff_add
from reminders.models import Reminder
from tests import factories
from tests.backoffice.test_admin_history import form_data
from tests.conftest import PASSWORD
from tests.support.clients import web_client_of

User = get_user_model()
OUT = 302  # nurses and physios are not staff: to the admin's login page
PEOPLE = ("nurse", "physio", "admin", "superuser")
SCOPES = ("own", "other")
# What of south's would show if Ada saw any of it: its clinic, patient and staff member.
SOUTH_MARKERS = ("South", "zoltan")


def answers(GET, POST, other_GET=None, other_POST=None):
    """(nurse, physio, admin, superuser) for each method, on north's record and on south's."""
    return {
        ("GET", "own"): GET,
        ("POST", "own"): POST,
        ("GET", "other"): other_GET or GET,
        ("POST", "other"): other_POST or POST,
    }


def everybody(status):
    return (status,) * 4


STAFF_PAGE = answers(GET=(OUT, OUT, 200, 200), POST=(OUT, OUT, 200, 200))
STAFF_READ = answers(GET=(OUT, OUT, 200, 200), POST=(OUT, OUT, 405, 405))
REDIRECT = answers(GET=everybody(302), POST=everybody(302))

# A clinical record: read by clinic admins in their clinics and by superusers, written by nobody.
CLINICAL_LIST = answers(GET=(OUT, OUT, 200, 200), POST=(OUT, OUT, 200, 200))
CLINICAL_ADD = answers(GET=(OUT, OUT, 403, 403), POST=(OUT, OUT, 403, 403))
CLINICAL_READ = answers(
    GET=(OUT, OUT, 200, 200),
    POST=(OUT, OUT, 403, 403),
    other_GET=(OUT, OUT, 404, 200),
    other_POST=(OUT, OUT, 404, 403),
)
CLINICAL_DELETE = answers(
    GET=(OUT, OUT, 403, 403),
    POST=(OUT, OUT, 403, 403),
    other_GET=(OUT, OUT, 404, 403),
    other_POST=(OUT, OUT, 404, 403),
)
CLINICAL_HISTORY = answers(
    GET=(OUT, OUT, 200, 200),
    POST=(OUT, OUT, 200, 200),
    other_GET=(OUT, OUT, 404, 200),
    other_POST=(OUT, OUT, 404, 200),
)
CLINICAL_VERSION = CLINICAL_READ

# Users, groups, tokens: the superusers'; to anybody else there is no such record.
# A superuser's POSTs go through — a delete, a change, a new password — but for an add: a copy
# of an existing user, group or token is refused.
SU_LIST = answers(GET=(OUT, OUT, 403, 200), POST=(OUT, OUT, 403, 302))
SU_ADD = answers(GET=(OUT, OUT, 403, 200), POST=(OUT, OUT, 403, 200))
SU_WRITE = answers(GET=(OUT, OUT, 404, 200), POST=(OUT, OUT, 404, 302))
SU_READ = answers(GET=(OUT, OUT, 404, 200), POST=(OUT, OUT, 404, 200))
# django-axes' sign-in records: nobody adds one; a superuser may delete an attempt (an unlock).
SIGN_IN_ADD = CLINICAL_ADD
# A superuser may issue a knox token in the admin (useless to anyone: knox keeps only a digest).
TOKEN_ADD = answers(GET=(OUT, OUT, 403, 200), POST=(OUT, OUT, 403, 302))

EXPECTED = {
    "index": STAFF_PAGE,
    "login": answers(GET=(200, 200, 302, 302), POST=everybody(200)),
    "logout": answers(GET=(OUT, OUT, 405, 405), POST=everybody(302)),
    "password_change": STAFF_PAGE,
    "password_change_done": STAFF_READ,
    # North's patient by name for "own", south's for "other": Ada finds none of south's.
    "autocomplete": STAFF_READ,
    "jsi18n": STAFF_READ,
    # No model has a page of its own to send the admin to.
    "view_on_site": answers(GET=(OUT, OUT, 404, 404), POST=(OUT, OUT, 404, 404)),
    # A clinical app for "own", the superusers' auth for "other".
    "app_list": answers(
        GET=(OUT, OUT, 200, 200),
        POST=(OUT, OUT, 200, 200),
        other_GET=(OUT, OUT, 404, 200),
        other_POST=(OUT, OUT, 404, 200),
    ),
    "(?P<url>.*)$": answers(GET=(OUT, OUT, 404, 404), POST=(OUT, OUT, 404, 404)),
    # Clinics: superusers manage them; a clinic admin looks at their own.
    "patients_clinic_changelist": STAFF_PAGE,
    "patients_clinic_add": answers(GET=(OUT, OUT, 403, 200), POST=(OUT, OUT, 403, 200)),
    "patients_clinic_history": CLINICAL_HISTORY,
    # Its patients protect a clinic from deletion.
    "patients_clinic_delete": answers(
        GET=(OUT, OUT, 403, 200),
        POST=(OUT, OUT, 403, 200),
        other_GET=(OUT, OUT, 404, 200),
        other_POST=(OUT, OUT, 404, 200),
    ),
    "patients_clinic_change": answers(
        GET=(OUT, OUT, 200, 200),
        POST=(OUT, OUT, 403, 302),
        other_GET=(OUT, OUT, 404, 200),
        other_POST=(OUT, OUT, 404, 302),
    ),
    "patients/clinic/<path:object_id>/": REDIRECT,
    "patients_patient_changelist": CLINICAL_LIST,
    "patients_patient_add": CLINICAL_ADD,
    "patients_patient_history": CLINICAL_HISTORY,
    "patients_patient_simple_history": CLINICAL_VERSION,
    "patients_patient_delete": CLINICAL_DELETE,
    "patients_patient_change": CLINICAL_READ,
    "patients/patient/<path:object_id>/": REDIRECT,
    "assessments_assessment_changelist": CLINICAL_LIST,
    "assessments_assessment_add": CLINICAL_ADD,
    "assessments_assessment_history": CLINICAL_HISTORY,
    "assessments_assessment_simple_history": CLINICAL_VERSION,
    "assessments_assessment_delete": CLINICAL_DELETE,
    "assessments_assessment_change": CLINICAL_READ,
    "assessments/assessment/<path:object_id>/": REDIRECT,
    "assessments_musclescore_changelist": CLINICAL_LIST,
    "assessments_musclescore_add": CLINICAL_ADD,
    "assessments_musclescore_history": CLINICAL_HISTORY,
    "assessments_musclescore_simple_history": CLINICAL_VERSION,
    "assessments_musclescore_delete": CLINICAL_DELETE,
    "assessments_musclescore_change": CLINICAL_READ,
    "assessments/musclescore/<path:object_id>/": REDIRECT,
    "care_fallevent_changelist": CLINICAL_LIST,
    "care_fallevent_add": CLINICAL_ADD,
    "care_fallevent_history": CLINICAL_HISTORY,
    "care_fallevent_simple_history": CLINICAL_VERSION,
    "care_fallevent_delete": CLINICAL_DELETE,
    "care_fallevent_change": CLINICAL_READ,
    "care/fallevent/<path:object_id>/": REDIRECT,
    "care_deviceprescription_changelist": CLINICAL_LIST,
    "care_deviceprescription_add": CLINICAL_ADD,
    "care_deviceprescription_history": CLINICAL_HISTORY,
    "care_deviceprescription_simple_history": CLINICAL_VERSION,
    "care_deviceprescription_delete": CLINICAL_DELETE,
    "care_deviceprescription_change": CLINICAL_READ,
    "care/deviceprescription/<path:object_id>/": REDIRECT,
    "care_referral_changelist": CLINICAL_LIST,
    "care_referral_add": CLINICAL_ADD,
    "care_referral_history": CLINICAL_HISTORY,
    "care_referral_simple_history": CLINICAL_VERSION,
    "care_referral_delete": CLINICAL_DELETE,
    "care_referral_change": CLINICAL_READ,
    "care/referral/<path:object_id>/": REDIRECT,
    "reminders_reminder_changelist": CLINICAL_LIST,
    "reminders_reminder_add": CLINICAL_ADD,
    "reminders_reminder_history": CLINICAL_HISTORY,
    "reminders_reminder_delete": CLINICAL_DELETE,
    "reminders_reminder_change": CLINICAL_READ,
    "reminders/reminder/<path:object_id>/": REDIRECT,
    "auth_group_changelist": SU_LIST,
    "auth_group_add": SU_ADD,
    "auth_group_history": SU_READ,
    "auth_group_delete": SU_WRITE,
    "auth_group_change": SU_WRITE,
    "auth/group/<path:object_id>/": REDIRECT,
    "auth_user_password_change": SU_WRITE,
    "auth_user_changelist": {**SU_LIST, ("POST", "other"): (OUT, OUT, 403, 200)},
    "auth_user_add": SU_ADD,
    "auth_user_history": SU_READ,
    # South's staff member entered records, which protect him from deletion (also by the action).
    "auth_user_delete": {**SU_WRITE, ("POST", "other"): (OUT, OUT, 404, 200)},
    "auth_user_change": SU_WRITE,
    "auth/user/<path:object_id>/": REDIRECT,
    # The access log: clinic admins read their clinics' records; nobody writes one here.
    "audit_accessrecord_changelist": CLINICAL_LIST,
    "audit_accessrecord_add": CLINICAL_ADD,
    "audit_accessrecord_history": CLINICAL_HISTORY,
    "audit_accessrecord_delete": CLINICAL_DELETE,
    "audit_accessrecord_change": CLINICAL_READ,
    "audit/accessrecord/<path:object_id>/": REDIRECT,
    "axes_accessattempt_changelist": SU_LIST,
    "axes_accessattempt_add": SIGN_IN_ADD,
    "axes_accessattempt_history": SU_READ,
    "axes_accessattempt_delete": SU_WRITE,
    "axes_accessattempt_change": SU_WRITE,
    "axes/accessattempt/<path:object_id>/": REDIRECT,
    "axes_accessfailurelog_changelist": SU_LIST,
    "axes_accessfailurelog_add": SIGN_IN_ADD,
    "axes_accessfailurelog_history": SU_READ,
    "axes_accessfailurelog_delete": SU_WRITE,
    "axes_accessfailurelog_change": SU_WRITE,
    "axes/accessfailurelog/<path:object_id>/": REDIRECT,
    "axes_accesslog_changelist": SU_LIST,
    "axes_accesslog_add": SIGN_IN_ADD,
    "axes_accesslog_history": SU_READ,
    "axes_accesslog_delete": SU_WRITE,
    "axes_accesslog_change": SU_WRITE,
    "axes/accesslog/<path:object_id>/": REDIRECT,
    "knox_authtoken_changelist": SU_LIST,
    "knox_authtoken_add": TOKEN_ADD,
    "knox_authtoken_history": SU_READ,
    "knox_authtoken_delete": SU_WRITE,
    "knox_authtoken_change": SU_WRITE,
    "knox/authtoken/<path:object_id>/": REDIRECT,
}


def admin_routes(resolver=None, prefix="", model=None):
    """``(key, name, model)`` of every pattern under the admin site, walking its URL configuration."""
    if resolver is None:
        resolver = next(e for e in get_resolver().url_patterns if getattr(e, "namespace", None) == "admin")
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from admin_routes(entry, route, apps.get_model(*route.strip("/").split("/")))
        else:
            yield entry.name or route, entry.name, model


ROUTES = sorted(admin_routes(), key=lambda r: r[0])


def test_the_table_has_a_row_for_every_admin_route_and_no_other():
    assert sorted(EXPECTED) == [key for key, _, _ in ROUTES]


def updated(record):
    """``record`` saved once more: a second version in its history, to revert to the first."""
    record.save()
    return record


@pytest.fixture
def world(north, south, nora, phil, ada):
    """One of every record in each clinic, entered by its staff; the people who ask."""
    zoltan = staff_add(username="zoltan", role="physio", clinic_code=south.code, password=PASSWORD)
    today = timezone.localdate()
    records = {}
    for scope, clinic, author in (("own", north, phil), ("other", south, zoltan)):
        patient = patient_create(
            clinic=clinic,
            created_by=author,
            mrn=f"{clinic.code}-1",
            given_name="Iris",
            family_name=f"{clinic.name}ey",
            date_of_birth=datetime.date(1970, 3, 1),
        )
        patient_update(patient=patient, by=author, given_name="Irene")
        assessment = updated(factories.AssessmentFactory(patient=patient, assessed_on=today, assessor=author))
        referral = referral_create(patient=patient, created_by=author, to_service="orthotics", reason="AFO")
        records[scope] = {
            Clinic: clinic,
            Patient: patient,
            Assessment: assessment,
            MuscleScore: updated(
                MuscleScore.objects.create(assessment=assessment, muscle_group="grip", side="left", grade=12)
            ),
            FallEvent: updated(factories.FallFactory(patient=patient, recorded_by=author)),
            DevicePrescription: updated(factories.DeviceFactory(patient=patient, prescribed_by=author)),
            Referral: referral_transition(referral=referral, to_status="sent", by=author),
            Reminder: factories.ReminderFactory(patient=patient),
            AuthToken: AuthToken.objects.create(user=author)[0],
            AccessRecord: access_record_of(author, patient),
            **sign_in_records_of(author),
        }
        records[scope][Reminder].recipients.add(author)
    records["own"] |= {User: nora, Group: nora.groups.get()}
    records["other"] |= {User: zoltan, Group: zoltan.groups.get()}
    superuser = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    return records, dict(zip(PEOPLE, (nora, phil, ada, superuser), strict=True))


def access_record_of(user, patient):
    record = AccessRecord.objects.create(user=user, username=user.username, action="patient_read")
    AccessRecordSubject.objects.create(record=record, clinic=patient.clinic, patient=patient)
    return record


def sign_in_records_of(user):
    """django-axes's records of a sign-in by ``user``: an attempt that failed, and the logs."""
    where = {
        "username": user.username,
        "ip_address": "192.0.2.1",
        "user_agent": "test",
        "path_info": "/login/",
    }
    return {
        AccessAttempt: AccessAttempt.objects.create(
            **where, get_data="", post_data="", http_accept="*/*", failures_since_start=1
        ),
        AccessLog: AccessLog.objects.create(**where, http_accept="*/*"),
        AccessFailureLog: AccessFailureLog.objects.create(**where, http_accept="*/*", locked_out=False),
    }


def first_version(record):
    return record.history.order_by("history_id").first()


def site_url(key, scope, records):
    patient = records[scope][Patient]
    return {
        "autocomplete": reverse("admin:autocomplete")
        + f"?app_label=care&model_name=referral&field_name=patient&term={patient.family_name}",
        "view_on_site": reverse(
            "admin:view_on_site", args=[ContentType.objects.get_for_model(Patient).pk, patient.pk]
        ),
        "app_list": reverse("admin:app_list", args=["care" if scope == "own" else "auth"]),
        "(?P<url>.*)$": reverse("admin:index") + "no-such-page/",
    }.get(key) or reverse(f"admin:{key}")


def model_url(name, model, record):
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    if name is None:  # the old change URL, redirecting to the new
        return f"{changelist}{quote(record.pk)}/"
    if name.endswith(("_changelist", "_add")):
        return reverse(f"admin:{name}")
    if name.endswith("_simple_history"):
        return reverse(f"admin:{name}", args=[quote(record.pk), first_version(record).pk])
    return reverse(f"admin:{name}", args=[quote(record.pk)])


# The change each form posts; for an add it also keeps the copy clear of the unique constraints.
# Without one, a save still shows: a new history row, a new ``updated_at``.
CHANGES = {
    Patient: {"mrn": "N-2"},
    MuscleScore: {"side": "right"},
    Reminder: {"due_on": datetime.date(2031, 1, 1)},
}


def post_body(name, model, record):
    """What a browser would send to write ``record`` there (a copy for an add): a form that would
    be saved if the page let it."""
    if name is None or model is None:
        return {}
    if name.endswith("_changelist"):
        return {"action": "delete_selected", "_selected_action": [record.pk], "post": "yes"}
    if name.endswith("_delete"):
        return {"post": "yes"}
    if name.endswith("_password_change"):
        return {"password1": "a-new-long-passphrase", "password2": "a-new-long-passphrase"}
    if name.endswith("_simple_history"):
        return form_data(first_version(record).instance)
    if name.endswith(("_add", "_change")):
        return form_data(record, **CHANGES.get(model, {})) | inline_management_forms(model)
    return {}


def inline_management_forms(model):
    """Empty management forms for the inlines of ``model``'s admin page."""
    forms = {}
    for inline in admin.site.get_model_admin(model).inlines:
        fk = next(f for f in inline.model._meta.fields if f.is_relation and f.related_model is model)
        prefix = fk.remote_field.get_accessor_name()
        forms |= {f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0}
    return forms


# Clinical tables, and the access log: no admin request may change either — but a read of
# patient data adds its access record (SPEC §5), after the records already there.
CLINICAL_APPS = ("patients", "assessments", "care", "diary", "reminders", "audit")
ACCESS_LOG = ("audit.AccessRecord", "audit.AccessRecordSubject")


def clinical_state():
    """Every row of every clinical table, their history and many-to-many tables included."""
    tables = (
        model
        for label in CLINICAL_APPS
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
        if model not in (Clinic, StaffMembership)
    )
    return {model._meta.label: list(model._default_manager.order_by("pk").values()) for model in tables}


def without_new_reads(state, before):
    """``state`` without the access records added since ``before`` (rows come in pk order)."""
    return state | {label: state[label][: len(before[label])] for label in ACCESS_LOG}


def answer(role, person, method, url, body, before):
    """The status ``person`` gets; nothing clinical may change, and Ada may see nothing of south's."""
    with transaction.atomic():
        client = web_client_of(person)
        response = client.post(url, body) if method == "POST" else client.get(url)
        after = without_new_reads(clinical_state(), before)
        assert after == before, f"{method} {url} by the {role} changed a clinical record"
        if role == "admin":
            leaked = [marker for marker in SOUTH_MARKERS if marker in response.content.decode()]
            assert not leaked, f"{method} {url} showed Ada {leaked}"
        transaction.set_rollback(True)
    return response.status_code


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("key, name, model", ROUTES, ids=[key for key, _, _ in ROUTES])
def test_each_person_gets_the_answer_the_table_gives_and_nothing_clinical_changes(
    key, name, model, method, world
):
    records, people = world
    assert key in EXPECTED, f"the admin route {key} is missing from the table"
    before = clinical_state()
    actual, urls = {}, {}
    for scope in SCOPES:
        record = records[scope][model] if model else None
        urls[scope] = url = model_url(name, model, record) if model else site_url(key, scope, records)
        body = post_body(name, model, record) if method == "POST" else None
        actual[scope] = tuple(answer(role, p, method, url, body, before) for role, p in people.items())
    expected = {scope: EXPECTED[key][method, scope] for scope in SCOPES}
    assert actual == expected, f"{method} {urls} for {', '.join(people)}"
