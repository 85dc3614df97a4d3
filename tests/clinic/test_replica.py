"""Reads on a real PostgreSQL streaming replica (clinic/db_router.py).

The module starts a throwaway primary cluster (``initdb``) on a free port, loads this worker's
test database into it (``pg_dump``), takes a replica of it with ``pg_basebackup -R`` and starts
that on another free port, then points ``default`` at the primary and adds the ``replica``
alias. A cluster of its own rather than a replica of the shared server: that one allows no
replication connections (pg_hba.conf), and a base backup of it would copy every other
database on it. Both clusters are stopped and removed afterwards; the suite's own test
database is left as it was. PostgreSQL refuses to run as root, so as root (CI) the servers
run as the ``postgres`` user.

The replica tests write outside any test transaction, on the throwaway primary: replication
ships only commits. Each makes a clinic of its own.
"""

import csv
import io
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.contenttypes.models import ContentType
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AccessRecord
from clinic.db_router import (
    REPLICA,
    primary_position,
    replica_reads,
    replica_replayed,
    user_pinned_to_primary,
)
from fhir_r4.export import export_run, export_start
from fhir_r4.models import ExportJob
from patients.clock import clinic_today
from patients.models import Clinic, Patient
from patients.services import staff_add
from reports.queries import REPORTS, Scope
from tests import factories
from tests.conftest import skip_or_fail
from tests.support.clients import api_client_of, web_client_of

PG_BIN = Path("/usr/lib/postgresql/15/bin")
PASSWORD = "correct-horse-battery"


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_server_user(command):
    """``command`` as the user a PostgreSQL server may run as: ``postgres`` when we are root."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _run(command, **kwargs):
    return subprocess.run(command, check=True, capture_output=True, timeout=60, **kwargs)


def _start(data, port, sockets):
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
    _run(
        _as_server_user(
            [PG_BIN / "pg_ctl", "-D", data, "-l", data / "server.log", "-w", "-o", options, "start"]
        )
    )


def _stop(data):
    if (data / "postmaster.pid").exists():
        subprocess.run(
            _as_server_user([PG_BIN / "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"]),
            capture_output=True,
            timeout=60,
        )


def _has_postgres_user():
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return False
    return True


def _why_no_replica():
    if connections[DEFAULT_DB_ALIAS].vendor != "postgresql":
        return "the suite is running on SQLite; set DATABASE_URL to a PostgreSQL database"
    if not (PG_BIN / "pg_basebackup").exists():
        return f"no PostgreSQL 15 server binaries in {PG_BIN}"
    if os.geteuid() == 0 and not (shutil.which("runuser") and _has_postgres_user()):
        return "running as root without runuser or a postgres user, and PostgreSQL refuses to run as root"
    return None


def test_without_a_replica_every_read_is_on_the_primary(db, nora):
    """No ``DATABASE_REPLICA_URL``: no alias, no pin; it also has the suite's test database
    created for this module, whose schema the replica tests copy."""
    if REPLICA in django_settings.DATABASES:
        pytest.skip("DATABASE_REPLICA_URL is set")
    with replica_reads(user=nora) as on_replica:
        assert not on_replica
        with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_the_primary:
            Clinic.objects.exists()
    assert on_the_primary.captured_queries


PATIENT = {
    "mrn": "R1",
    "given_name": "Iris",
    "family_name": "Reid",
    "date_of_birth": "1968-07-09",
    "sex": "female",
    "ms_type": "SPMS",
    "diagnosis_date": "2001-02-03",
    "reassessment_interval_weeks": 8,
}


@pytest.mark.parametrize("signed_in_by", ["token", "session"])
def test_only_a_successful_write_pins_its_user_to_the_primary(
    db, nora, phil, north, monkeypatch, signed_in_by
):
    """The pin is per user in the shared cache: the same for the API's tokens and the pages' sessions."""
    monkeypatch.setattr("clinic.middleware.replica_configured", lambda: True)
    client = api_client_of(nora) if signed_in_by == "token" else web_client_of(nora)
    patients = reverse("api:patient-list")

    assert client.get(patients).status_code == 200
    assert (
        client.post(
            patients, {**PATIENT, "clinic": "north", "sex": "?"}, content_type="application/json"
        ).status_code
        == 400
    )
    assert not user_pinned_to_primary(nora), "a read or a refused write pins nobody"
    assert (
        client.post(patients, {**PATIENT, "clinic": "north"}, content_type="application/json").status_code
        == 201
    )
    assert user_pinned_to_primary(nora)
    assert not user_pinned_to_primary(phil), "a colleague is not pinned"


@pytest.fixture(scope="module")
def replica(django_db_setup, django_db_blocker):
    """``default`` on a throwaway primary with the suite's schema, ``replica`` streaming from it."""
    with django_db_blocker.unblock():
        reason = _why_no_replica()
        if reason:
            skip_or_fail(reason)
        default = connections[DEFAULT_DB_ALIAS]
        saved = dict(default.settings_dict)
        configured_replica = django_settings.DATABASES.get(REPLICA)
        root = Path(tempfile.mkdtemp(prefix="clinic-replica-"))
        if os.geteuid() == 0:
            server_user = pwd.getpwnam("postgres")
            os.chown(root, server_user.pw_uid, server_user.pw_gid)
        primary, standby = root / "primary", root / "replica"
        primary_port, replica_port = _free_port(), _free_port()
        try:
            _run(
                _as_server_user(
                    [
                        PG_BIN / "initdb",
                        "-D",
                        primary,
                        "-U",
                        "postgres",
                        "-A",
                        "trust",
                        "-E",
                        "UTF8",
                        "--no-locale",
                        "--no-sync",
                    ]
                )
            )
            _start(primary, primary_port, root)
            server = ["-h", "127.0.0.1", "-U", "postgres"]
            _run([PG_BIN / "createdb", *server, "-p", str(primary_port), "clinic"])
            # The suite's test database, as the suite itself connects to it.
            schema_and_data = _run(
                [
                    PG_BIN / "pg_dump",
                    *("-h", saved["HOST"] or "localhost", "-p", str(saved["PORT"] or 5432)),
                    *(("-U", saved["USER"]) if saved["USER"] else ()),
                    "--no-owner",
                    "--no-privileges",
                    saved["NAME"],
                ],
                env={**os.environ, "PGPASSWORD": saved["PASSWORD"] or ""},
            ).stdout
            _run(
                [
                    PG_BIN / "psql",
                    *server,
                    "-p",
                    str(primary_port),
                    "-q",
                    "-v",
                    "ON_ERROR_STOP=1",
                    "-d",
                    "clinic",
                ],
                input=schema_and_data,
            )
            _run(
                _as_server_user(
                    [
                        PG_BIN / "pg_basebackup",
                        "-R",
                        "-D",
                        standby,
                        *server,
                        "-p",
                        str(primary_port),
                        "--checkpoint=fast",
                        "--no-sync",
                    ]
                )
            )
            _start(standby, replica_port, root)

            default.close()
            default.settings_dict.update(HOST="127.0.0.1", PORT=str(primary_port), NAME="clinic")
            # ``connections`` reads its aliases from this very dict.
            django_settings.DATABASES[REPLICA] = {
                **default.settings_dict,
                "PORT": str(replica_port),
                "TEST": {**default.settings_dict["TEST"], "MIRROR": DEFAULT_DB_ALIAS},
            }
            ContentType.objects.clear_cache()
            yield
        finally:
            if REPLICA in django_settings.DATABASES:
                connections[REPLICA].close()
                del connections[REPLICA]
                del django_settings.DATABASES[REPLICA]
            if configured_replica is not None:
                django_settings.DATABASES[REPLICA] = configured_replica
            default.close()
            default.settings_dict.clear()
            default.settings_dict.update(saved)
            ContentType.objects.clear_cache()
            _stop(standby)
            _stop(primary)
            shutil.rmtree(root, ignore_errors=True)


