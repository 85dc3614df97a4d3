"""Bulk Data export (SPEC §6; HL7 FHIR Bulk Data Access 2.0): the kick-off's parameters, the
worker's run, and the files' life.

The worker writes one NDJSON file per type, a resource per line, reading the records in chunks
(``iterator``) so that its memory stays flat whatever the size of the export. Beside each file
it keeps the ids of the patients in it, which the access log records when the file is fetched.

Consistency without a long transaction: ``transactionTime`` is taken when the run starts, and
only records last changed at or before it are written (the guide: no resource modified after
it). A record changed during the run is left for the next export, ``_since=<transactionTime>``.

With a replica (``clinic.db_router``) the records are read there, once it has replayed the
primary's WAL up to where it was at ``transactionTime``: a lagging replica must not leave out a
record changed just before, which the next export's ``_since`` would leave out too. A replica
that does not catch up in time leaves the run to the primary. The job's own rows (claim,
heartbeat, outcome) are always read and written on the primary.
"""

import datetime
import json
import re
import shutil
from pathlib import Path

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from clinic.db_router import primary_position, replica_reads

from .models import ExportJob, ExportStatus
from .registry import SERVED
from .search import BadParameter

EXPORTED_TYPES = [name for name, resource_type in SERVED.items() if resource_type.export]
OUTPUT_FORMATS = {"application/fhir+ndjson", "application/ndjson", "ndjson"}
# The kick-off parameters the guide defines that this server does not implement: refused by name.
UNSUPPORTED = {"_elements", "_typeFilter", "patient", "includeAssociatedData", "organizeOutputBy"}
# FHIR's instant: a full date and time with seconds and a time zone.
INSTANT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})"
)
# A requester's exports waiting or running at once, at most; one more is a 429.
MAX_RUNNING_PER_USER = 3
# How often (records) a run records its progress and checks that it was not cancelled.
PROGRESS_EVERY = 1000
# A run whose heartbeat is older than this is taken to be dead: a redelivered task takes it over.
HEARTBEAT_STALE = datetime.timedelta(minutes=2)
# A task that found its export running elsewhere looks again after this (seconds).
RUNNING_ELSEWHERE_RETRY = 150
CHUNK = 500


class ExportCancelled(Exception):
    """The export was deleted while it ran."""


class TooManyExports(Exception):
    """The requester already has ``MAX_RUNNING_PER_USER`` exports waiting or running."""


def export_parameters(query, *, lenient=False):
    """The types and the ``_since`` of a kick-off's query (a QueryDict); a parameter that cannot
    be honoured is refused by name, unless the client asked for ``Prefer: handling=lenient``."""
    known = {"_type", "_since", "_outputFormat"}
    unknown = sorted(set(query) - known)
    if unknown and not lenient:
        unsupported = sorted(set(unknown) & UNSUPPORTED)
        if unsupported:
            raise BadParameter(f"{', '.join(unsupported)}: not supported by this server's $export.")
        raise BadParameter(
            f"Unknown $export parameter {', '.join(unknown)}; $export takes {', '.join(sorted(known))}."
        )
    for value in query.getlist("_outputFormat"):
        if value not in OUTPUT_FORMATS:
            raise BadParameter(f"_outputFormat: {value!r} is not served; ask for application/fhir+ndjson.")
    types = _types_of(query.getlist("_type"))
    since = None
    if "_since" in query:
        since = _instant("_since", query.getlist("_since"))
    return types, since


def _types_of(values):
    if not values:
        return list(EXPORTED_TYPES)
    wanted = {name.strip() for value in values for name in value.split(",")}
    unknown = sorted(wanted - set(EXPORTED_TYPES))
    if unknown:
        raise BadParameter(
            f"_type: {', '.join(repr(name) for name in unknown)} cannot be exported; "
            f"the types are {', '.join(EXPORTED_TYPES)}."
        )
    return [name for name in EXPORTED_TYPES if name in wanted]


def _instant(name, values):
    if len(values) > 1:
        raise BadParameter(f"{name} is given more than once.")
    value = values[0]
    if not INSTANT.fullmatch(value):
        raise BadParameter(
            f"{name}: {value!r} is not an instant; write a date, time and time zone, such as 2026-11-30T08:00:00Z."
        )
    try:
        return datetime.datetime.fromisoformat(value)
    except ValueError:
        raise BadParameter(f"{name}: {value!r} is not a real date and time.") from None


def export_start(*, user, clinic, resource_types, since, request_url):
    """A new export, waiting for the worker (``fhir_r4.tasks.queue_export`` sends it there)."""
    running = ExportJob.objects.filter(
        requester=user, status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING]
    ).filter(created_at__gte=_expiry_cutoff(timezone.now()))
    if running.count() >= MAX_RUNNING_PER_USER:
        raise TooManyExports
    return ExportJob.objects.create(
        requester=user, clinic=clinic, resource_types=resource_types, since=since, request_url=request_url
    )


def _expiry_cutoff(now):
    return now - datetime.timedelta(hours=settings.FHIR_EXPORT_TTL_HOURS)


