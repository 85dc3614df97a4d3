"""The pages' access log, route by route (SPEC §5): every page about one record that answers 200
writes one access record naming the record's patient; a 404 (another clinic) or a 403 (a role
the policy refuses) writes none."""

import pytest
from django.urls import reverse

from audit.models import AccessRecord
from tests.support.clients import web_client_of

from . import test_access
from .test_access import ROUTE_IDS, ROUTES

pytestmark = pytest.mark.django_db

# Nora, Phil and Ada's clinic's records (Nora entered them, Phil the device); a reminder to Nora.
records = test_access.records


@pytest.mark.parametrize(("name", "args", "method", "refused"), ROUTES, ids=ROUTE_IDS)
def test_a_404_or_a_403_writes_no_access_record(request, rolf, sam, records, name, args, method, refused):
    url = reverse(name, args=args(records))
    assert getattr(web_client_of(sam), method)(url).status_code == 404
    if refused:
        assert getattr(web_client_of(request.getfixturevalue(refused)), method)(url).status_code == 403
    assert not AccessRecord.objects.exists()


# Every page of the matrix that shows a patient's data: not the three that take POST only and
# answer with a redirect, nor a webhook endpoint's page (a clinic's, about no patient).
SHOWN = [
    (route_id, name, args)
    for route_id, (name, args, _, _) in zip(ROUTE_IDS, ROUTES, strict=True)
    if name not in ("web:referral_move", "web:reminder_ack", "web:diary_link", "web:webhook_page")
]


@pytest.mark.parametrize(("name", "args"), [s[1:] for s in SHOWN], ids=[s[0] for s in SHOWN])
def test_every_page_about_a_record_writes_one_read_of_its_patient(name, args, records, ada):
    response = web_client_of(ada).get(reverse(name, args=args(records)))
    assert response.status_code == 200
    [record] = AccessRecord.objects.with_patient_ids()
    assert (record.username, record.action) == (
        "ada",
        "dashboard" if name == "web:patient_dashboard" else "patient_read",
    )
    assert record.patient_ids == [records["patient"].pk]


def test_a_refused_referral_move_shows_the_conflict_page_a_read_and_a_done_one_reads_nothing(records, nora):
    client = web_client_of(nora)
    url = reverse("web:referral_move", args=[records["referral"].pk])
    assert client.post(url, {"status": "sent"}).status_code == 302
    assert not AccessRecord.objects.exists()
    conflict = client.post(url, {"status": "draft"})
    assert conflict.status_code == 409
    [record] = AccessRecord.objects.with_patient_ids()
    assert (record.action, record.patient_ids) == ("patient_read", [records["patient"].pk])
