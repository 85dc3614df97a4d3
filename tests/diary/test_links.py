"""The diary link's life cycle (SPEC §7): issued by the patient's clinic through the API and the
patient's page, valid 120 days, one at a time, revoked, ended by discharge; an unknown, ended or
expired link is the same 404."""

import datetime

import pytest
import segno
from django.urls import reverse

from diary.models import DiaryLink
from diary.selectors import secret_hash
from patients.services import patient_update, record_mark_entered_in_error
from tests.support.clients import web_client_of

from .conftest import path_of

pytestmark = pytest.mark.django_db


def link_url(patient):
    return reverse("api:patient-diary-link", kwargs={"pk": patient.pk})


@pytest.mark.parametrize("who", ["nora_api", "phil_api", "ada_api"])
def test_nurses_physios_and_admins_issue_a_link_that_opens_the_diary(request, who, iris, phone, clock):
    response = request.getfixturevalue(who).post(link_url(iris))
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"url", "expires_on"}
    assert body["expires_on"] == (datetime.date.today() + datetime.timedelta(days=120)).isoformat()
    page = phone.get(path_of(body["url"]))
    assert page.status_code == 200
    assert b"Hello Iris" in page.content


def test_only_the_secrets_hash_is_stored(nora_api, iris):
    url = nora_api.post(link_url(iris)).json()["url"]
    secret = path_of(url).strip("/").split("/")[-1]
    link = DiaryLink.objects.get()
    assert len(secret) >= 43
    assert link.secret_hash == secret_hash(secret) != secret
    stored = " ".join(str(value) for value in DiaryLink.objects.values().get().values())
    assert secret not in stored


def test_another_clinic_gets_404_and_issues_nothing(sam_api, iris):
    assert sam_api.post(link_url(iris)).status_code == 404
    assert sam_api.delete(link_url(iris)).status_code == 404
    assert not DiaryLink.objects.exists()


def test_a_body_with_fields_is_refused(nora_api, iris):
    response = nora_api.post(link_url(iris), {"days": 365}, format="json")
    assert response.status_code == 400
    assert "days" in response.json()


def test_a_new_link_ends_the_old_one(nora_api, iris, phone):
    first = path_of(nora_api.post(link_url(iris)).json()["url"])
    second = path_of(nora_api.post(link_url(iris)).json()["url"])
    assert phone.get(first).status_code == 404
    assert phone.get(second).status_code == 200
    assert DiaryLink.objects.open().count() == 1
    assert DiaryLink.objects.get(ended_at__isnull=False).end_reason == DiaryLink.End.REPLACED


def test_delete_revokes_the_link(nora_api, iris, phone):
    path = path_of(nora_api.post(link_url(iris)).json()["url"])
    assert nora_api.delete(link_url(iris)).status_code == 204
    assert phone.get(path).status_code == 404
    # Again: nothing left to revoke, still done.
    assert nora_api.delete(link_url(iris)).status_code == 204


def test_the_link_expires_after_120_days(link, phone, clock):
    _, _, path = link
    clock.shift(datetime.timedelta(days=119))
    assert phone.get(path).status_code == 200
    clock.shift(datetime.timedelta(days=1))
    assert phone.get(path).status_code == 404


def test_discharge_ends_the_link(link, iris, nora, phone):
    _, _, path = link
    patient_update(patient=iris, by=nora, status="discharged")
    assert phone.get(path).status_code == 404
    assert DiaryLink.objects.get().end_reason == DiaryLink.End.DISCHARGED
    # Back in care, the old link stays ended: the clinic issues a new one.
    patient_update(patient=iris, by=nora, status="active")
    assert phone.get(path).status_code == 404


@pytest.mark.parametrize("state", ["discharged", "entered_in_error"])
def test_no_link_for_a_discharged_patient_or_one_entered_in_error(nora_api, ada, iris, nora, state):
    if state == "discharged":
        patient_update(patient=iris, by=nora, status="discharged")
    else:
        record_mark_entered_in_error(record=iris, by=ada, reason="Duplicate registration")
    response = nora_api.post(link_url(iris))
    assert response.status_code == 409
    assert "diary link" in response.json()["detail"]
    assert not DiaryLink.objects.exists()


def test_a_patient_entered_in_error_takes_the_link_along(link, iris, ada, phone):
    _, _, path = link
    record_mark_entered_in_error(record=iris, by=ada, reason="Duplicate registration")
    assert phone.get(path).status_code == 404


def test_unknown_revoked_and_expired_links_answer_the_same_404(link, iris, nora, nora_api, phone, clock):
    _, secret, path = link
    unknown = phone.get(f"/diary/{secret[:-2]}xx/")
    nora_api.delete(link_url(iris))
    revoked = phone.get(path)
    fresh = nora_api.post(link_url(iris)).json()["url"]
    clock.shift(datetime.timedelta(days=120))
    expired = phone.get(path_of(fresh))
    assert unknown.status_code == revoked.status_code == expired.status_code == 404
    pages = [r.content for r in (unknown, revoked, expired)]
    assert pages[0] == pages[1] == pages[2]
    assert dict(unknown.headers).keys() == dict(revoked.headers).keys() == dict(expired.headers).keys()


def test_the_patients_page_issues_shows_and_revokes_the_link(iris, nora, phone):
    page = web_client_of(nora)
    dashboard = page.get(reverse("web:patient_dashboard", args=[iris.pk]))
    assert b"Issue a diary link" in dashboard.content
    issued = page.post(reverse("web:diary_link", args=[iris.pk]), {"action": "issue"})
    assert issued.status_code == 200
    url = issued.context["url"]
    assert b"<svg" in issued.content and b"QR code of the diary link" in issued.content
    assert url.encode() in issued.content
    assert issued["Cache-Control"].startswith("max-age=0") or "no-store" in issued["Cache-Control"]
    assert phone.get(path_of(url)).status_code == 200
    dashboard = page.get(reverse("web:patient_dashboard", args=[iris.pk]))
    assert b"A diary link is active" in dashboard.content
    assert url.encode() not in dashboard.content  # shown once only
    page.post(reverse("web:diary_link", args=[iris.pk]), {"action": "revoke"})
    assert phone.get(path_of(url)).status_code == 404


def test_the_qr_code_holds_the_links_address(iris, nora):
    issued = web_client_of(nora).post(reverse("web:diary_link", args=[iris.pk]), {"action": "issue"})
    url = issued.context["url"]
    expected = segno.make(url, error="m").svg_inline(
        scale=6, dark="#000", light="#fff", title="QR code of the diary link", omitsize=True
    )
    assert expected in issued.content.decode()
