"""Bulk Data export (SPEC §6, HL7 Bulk Data Access): kick-off, status, manifest, NDJSON files,
``_type`` and ``_since``, cancel and expiry, scoping and the access log. The task runs eagerly
here (in the request); tests/fhir/test_export_worker.py drives it through a real worker."""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.models import Assessment
from audit.models import AccessRecord
from care.models import FallEvent
from fhir_r4 import export as export_module
from fhir_r4 import mapping
from fhir_r4.export import EXPORTED_TYPES, export_run, export_start, exports_expire
from fhir_r4.models import ExportJob, ExportStatus
from patients.models import Patient
from tests import factories
from tests.support.clients import api_client_of

from .validate import assert_valid

pytestmark = pytest.mark.django_db

ASYNC = {"HTTP_PREFER": "respond-async", "HTTP_ACCEPT": "application/fhir+json"}


def kick_off(client, path="Patient/$export", query="", status=202, **headers):
    response = client.get(f"/fhir/R4/{path}{query}", **(ASYNC | headers))
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/fhir+json")
    outcome = response.json()
    assert_valid(outcome)
    return response


def manifest_of(client, kick_off_response):
    response = client.get(kick_off_response["Content-Location"])
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/json"
    return response.json()


def ndjson_of(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+ndjson"
    assert "no-store" in response["Cache-Control"]
    lines = b"".join(response.streaming_content).decode().splitlines()
    resources = [json.loads(line) for line in lines]
    for resource in resources:
        assert_valid(resource)
    return resources


def exported(client, **kick_off_args):
    """Every resource of the export, by type, as the files hold them."""
    manifest = manifest_of(client, kick_off(client, **kick_off_args))
    files = {}
    for output in manifest["output"]:
        files[output["type"]] = ndjson_of(client, output["url"])
        assert len(files[output["type"]]) == output["count"]
        assert {resource["resourceType"] for resource in files[output["type"]]} == {output["type"]}
    return manifest, files


def ids_by_type(files):
    return {
        resource_type: {resource["id"] for resource in resources}
        for resource_type, resources in files.items()
    }


@pytest.fixture
def nora_api(nora):
    return api_client_of(nora)


def entered_in_error(by):
    return {
        "entered_in_error_at": timezone.now(),
        "entered_in_error_by": by,
        "entered_in_error_reason": "Wrong",
    }


@pytest.fixture
def voided(north, nora):
    """A north patient entered in error, with an assessment."""
    patient = factories.PatientFactory(clinic=north, mrn="N900009")
    factories.assessment_with_grades(patient, datetime.date(2026, 2, 2), factories.full_grades("4"))
    Patient.objects.filter(pk=patient.pk).update(**entered_in_error(nora))
    return patient


def test_an_export_of_every_type_matches_what_reads_serve_and_leaves_entered_in_error_out(
    nora_api, nora, iris, voided, south_patient
):
    FallEvent.objects.filter(patient=iris).update(**entered_in_error(nora))
    response = kick_off(nora_api)
    assert response["Content-Location"].startswith("http://testserver/fhir/R4/$export-status/")
    manifest, files = exported(nora_api)

    assert manifest["request"] == "http://testserver/fhir/R4/Patient/$export"
    assert manifest["requiresAccessToken"] is True
    assert manifest["error"] == []
    assert datetime.datetime.fromisoformat(manifest["transactionTime"]) <= timezone.now()
    assessment = Assessment.objects.with_mrc_sum().get(patient=iris)
    # Iris alone: the voided patient and everything of theirs, her voided fall and the south
    # patient are left out; no file for a type with nothing in it (AdverseEvent).
    assert ids_by_type(files) == {
        "Patient": {str(iris.pk)},
        "Condition": {f"ms-{iris.pk}"},
        "Observation": {observation["id"] for observation in mapping.assessment_observations(assessment)},
        "DeviceRequest": {str(iris.devices.get().pk)},
        "ServiceRequest": {str(iris.referrals.get().pk)},
        "Task": {str(iris.referrals.get().pk)},
        "CarePlan": {str(iris.exercise_plans.get().pk)},
        "MedicationStatement": {str(iris.medication_events.get().pk)},
    }
    # Each line is what a read by id answers.
    for resource_type, resources in files.items():
        for resource in resources:
            read = nora_api.get(f"/fhir/R4/{resource_type}/{resource['id']}")
            assert read.json() == resource


def test_a_group_export_holds_that_clinic_only_and_another_clinic_is_404(nora_api, iris, south_patient, sam):
    _, files = exported(nora_api, path="Group/north/$export")
    assert ids_by_type(files)["Patient"] == {str(iris.pk)}
    kick_off(nora_api, path="Group/south/$export", status=404)
    kick_off(nora_api, path="Group/nowhere/$export", status=404)
    # Sam's export of every clinic of his is south's alone.
    _, files = exported(api_client_of(sam))
    assert ids_by_type(files) == {"Patient": {str(south_patient.pk)}, "Condition": {f"ms-{south_patient.pk}"}}


def test_type_chooses_the_files_and_since_keeps_what_changed_at_or_after_it(nora_api, iris, north):
    other = factories.PatientFactory(clinic=north)
    long_ago = timezone.now() - datetime.timedelta(days=30)
    Patient.objects.filter(pk=other.pk).update(updated_at=long_ago)
    since = (timezone.now() - datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S+00:00")

    manifest, files = exported(nora_api, query="?_type=Patient,Observation&_type=Condition")
    assert [output["type"] for output in manifest["output"]] == ["Patient", "Condition", "Observation"]
    assert ids_by_type(files)["Patient"] == {str(iris.pk), str(other.pk)}

    _, files = exported(nora_api, query=f"?_type=Patient&_since={since.replace('+', '%2B')}")
    assert ids_by_type(files) == {"Patient": {str(iris.pk)}}
    # Nothing changed since: an empty output, no files.
    manifest, files = exported(nora_api, query="?_since=2999-01-01T00:00:00Z")
    assert (manifest["output"], files) == ([], {})


@pytest.mark.parametrize(
    ("query", "headers", "says"),
    [
        ("", {"HTTP_PREFER": ""}, "Prefer: respond-async"),
        ("", {"HTTP_ACCEPT": "text/html"}, "Accept application/fhir+json"),
        ("?_type=Encounter", {}, "'Encounter' cannot be exported"),
        ("?_type=CodeSystem", {}, "'CodeSystem' cannot be exported"),
        ("?_type=", {}, "'' cannot be exported"),
        ("?_since=2026-11-30", {}, "is not an instant"),
        ("?_since=2026-11-30T08:00:00", {}, "is not an instant"),
        ("?_since=yesterday", {}, "is not an instant"),
        ("?_since=2026-02-30T08:00:00Z", {}, "not a real date"),
        ("?_since=2026-11-30T08:00:00Z&_since=2026-11-30T09:00:00Z", {}, "more than once"),
        ("?_outputFormat=text/csv", {}, "_outputFormat"),
        ("?_typeFilter=Patient%3Factive%3Dtrue", {}, "_typeFilter: not supported"),
        ("?_elements=id", {}, "_elements: not supported"),
        ("?_count=10", {}, "Unknown $export parameter _count"),
    ],
)
def test_a_kick_off_that_cannot_be_honoured_is_a_400_in_words(nora_api, iris, query, headers, says):
    response = kick_off(nora_api, query=query, status=400, **headers)
    assert says in response.json()["issue"][0]["diagnostics"]
    assert not ExportJob.objects.exists()


def test_lenient_handling_ignores_parameters_it_does_not_know(nora_api, iris):
    response = kick_off(
        nora_api, query="?_elements=id&_count=3", HTTP_PREFER="respond-async, handling=lenient"
    )
    assert manifest_of(nora_api, response)["output"][0] == {
        "type": "Patient",
        "url": response["Content-Location"].replace("$export-status", "$export-file") + "/Patient.ndjson",
        "count": 1,
    }


def test_fetching_a_file_logs_its_patients_and_the_export_asked_for(nora_api, iris, north):
    other = factories.PatientFactory(clinic=north)
    manifest, _ = exported(nora_api, query="?_type=Patient,DeviceRequest")
    records = AccessRecord.objects.filter(action="fhir_export").with_patient_ids().order_by("pk")
    assert [(record.query, sorted(record.patient_ids)) for record in records] == [
        ({"export": manifest["request"], "type": "Patient"}, sorted([iris.pk, other.pk])),
        ({"export": manifest["request"], "type": "DeviceRequest"}, [iris.pk]),
    ]
    assert {record.username for record in records} == {"nora"}


def test_delete_cancels_or_removes_an_export_and_its_files(nora_api, iris, export_directory):
    response = kick_off(nora_api)
    manifest = manifest_of(nora_api, response)
    job_id = response["Content-Location"].rsplit("/", 1)[1]
    assert (export_directory / job_id / "Patient.ndjson").exists()

    deleted = nora_api.delete(response["Content-Location"])
    assert deleted.status_code == 202
    assert nora_api.get(response["Content-Location"]).status_code == 404
    assert nora_api.get(manifest["output"][0]["url"]).status_code == 404
    assert nora_api.delete(response["Content-Location"]).status_code == 404
    assert not (export_directory / job_id).exists()
    assert not ExportJob.objects.exists()


def test_a_run_stops_and_leaves_nothing_when_its_export_is_deleted_midway(
    nora, iris, north, monkeypatch, export_directory
):
    for _ in range(3):
        factories.PatientFactory(clinic=north)
    job = export_start(user=nora, clinic=None, resource_types=["Patient"], since=None, request_url="x")
    built = []

    def delete_after_the_first(patient):
        built.append(patient.pk)
        ExportJob.objects.filter(pk=job.pk).delete()
        return {"resourceType": "Patient", "id": str(patient.pk)}

    monkeypatch.setattr(export_module, "PROGRESS_EVERY", 1)
    monkeypatch.setattr(mapping, "patient_resource", delete_after_the_first)
    assert export_run(job.pk) is True
    assert len(built) == 1
    assert not (export_directory / str(job.pk)).exists()


def test_a_run_that_fails_says_so_in_an_operation_outcome_and_keeps_no_file(
    nora, nora_api, iris, monkeypatch, export_directory
):
    def broken(patient):
        raise RuntimeError("mapping bug")

    monkeypatch.setattr(mapping, "patient_resource", broken)
    response = nora_api.get("/fhir/R4/Patient/$export?_type=Patient", **ASYNC)
    status = nora_api.get(response["Content-Location"])
    assert status.status_code == 500
    assert_valid(status.json())
    assert "could not be written" in status.json()["issue"][0]["diagnostics"]
    assert "mapping bug" not in status.content.decode()
    assert list(export_directory.iterdir()) == []


def test_a_task_delivered_twice_writes_once_and_waits_while_another_worker_runs_it(nora, iris):
    now = timezone.now()
    job = export_start(user=nora, clinic=None, resource_types=["Patient"], since=None, request_url="x")
    ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.RUNNING, heartbeat_at=now)
    # Another worker's heartbeat is fresh: this delivery waits (the task retries later).
    assert export_run(job.pk, now=now + datetime.timedelta(seconds=30)) is False
    assert ExportJob.objects.get(pk=job.pk).status == ExportStatus.RUNNING
    # Its heartbeat stopped two minutes ago (that worker died): this delivery takes it over.
    assert export_run(job.pk, now=now + datetime.timedelta(minutes=3)) is True
    done = ExportJob.objects.get(pk=job.pk)
    assert (done.status, done.output) == (ExportStatus.COMPLETED, [{"type": "Patient", "count": 1}])
    # Delivered once more: finished, nothing rewritten.
    finished_at = done.finished_at
    assert export_run(job.pk) is True
    assert ExportJob.objects.get(pk=job.pk).finished_at == finished_at


def test_an_export_asked_for_by_someone_since_deactivated_fails(nora, iris):
    job = export_start(user=nora, clinic=None, resource_types=["Patient"], since=None, request_url="x")
    nora.is_active = False
    nora.save()
    export_run(job.pk)
    job.refresh_from_db()
    assert (job.status, job.error) == (
        ExportStatus.FAILED,
        "The account that asked for this export has been deactivated.",
    )


def test_three_exports_at_once_are_the_most_a_user_may_have_waiting(nora, nora_api, iris):
    for _ in range(3):
        export_start(user=nora, clinic=None, resource_types=["Patient"], since=None, request_url="x")
    response = kick_off(nora_api, status=429)
    assert response["Retry-After"] == "60"
    assert ExportJob.objects.count() == 3


def test_exports_expire_after_their_time_to_live(nora, nora_api, iris, settings, export_directory):
    settings.FHIR_EXPORT_TTL_HOURS = 24
    response = kick_off(nora_api)
    manifest = manifest_of(nora_api, response)
    job = ExportJob.objects.get()
    status = nora_api.get(response["Content-Location"])
    assert status["Expires"]
    # Finished 23 hours ago: still there; 25 hours ago: 404, and the sweep removes it.
    ExportJob.objects.update(finished_at=timezone.now() - datetime.timedelta(hours=23))
    exports_expire(timezone.now())
    assert nora_api.get(manifest["output"][0]["url"]).status_code == 200
    ExportJob.objects.update(finished_at=timezone.now() - datetime.timedelta(hours=25))
    assert nora_api.get(response["Content-Location"]).status_code == 404
    assert nora_api.get(manifest["output"][0]["url"]).status_code == 404
    exports_expire(timezone.now())
    assert not ExportJob.objects.exists()
    assert not (export_directory / str(job.pk)).exists()


def test_every_type_the_registry_exports_is_a_patient_compartment_type():
    assert EXPORTED_TYPES == [
        "Patient",
        "Condition",
        "Observation",
        "AdverseEvent",
        "DeviceRequest",
        "ServiceRequest",
        "Task",
        "CarePlan",
        "MedicationStatement",
    ]


def test_an_export_costs_the_same_queries_for_three_patients_as_for_nine(nora, north):
    """Records are read in chunks with what their resources need: no query per record."""

    def export_queries(patients):
        for _ in range(patients):
            patient = factories.PatientFactory(clinic=north)
            factories.assessment_with_grades(patient, datetime.date(2026, 3, 3), factories.full_grades("4"))
            factories.FallFactory(patient=patient)
            factories.DeviceFactory(patient=patient)
            factories.ReferralFactory(patient=patient)
            factories.MedicationFactory(patient=patient)
            factories.PlanFactory(patient=patient)
        job = export_start(user=nora, clinic=None, resource_types=EXPORTED_TYPES, since=None, request_url="x")
        with CaptureQueriesContext(connection) as queries:
            export_run(job.pk)
        ExportJob.objects.all().delete()
        assert ExportJob.objects.count() == 0
        return len(queries)

    assert export_queries(3) == export_queries(6)


def test_a_file_gone_from_the_disk_is_a_404_not_a_500(nora_api, iris, export_directory):
    manifest = manifest_of(nora_api, kick_off(nora_api, query="?_type=Patient"))
    for path in export_directory.rglob("*.*"):
        path.unlink()
    response = nora_api.get(manifest["output"][0]["url"])
    assert response.status_code == 404
    assert_valid(response.json())