def _replay(paused):
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()" if paused else "SELECT pg_wal_replay_resume()")


def _caught_up():
    assert replica_replayed(primary_position(), timeout=10)


@pytest.fixture
def replay_paused(replica):
    """The replica, caught up, stops replaying the primary's WAL: it answers from before what
    comes next."""
    _caught_up()
    _replay(paused=True)
    yield
    _replay(paused=False)


@pytest.fixture
def clinic(replica, request):
    """A clinic of the test's own, with its admin."""
    code = f"c{abs(hash(request.node.name)) % 10**8}"
    clinic = Clinic.objects.create(code=code, name=code)
    admin = staff_add(username=f"admin-{code}", role="admin", clinic_code=code, password=PASSWORD)
    return clinic, admin


def _active_patients(clinic):
    """The caseload report's count of ``clinic``'s active patients."""
    rows = REPORTS["caseload"].rows(Scope(clinic_ids=(clinic.pk,), today=clinic_today()))
    columns = REPORTS["caseload"].columns
    return sum(dict(zip(columns, row, strict=True))["active_patients"] for row in rows)


@pytest.mark.services
def test_a_report_on_the_replica_sees_what_the_primary_committed_once_replayed(clinic):
    clinic, _ = clinic
    factories.PatientFactory(clinic=clinic)
    _caught_up()
    with replica_reads() as on_replica, CaptureQueriesContext(connections[REPLICA]) as on_the_replica:
        assert on_replica
        assert _active_patients(clinic) == 1
    assert on_the_replica.captured_queries

    _replay(paused=True)
    try:
        factories.PatientFactory(clinic=clinic)
        with replica_reads():
            assert _active_patients(clinic) == 1, "the paused replica answers, without the new patient"
        assert _active_patients(clinic) == 2, "outside replica_reads, the primary answers"
    finally:
        _replay(paused=False)
    _caught_up()
    with replica_reads():
        assert _active_patients(clinic) == 2


