"""Nobody changes or deletes an access record through the app: not the models, not their
querysets, not the Django admin (superusers included), and on PostgreSQL not even raw SQL."""

import pytest
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError
from django.urls import reverse

from audit.models import AccessRecord, AccessRecordIsFinal, AccessRecordSubject
from tests.support.clients import web_client_of

from .conftest import only_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def record(nora_api, north_patient):
    assert nora_api.get(reverse("api:patient-detail", args=[north_patient.pk])).status_code == 200
    return only_record()


def test_a_record_is_never_saved_again(record):
    record.action = "report"
    with pytest.raises(AccessRecordIsFinal):
        record.save()
    assert AccessRecord.objects.get().action == "patient_read"


def test_a_record_is_never_deleted(record):
    with pytest.raises(AccessRecordIsFinal):
        record.delete()
    with pytest.raises(AccessRecordIsFinal):
        AccessRecord.objects.all().delete()
    assert AccessRecord.objects.count() == 1


def test_records_are_never_updated_in_bulk(record):
    with pytest.raises(AccessRecordIsFinal):
        AccessRecord.objects.update(username="someone-else")
    # bulk_update opens a transaction of its own (a savepoint here, to roll back to).
    with pytest.raises(AccessRecordIsFinal), transaction.atomic():
        AccessRecord.objects.bulk_update([record], ["username"])
    assert AccessRecord.objects.get().username == "nora"


def test_what_a_record_read_is_never_changed_or_deleted(record, south_patient):
    subject = record.subjects.get()
    subject.patient = south_patient
    with pytest.raises(AccessRecordIsFinal):
        subject.save()
    with pytest.raises(AccessRecordIsFinal):
        subject.delete()
    with pytest.raises(AccessRecordIsFinal):
        AccessRecordSubject.objects.update(patient=south_patient)
    with pytest.raises(AccessRecordIsFinal):
        AccessRecordSubject.objects.all().delete()
    assert only_record().patient_ids == [record.patient_ids[0]]


def test_a_user_who_read_patient_data_is_not_deleted(record, nora):
    with pytest.raises(ProtectedError):
        nora.delete()


@pytest.mark.services
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_accessrecord SET username = 'someone-else'",
        "DELETE FROM audit_accessrecord",
        "UPDATE audit_accessrecordsubject SET patient_id = NULL",
        "DELETE FROM audit_accessrecordsubject",
    ],
)
def test_postgresql_refuses_update_and_delete_in_sql(postgresql, record, sql):
    message = "Access records are never changed or deleted"
    with pytest.raises(DatabaseError, match=message), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert only_record().username == "nora"
    assert only_record().patient_ids == record.patient_ids


def test_the_admin_shows_a_record_and_offers_no_way_to_change_it(record):
    root = get_user_model().objects.create_superuser("root", password="x")
    admin = web_client_of(root)
    change = reverse("admin:audit_accessrecord_change", args=[record.pk])
    page = admin.get(change)
    assert page.status_code == 200
    html = page.content.decode()
    assert "nora" in html and 'name="_save"' not in html
    assert admin.get(reverse("admin:audit_accessrecord_add")).status_code == 403
    assert admin.get(reverse("admin:audit_accessrecord_delete", args=[record.pk])).status_code == 403
    assert admin.post(change, {"username": "someone-else", "action": "report"}).status_code == 403
    changelist = admin.post(
        reverse("admin:audit_accessrecord_changelist"),
        {"action": "delete_selected", "_selected_action": [record.pk], "post": "yes"},
    )
    assert changelist.status_code in (200, 302)
    assert AccessRecord.objects.get().username == "nora"


def test_a_clinic_admin_finds_in_the_admin_only_what_concerns_their_clinics(
    record, ada, stella, sam_api, south_patient
):
    sam_api.get(reverse("api:patient-detail", args=[south_patient.pk]))
    changelist = reverse("admin:audit_accessrecord_changelist")
    north_rows = web_client_of(ada).get(changelist).context["cl"].result_list
    south_rows = web_client_of(stella).get(changelist).context["cl"].result_list
    assert [r.username for r in north_rows] == ["nora"]
    assert [r.username for r in south_rows] == ["sam"]
    north_record = reverse("admin:audit_accessrecord_change", args=[record.pk])
    assert web_client_of(stella).get(north_record).status_code == 404  # as for an id that does not exist


def test_nurses_have_no_access_log_in_the_admin(record, nora):
    nora.is_staff = True
    nora.save(update_fields=["is_staff"])
    assert web_client_of(nora).get(reverse("admin:audit_accessrecord_changelist")).status_code == 403