def exports_of(user, now=None):
    """The user's own exports that have not expired: nobody sees another's, a superuser neither."""
    cutoff = _expiry_cutoff(now or timezone.now())
    return ExportJob.objects.filter(requester=user).filter(
        Q(finished_at__gte=cutoff) | Q(finished_at__isnull=True, created_at__gte=cutoff)
    )


def expires_at(job):
    return job.finished_at + datetime.timedelta(hours=settings.FHIR_EXPORT_TTL_HOURS)


def export_directory(job_id):
    return Path(settings.FHIR_EXPORT_DIR) / str(job_id)


def export_file(job_id, resource_type):
    return export_directory(job_id) / f"{resource_type}.ndjson"


def export_file_patients(job_id, resource_type):
    """The ids of the patients in the export's file of ``resource_type``."""
    with open(export_directory(job_id) / f"{resource_type}.patients") as ids:
        return {int(line) for line in ids}


def export_delete(job):
    """Cancel or remove an export: its files and its row go; a run still going stops at its
    next progress check, finding its row gone."""
    ExportJob.objects.filter(pk=job.pk).delete()
    shutil.rmtree(export_directory(job.pk), ignore_errors=True)


def exports_expire(now):
    """Remove the exports past ``FHIR_EXPORT_TTL_HOURS`` (finished, or started and never finished)."""
    cutoff = _expiry_cutoff(now)
    expired = ExportJob.objects.filter(
        Q(finished_at__lt=cutoff) | Q(finished_at__isnull=True, created_at__lt=cutoff)
    )
    for job in expired:
        export_delete(job)


def export_run(job_id, now=None):
    """Write the export's files, unless it is gone or finished: safe to run twice. ``False``
    when a live worker is running it already (a task delivered twice): try again later, in
    case that worker dies."""
    now = now or timezone.now()
    job = (
        ExportJob.objects.select_related("requester", "clinic")
        .filter(pk=job_id, status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING])
        .first()
    )
    if job is None:
        return True
    if not job.requester.is_active:
        _fail(job, "The account that asked for this export has been deactivated.")
        return True
    if job.status == ExportStatus.RUNNING and job.heartbeat_at >= now - HEARTBEAT_STALE:
        return False
    claimed = ExportJob.objects.filter(pk=job.pk, status=job.status, heartbeat_at=job.heartbeat_at).update(
        status=ExportStatus.RUNNING, transaction_time=now, heartbeat_at=now, progress="Started"
    )
    if not claimed:
        return False
    job.transaction_time = now
    committed_by_now = primary_position()
    directory = export_directory(job.pk)
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    try:
        with replica_reads(fresh_as_of=committed_by_now):
            output = [
                {"type": resource_type, "count": count}
                for number, resource_type in enumerate(job.resource_types, start=1)
                if (
                    count := _write_type(
                        job, resource_type, f"{resource_type} ({number} of {len(job.resource_types)})"
                    )
                )
            ]
    except ExportCancelled:
        shutil.rmtree(directory, ignore_errors=True)
        return True
    except Exception:
        _fail(
            job,
            "The export could not be written; ask again, and tell the clinic's administrator if it fails again.",
        )
        shutil.rmtree(directory, ignore_errors=True)
        raise
    finished = ExportJob.objects.filter(pk=job.pk).update(
        status=ExportStatus.COMPLETED, output=output, progress="", finished_at=timezone.now()
    )
    if not finished:
        shutil.rmtree(directory, ignore_errors=True)
    return True


def _fail(job, error):
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportStatus.FAILED, error=error, finished_at=timezone.now()
    )


def _records(job, resource_type):
    exported = SERVED[resource_type].export
    records = exported.records(job.requester).filter(updated_at__lte=job.transaction_time)
    if job.clinic_id is not None:
        records = records.filter(**{f"{exported.clinic_field}_id": job.clinic_id})
    if job.since is not None:
        records = records.filter(updated_at__gte=job.since)
    return records.order_by("pk")


def _write_type(job, resource_type, step):
    """Write one type's file and its patients' ids; the number of resources written (none: no file)."""
    exported = SERVED[resource_type].export
    path = export_file(job.pk, resource_type)
    partial, patients = path.with_suffix(".part"), path.with_suffix(".patients")
    count = 0
    with open(partial, "w", encoding="utf-8") as out, open(patients, "w") as ids:
        last_patient = None
        for number, record in enumerate(_records(job, resource_type).iterator(chunk_size=CHUNK), start=1):
            for resource in exported.resources(record):
                out.write(json.dumps(resource, ensure_ascii=False, separators=(",", ":")))
                out.write("\n")
                count += 1
            patient_id = exported.patient_of(record)
            if patient_id != last_patient:
                ids.write(f"{patient_id}\n")
                last_patient = patient_id
            if number % PROGRESS_EVERY == 0:
                _heartbeat(job, f"{step}: {count} resources written")
    _heartbeat(job, f"{step}: {count} resources written")
    if count:
        partial.rename(path)
    else:
        partial.unlink()
        patients.unlink()
    return count


def _heartbeat(job, progress):
    if not ExportJob.objects.filter(pk=job.pk).update(progress=progress, heartbeat_at=timezone.now()):
        raise ExportCancelled
