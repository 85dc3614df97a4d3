"""The Bulk Data export (SPEC §6) against a raw psycopg → NDJSON writer over the same rows.

The export is ``fhir_r4.export.export_run``, the function the worker's task calls, run here in
process for a tenth of the network (the admin of 2 of the 20 clinics) and for all of it (a
superuser). The baseline streams the same rows with server-side cursors and writes each as a
JSON line of its columns: a line per patient (twice: Patient and Condition), per assessment,
per muscle score and MAS score, per EDSS and timed walk recorded, per fall, device (with its
reviews), referral (twice: ServiceRequest and Task, with its status history), plan and
medication event. It builds no FHIR; the ratio is what the mapping and the ORM cost.

Peak memory is Python's (tracemalloc), taken in a second run of the export: it must not grow
with the size of the export (flat: the reading is in chunks, the writing line by line).
"""

import json
import os
import tempfile
import time
import tracemalloc

EXPORT_TARGET = 3.0
# Flat: a tenth of the network or all of it, the peak stays within 2 MB of each other.
EXPORT_MEMORY_SLACK = 2_000_000

SCOPED = "p.clinic_id IN (SELECT clinic_id FROM patients_staffmembership WHERE user_id = %(user)s)"
ALL = "true"
VALID_PATIENT = "p.entered_in_error_at IS NULL"


def _raw_queries(scope):
    """(label, SQL, lines per row) for every type the export writes, scoped by ``scope``."""
    where = f"{scope} AND {VALID_PATIENT}"
    return [
        (
            "patients",
            f"SELECT p.*, c.code AS clinic_code, c.name AS clinic_name FROM patients_patient p "
            f"JOIN patients_clinic c ON c.id = p.clinic_id WHERE {where} ORDER BY p.id",
            2,
        ),
        (
            "assessments",
            f"SELECT a.* FROM assessments_assessment a JOIN patients_patient p ON p.id = a.patient_id "
            f"WHERE {where} AND a.entered_in_error_at IS NULL ORDER BY a.id",
            1,
        ),
        (
            "edss and walks",
            f"SELECT a.id, a.edss, a.timed_25ft_walk_seconds FROM assessments_assessment a "
            f"JOIN patients_patient p ON p.id = a.patient_id WHERE {where} AND a.entered_in_error_at IS NULL "
            "AND a.edss IS NOT NULL UNION ALL "
            f"SELECT a.id, a.edss, a.timed_25ft_walk_seconds FROM assessments_assessment a "
            f"JOIN patients_patient p ON p.id = a.patient_id WHERE {where} AND a.entered_in_error_at IS NULL "
            "AND a.timed_25ft_walk_seconds IS NOT NULL",
            1,
        ),
        (
            "muscle scores",
            "SELECT s.*, a.patient_id, a.assessed_on, a.updated_at FROM assessments_musclescore s "
            "JOIN assessments_assessment a ON a.id = s.assessment_id JOIN patients_patient p ON p.id = a.patient_id "
            f"WHERE {where} AND a.entered_in_error_at IS NULL ORDER BY s.id",
            1,
        ),
        (
            "MAS scores",
            "SELECT s.*, a.patient_id, a.assessed_on, a.updated_at FROM assessments_spasticityscore s "
            "JOIN assessments_assessment a ON a.id = s.assessment_id JOIN patients_patient p ON p.id = a.patient_id "
            f"WHERE {where} AND a.entered_in_error_at IS NULL ORDER BY s.id",
            1,
        ),
        (
            "falls",
            f"SELECT f.* FROM care_fallevent f JOIN patients_patient p ON p.id = f.patient_id "
            f"WHERE {where} AND f.entered_in_error_at IS NULL ORDER BY f.id",
            1,
        ),
        (
            "devices",
            "SELECT d.*, (SELECT json_agg(r) FROM care_devicereview r WHERE r.device_id = d.id "
            "AND r.entered_in_error_at IS NULL) AS reviews FROM care_deviceprescription d "
            f"JOIN patients_patient p ON p.id = d.patient_id WHERE {where} AND d.entered_in_error_at IS NULL "
            "ORDER BY d.id",
            1,
        ),
        (
            "referrals",
            "SELECT r.*, (SELECT json_agg(c ORDER BY c.changed_at) FROM care_referralstatuschange c "
            "WHERE c.referral_id = r.id) AS history FROM care_referral r "
            f"JOIN patients_patient p ON p.id = r.patient_id WHERE {where} AND r.entered_in_error_at IS NULL "
            "ORDER BY r.id",
            2,
        ),
        (
            "plans",
            f"SELECT e.* FROM care_exerciseplan e JOIN patients_patient p ON p.id = e.patient_id "
            f"WHERE {where} AND e.entered_in_error_at IS NULL ORDER BY e.id",
            1,
        ),
        (
            "medications",
            f"SELECT m.* FROM care_medicationevent m JOIN patients_patient p ON p.id = m.patient_id "
            f"WHERE {where} AND m.entered_in_error_at IS NULL ORDER BY m.id",
            1,
        ),
    ]


