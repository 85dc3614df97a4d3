"""Writing the access log: one record for each request that reads patient data (SPEC §5).

The API, the pages and the reports call ``access_record`` once they have what they will show,
so a request that ends in a 400 or a 404 (another clinic's patient) records nothing.
"""

import ipaddress
import json
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import connection, models, transaction
from django.db.models import Value
from django.utils import timezone

from patients.models import Patient

from .models import AccessRecord, AccessRecordSubject

# Only ``benchmarks.run`` turns this off, to time requests with and without the log. There is
# deliberately no setting or environment variable for it: no deployment can switch the log off.
_off_for_benchmark = ContextVar("access_log_off_for_benchmark", default=False)


@contextmanager
def access_log_off_for_benchmark():
    """For ``benchmarks.run`` only: requests inside write no access record."""
    token = _off_for_benchmark.set(True)
    try:
        yield
    finally:
        _off_for_benchmark.reset(token)


def access_record(*, request, action, patient_ids=(), clinic_ids=(), report=None, query=None):
    """Record that ``request``'s user read the patients ``patient_ids`` — or, for a report, the
    figures of the clinics ``clinic_ids`` — by ``action``.

    The query kept is the request's parameters, or ``query`` where they are not what was asked
    (a bulk export's file: the export's own request).

    The query kept is the request's parameters, plus the ``report``'s name for a report. On
    PostgreSQL the record and what it read are one statement, whatever the number of patients
    (benchmarks/README.md has the cost); elsewhere, a record and an INSERT of its subjects in one
    transaction.

    On PostgreSQL the statement commits asynchronously when it is the request's own: waiting
    for the disk to flush the WAL was most of the log's cost (3–9 ms a read on the benchmark
    machine, against 0.3 ms). The trade-off (PostgreSQL manual, "Asynchronous Commit"): a crash
    of the database server itself within three rounds of the WAL writer (``wal_writer_delay``,
    200 ms by default) loses the records committed in that window, each whole, never half;
    nothing else can. The next synchronous commit, such as any clinical write, flushes them
    too. Inside a caller's transaction the caller's durability is left alone.
    """
    if _off_for_benchmark.get():
        return
    user = request.user if request.user.is_authenticated else None
    query = _query_of(request.GET) if query is None else query
    if report is not None:
        query["report"] = report
    record = {
        "user_id": user.pk if user else None,
        "username": user.get_username() if user else "",
        "at": timezone.now(),
        "action": action,
        "query": query,
        "ip": _ip_of(request),
    }
    if connection.vendor == "postgresql":
        _record_in_one_statement(record, patient_ids, clinic_ids, asynchronous=not connection.in_atomic_block)
        return
    with transaction.atomic():
        saved = AccessRecord.objects.create(**record)
        if patient_ids:
            _insert_patients(saved, patient_ids)
        if clinic_ids:
            AccessRecordSubject.objects.bulk_create(
                AccessRecordSubject(record=saved, clinic_id=clinic_id) for clinic_id in clinic_ids
            )


# The record and its subjects in one statement, one round trip to the server: under load each
# statement waits for the database process to be scheduled, and five of them (BEGIN, SET LOCAL,
# two INSERTs, COMMIT) were most of the log's cost. ``set_config(..., true)`` is ``SET LOCAL``:
# it lasts until the end of the statement's own transaction.
RECORD_STATEMENT = """
WITH durability AS (SELECT {durability}),
record AS (
    INSERT INTO audit_accessrecord (user_id, username, at, action, query, ip)
    VALUES (%(user_id)s, %(username)s, %(at)s, %(action)s, %(query)s::jsonb, %(ip)s::inet)
    RETURNING id
),
patients AS (
    INSERT INTO audit_accessrecordsubject (record_id, clinic_id, patient_id)
    SELECT record.id, patient.clinic_id, patient.id
    FROM record, patients_patient AS patient
    WHERE patient.id = ANY(%(patient_ids)s::bigint[])
),
clinics AS (
    INSERT INTO audit_accessrecordsubject (record_id, clinic_id, patient_id)
    SELECT record.id, clinic.id, NULL FROM record, unnest(%(clinic_ids)s::bigint[]) AS clinic (id)
)
SELECT record.id FROM record, durability
"""
ASYNCHRONOUS_COMMIT = "set_config('synchronous_commit', 'off', true)"


def _record_in_one_statement(record, patient_ids, clinic_ids, *, asynchronous):
    """Write ``record`` with its patients (each with its clinic, looked up by the database, so a
    list of assessments needs no patient rows loaded to be logged) and its clinics."""
    statement = RECORD_STATEMENT.format(durability=ASYNCHRONOUS_COMMIT if asynchronous else "NULL")
    params = {
        **record,
        "query": json.dumps(record["query"]),
        "patient_ids": _array_literal(patient_ids),
        "clinic_ids": _array_literal(clinic_ids),
    }
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _array_literal(ids):
    """Ids as PostgreSQL's text of a ``bigint[]``: psycopg's own adaptation of a list of 50 ints
    took 0.9 ms, most of the statement's time in Python."""
    return "{" + ",".join(str(int(pk)) for pk in sorted(set(ids))) + "}"


# Patients per INSERT: within SQLite's limit on parameters (32,766), for a bulk export's file of
# a whole network.
PATIENTS_PER_INSERT = 10_000


def _insert_patients(record, patient_ids):
    """The record's patients with their clinics, by ``INSERT ... SELECT``: the database finds
    each patient's clinic."""
    table = AccessRecordSubject._meta
    columns = ", ".join(
        connection.ops.quote_name(table.get_field(name).column) for name in ("record", "clinic", "patient")
    )
    patient_ids = sorted(set(patient_ids))
    for start in range(0, len(patient_ids), PATIENTS_PER_INSERT):
        rows = (
            Patient.objects.filter(pk__in=patient_ids[start : start + PATIENTS_PER_INSERT])
            .order_by()
            .values_list(Value(record.pk, output_field=models.BigIntegerField()), "clinic_id", "pk")
        )
        select, params = rows.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {connection.ops.quote_name(table.db_table)} ({columns}) {select}", params
            )


def _text(value):
    # PostgreSQL's text and jsonb cannot hold the NUL character; one typed into a URL is kept as U+FFFD.
    return value.replace("\x00", "\ufffd")


def _query_of(params):
    """Query parameters as JSON: a name's value, or the list of its values when repeated."""
    return {
        _text(name): _text(values[0]) if len(values) == 1 else [_text(value) for value in values]
        for name, values in params.lists()
    }


def _ip_of(request):
    """The client's address as the server saw it (``REMOTE_ADDR``), or ``None`` if it is not one.

    An IPv6 link-local address may come with its interface (``fe80::1%eth0``), which neither
    PostgreSQL's inet nor Django's field takes: the address is kept without it.
    """
    address = request.META.get("REMOTE_ADDR", "").partition("%")[0]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def patient_ids_of(records):
    """The ids of the patients ``records`` are about: clinical records or reminders (``patient_record_id``)."""
    return {record.patient_record_id for record in records}