@pytest.mark.services
def test_a_users_reads_right_after_their_own_write_go_to_the_primary(clinic, replay_paused, settings):
    clinic, admin = clinic
    settings.DATABASE_REPLICA_PIN_SECONDS = 60
    colleague = staff_add(
        username=f"colleague-{clinic.code}", role="admin", clinic_code=clinic.code, password=PASSWORD
    )
    writer, other = api_client_of(admin), api_client_of(colleague)
    body = {**PATIENT, "clinic": clinic.code}
    assert writer.post(reverse("api:patient-list"), body, format="json").status_code == 201

    def active(client):
        response = client.get(reverse("api:report-caseload"), {"clinic": clinic.code})
        assert response.status_code == 200, response.content
        return sum(row["active_patients"] for row in response.json()["results"])

    def active_in_csv(client):
        response = client.get(reverse("api:report-caseload"), {"clinic": clinic.code, "format": "csv"})
        assert response.status_code == 200
        rows = csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
        return sum(int(row["active_patients"]) for row in rows)

    assert active(writer) == 1, "the writer is pinned to the primary: their new patient is counted"
    assert active(other) == 0, "a colleague reads the replica, which has not replayed it yet"
    # The CSV's rows are read after the view has returned (a server-side cursor on the replica).
    assert (active_in_csv(writer), active_in_csv(other)) == (1, 0)


@pytest.mark.services
def test_writes_never_go_to_the_replica(clinic, replay_paused):
    clinic, admin = clinic
    # The replica is read-only: a write sent there would fail.
    with pytest.raises(DatabaseError, match="read-only"), connections[REPLICA].cursor() as cursor:
        cursor.execute("UPDATE patients_clinic SET name = 'x'")
    records = AccessRecord.objects.count()
    with replica_reads() as on_replica:
        assert on_replica
        patient = factories.PatientFactory(clinic=clinic)
        # A row read from the replica is saved on the primary, where it came from or not.
        read_back = Clinic.objects.get(pk=clinic.pk)
        read_back.name = "Renamed"
        read_back.save()
    # The report reads the replica (a view opens replica_reads itself) and logs on the primary.
    response = api_client_of(admin).get(reverse("api:report-caseload"), {"clinic": clinic.code})
    assert response.status_code == 200
    assert Patient.objects.filter(pk=patient.pk).exists()
    assert AccessRecord.objects.count() == records + 1, "the report's access record is on the primary"
    assert Clinic.objects.get(pk=clinic.pk).name == "Renamed"
    # The access-log report reads the paused replica, which has not replayed that record yet.
    access = api_client_of(admin).get(reverse("api:report-access"))
    assert access.status_code == 200
    assert access.json()["count"] == 0
    assert AccessRecord.objects.about_clinics([clinic.pk]).count() == 1


@pytest.mark.services
def test_the_bulk_export_waits_for_the_replica_or_reads_the_primary(clinic, settings, tmp_path):
    clinic, admin = clinic
    settings.FHIR_EXPORT_DIR = tmp_path
    settings.DATABASE_REPLICA_CATCH_UP_SECONDS = 0.2

    def exported_patients():
        job = export_start(user=admin, clinic=clinic, resource_types=["Patient"], since=None, request_url="/")
        with CaptureQueriesContext(connections[REPLICA]) as on_the_replica:
            assert export_run(job.pk)
        job = ExportJob.objects.get(pk=job.pk)
        count = next((output["count"] for output in job.output if output["type"] == "Patient"), 0)
        return count, any("patients_patient" in query["sql"] for query in on_the_replica.captured_queries)

    factories.PatientFactory(clinic=clinic)
    assert exported_patients() == (1, True), "read on the replica, once it has replayed the patient"
    _replay(paused=True)
    try:
        factories.PatientFactory(clinic=clinic)
        started = time.monotonic()
        assert exported_patients() == (2, False), "the replica is behind: read on the primary"
        assert time.monotonic() - started >= 0.2
    finally:
        _replay(paused=False)


@pytest.mark.services
def test_a_replica_that_cannot_be_reached_leaves_the_reads_on_the_primary(replica):
    unreachable = connections[REPLICA]
    port = unreachable.settings_dict["PORT"]
    unreachable.close()
    unreachable.settings_dict["PORT"] = str(_free_port())
    try:
        with replica_reads() as on_replica:
            assert not on_replica
    finally:
        unreachable.close()
        unreachable.settings_dict["PORT"] = port
    with replica_reads() as on_replica:
        assert on_replica