def raw_export(conn, scope, params, directory):
    """Write every row as JSON lines, a file per query; the number of lines written."""
    from psycopg.rows import dict_row

    lines = 0
    for label, sql, per_row in _raw_queries(scope):
        with (
            conn.transaction(),
            conn.cursor(name=f"raw_{label.replace(' ', '_')}", row_factory=dict_row) as cursor,
        ):
            cursor.itersize = 2000
            cursor.execute(sql, params)
            with open(os.path.join(directory, f"{label}.ndjson"), "w", encoding="utf-8") as out:
                for row in cursor:
                    line = json.dumps(row, default=str, ensure_ascii=False, separators=(",", ":"))
                    for _ in range(per_row):
                        out.write(line)
                        out.write("\n")
                    lines += per_row
    return lines


def _django_export(user, directory):
    """The export as the worker runs it; the number of resources written."""
    from django.test import override_settings

    from fhir_r4.export import EXPORTED_TYPES, export_delete, export_run, export_start
    from fhir_r4.models import ExportJob

    with override_settings(FHIR_EXPORT_DIR=directory):
        job = export_start(
            user=user, clinic=None, resource_types=EXPORTED_TYPES, since=None, request_url="bench"
        )
        export_run(job.pk)
        job = ExportJob.objects.get(pk=job.pk)
        written = sum(output["count"] for output in job.output)
        export_delete(job)
    return written


def measure_export(conn, cases, *, log):
    """``cases``: ``[(label, user, scope SQL, params)]``. For each: (label, resources, Django s,
    raw lines, raw s, peak bytes)."""
    results = []
    for label, user, scope, params in cases:
        with tempfile.TemporaryDirectory() as directory:
            started = time.perf_counter()
            resources = _django_export(user, directory)
            django_s = time.perf_counter() - started
            started = time.perf_counter()
            lines = raw_export(conn, scope, params, directory)
            raw_s = time.perf_counter() - started
            tracemalloc.start()
            _django_export(user, directory)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        results.append((label, resources, django_s, lines, raw_s, peak))
        log(
            f"  FHIR export {label}: {resources:,} resources in {django_s:.1f} s "
            f"({resources / django_s:,.0f}/s); raw {lines:,} lines in {raw_s:.1f} s; peak {peak / 1e6:.2f} MB"
        )
    return results


def print_export(results, out):
    print(
        f"{'FHIR $export':<14}  {'resources':>10}  {'per s':>8}  {'raw lines':>10}  {'raw per s':>9}  "
        f"{'ratio':>6}  {'target':>6}  {'peak MB':>7}  ok",
        file=out,
    )
    for label, resources, django_s, lines, raw_s, peak in results:
        ratio = (django_s / resources) / (raw_s / lines)
        ok = "yes" if ratio <= EXPORT_TARGET else "NO"
        print(
            f"{label:<14}  {resources:>10,}  {resources / django_s:>8,.0f}  {lines:>10,}  {lines / raw_s:>9,.0f}  "
            f"{ratio:>5.2f}x  {EXPORT_TARGET:>5.1f}x  {peak / 1e6:>7.2f}  {ok}",
            file=out,
        )
    print(file=out)


def export_targets_met(results):
    ratios = [(django_s / resources) / (raw_s / lines) for _, resources, django_s, lines, raw_s, _ in results]
    (*_, small), (*_, large) = results
    return all(ratio <= EXPORT_TARGET for ratio in ratios) and large - small < EXPORT_MEMORY_SLACK
