"""The baselines: hand-written SQL fetching the same rows as each endpoint, through psycopg.

Each function runs its statements on a plain psycopg connection and returns what
``json.dumps`` makes of the rows: what the endpoint answers, without Django. Where the
endpoint answers a page with its ``count``, so does the baseline (a page is count + rows).
Scoping to the user's clinics is the same subquery on memberships the ORM uses.
"""

import json

from psycopg.rows import dict_row

from care.models import ANTISPASTICITY_DRUGS

MRC_GROUPS = "('shoulder_abduction','elbow_flexion','wrist_extension','hip_flexion','knee_extension','ankle_dorsiflexion')"

SCOPED = "p.clinic_id IN (SELECT clinic_id FROM patients_staffmembership WHERE user_id = %(user)s)"

# The follow-up state of each patient, once: the latest valid assessment through the index.
PATIENTS = f"""
WITH p AS (
    SELECT p.*, c.code AS clinic_code, la.assessed_on AS last_assessed_on,
           COALESCE(la.assessed_on + p.reassessment_interval_weeks * 7,
                    (p.created_at AT TIME ZONE %(tz)s)::date) AS next_assessment_due
    FROM patients_patient p
    JOIN patients_clinic c ON c.id = p.clinic_id
    LEFT JOIN LATERAL (
        SELECT a.assessed_on FROM assessments_assessment a
        WHERE a.patient_id = p.id AND a.entered_in_error_at IS NULL
        ORDER BY a.assessed_on DESC, a.id DESC LIMIT 1
    ) la ON true
    WHERE {SCOPED} AND p.entered_in_error_at IS NULL
), risk AS (
    SELECT p.*,
           (SELECT count(*) FROM care_fallevent f
            WHERE f.patient_id = p.id AND f.entered_in_error_at IS NULL AND NOT f.near_fall
              AND f.occurred_at >= %(window_start)s AND f.occurred_at < %(window_end)s) AS window_falls,
           EXISTS (SELECT 1 FROM care_fallevent f
            WHERE f.patient_id = p.id AND f.entered_in_error_at IS NULL AND NOT f.near_fall
              AND f.occurred_at >= %(window_start)s AND f.occurred_at < %(window_end)s
              AND f.injury IN ('moderate', 'severe')) AS serious
    FROM p
), shown AS (
    SELECT *, (window_falls >= 2 OR serious) AS high_fall_risk FROM risk
)
"""
PATIENT_COLUMNS = """
    id, clinic_code AS clinic, mrn, given_name, family_name, date_of_birth, sex, ms_type, diagnosis_date,
    status, reassessment_interval_weeks, last_assessed_on, next_assessment_due, high_fall_risk,
    created_at, updated_at, entered_in_error_at IS NOT NULL AS entered_in_error, entered_in_error_at,
    NULL AS entered_in_error_by, entered_in_error_reason
"""
WHERE_PATIENTS = {
    "due_for_reassessment": "status = 'active' AND next_assessment_due <= %(due_soon)s",
    "high_fall_risk": "high_fall_risk",
}


def _page(cursor, count_sql, page_sql, params):
    cursor.execute(count_sql, params)
    count = cursor.fetchone()["count"]
    cursor.execute(page_sql, params)
    return json.dumps({"count": count, "results": cursor.fetchall()}, default=str)


def patients(conn, params, which):
    where = WHERE_PATIENTS[which]
    with conn.cursor(row_factory=dict_row) as cursor:
        return _page(
            cursor,
            f"{PATIENTS} SELECT count(*) FROM shown WHERE {where}",
            f"{PATIENTS} SELECT {PATIENT_COLUMNS} FROM shown WHERE {where} ORDER BY created_at DESC, id DESC LIMIT 50",
            params,
        )


def assessments(conn, params):
    scoped = f"""
        FROM assessments_assessment a JOIN patients_patient p ON p.id = a.patient_id
        WHERE {SCOPED} AND a.entered_in_error_at IS NULL
    """
    page = f"""
        WITH page AS (SELECT a.* {scoped} ORDER BY a.assessed_on DESC, a.id DESC LIMIT 50)
        SELECT page.id, page.patient_id AS patient, page.assessed_on, u.username AS assessor, page.notes,
               page.edss, page.timed_25ft_walk_seconds, s.scores, s.mrc_sum_score, page.created_at,
               page.updated_at, false AS entered_in_error, page.entered_in_error_at,
               NULL AS entered_in_error_by, page.entered_in_error_reason
        FROM page JOIN auth_user u ON u.id = page.assessor_id
        LEFT JOIN LATERAL (
            SELECT json_agg(json_build_object('muscle_group', muscle_group, 'side', side, 'grade', grade,
                                              'weakness_type', weakness_type)
                            ORDER BY muscle_group, side) AS scores,
                   CASE WHEN count(*) FILTER (WHERE muscle_group IN {MRC_GROUPS}) = 12
                        THEN sum((grade + 1) / 3) FILTER (WHERE muscle_group IN {MRC_GROUPS}) END AS mrc_sum_score
            FROM assessments_musclescore WHERE assessment_id = page.id
        ) s ON true
        ORDER BY page.assessed_on DESC, page.id DESC
    """
    with conn.cursor(row_factory=dict_row) as cursor:
        return _page(cursor, f"SELECT count(*) {scoped}", page, params)


def falls(conn, params):
    scoped = f"""
        FROM care_fallevent f JOIN patients_patient p ON p.id = f.patient_id
        WHERE {SCOPED} AND f.entered_in_error_at IS NULL
    """
    # LEFT JOIN: a fall from the patient's diary has no staff recorder (SPEC §7).
    page = f"""
        SELECT f.id, f.patient_id AS patient, f.occurred_at, f.near_fall, f.injury, f.location, f.activity,
               f.device_in_use, f.contributing_factors, f.medical_attention, f.notes, u.username AS recorded_by,
               f.created_at, f.updated_at, false AS entered_in_error, f.entered_in_error_at,
               NULL AS entered_in_error_by, f.entered_in_error_reason
        {scoped.replace("WHERE", "LEFT JOIN auth_user u ON u.id = f.recorded_by_id WHERE", 1)}
        ORDER BY f.occurred_at DESC, f.id DESC LIMIT 50
    """
    with conn.cursor(row_factory=dict_row) as cursor:
        return _page(cursor, f"SELECT count(*) {scoped}", page, params)


def referrals(conn, params):
    scoped = f"""
        FROM care_referral r JOIN patients_patient p ON p.id = r.patient_id
        WHERE {SCOPED} AND r.entered_in_error_at IS NULL
    """
    page = f"""
        WITH page AS (SELECT r.* {scoped} ORDER BY r.referred_on DESC, r.id DESC LIMIT 50)
        SELECT page.id, page.patient_id AS patient, page.to_service, page.reason, page.urgency,
               page.referred_on, page.due_by, page.status, h.status_history, u.username AS created_by,
               page.created_at, page.updated_at, false AS entered_in_error, page.entered_in_error_at,
               NULL AS entered_in_error_by, page.entered_in_error_reason
        FROM page JOIN auth_user u ON u.id = page.created_by_id
        LEFT JOIN LATERAL (
            SELECT json_agg(json_build_object('from_status', c.from_status, 'to_status', c.to_status,
                                              'changed_by', cu.username, 'changed_at', c.changed_at)
                            ORDER BY c.changed_at, c.id) AS status_history
            FROM care_referralstatuschange c JOIN auth_user cu ON cu.id = c.changed_by_id
            WHERE c.referral_id = page.id
        ) h ON true
        ORDER BY page.referred_on DESC, page.id DESC
    """
    with conn.cursor(row_factory=dict_row) as cursor:
        return _page(cursor, f"SELECT count(*) {scoped}", page, params)


def medications(conn, params):
    scoped = f"""
        FROM care_medicationevent m JOIN patients_patient p ON p.id = m.patient_id
        WHERE {SCOPED} AND m.entered_in_error_at IS NULL AND p.entered_in_error_at IS NULL
    """
    page = f"""
        SELECT m.id, m.patient_id AS patient, m.drug, m.drug_name, m.event, m.occurred_on, m.dose, m.notes,
               u.username AS recorded_by, m.created_at, m.updated_at, false AS entered_in_error,
               m.entered_in_error_at, NULL AS entered_in_error_by, m.entered_in_error_reason
        {scoped.replace("WHERE", "JOIN auth_user u ON u.id = m.recorded_by_id WHERE", 1)}
        ORDER BY m.occurred_on DESC, m.id DESC LIMIT 50
    """
    with conn.cursor(row_factory=dict_row) as cursor:
        return _page(cursor, f"SELECT count(*) {scoped}", page, params)


def exercise_plans(conn, params):
    scoped = f"""
        FROM care_exerciseplan x JOIN patients_patient p ON p.id = x.patient_id
        WHERE {SCOPED} AND x.entered_in_error_at IS NULL AND p.entered_in_error_at IS NULL
    """
    page = f"""
        SELECT x.id, x.patient_id AS patient, x.muscle_group, x.side, x.kind, x.prescription, x.started_on,
               x.review_on, x.status, x.ended_on, u.username AS prescribed_by, x.created_at, x.updated_at,
               false AS entered_in_error, x.entered_in_error_at, NULL AS entered_in_error_by,
               x.entered_in_error_reason
        {scoped.replace("WHERE", "JOIN auth_user u ON u.id = x.prescribed_by_id WHERE", 1)}
        ORDER BY x.started_on DESC, x.id DESC LIMIT 50
    """
    with conn.cursor(row_factory=dict_row) as cursor:
        return _page(cursor, f"SELECT count(*) {scoped}", page, params)


# The patient's valid records the trends read besides the patient, the scores and the falls.
TRENDS_RECORDS = {
    "spasticity": """
        SELECT s.assessment_id, s.muscle_group, s.side, s.mas
        FROM assessments_spasticityscore s JOIN assessments_assessment a ON a.id = s.assessment_id
        WHERE a.patient_id = %(patient)s AND a.entered_in_error_at IS NULL
    """,
    "medications": """
        SELECT drug, event, occurred_on, id, drug_name, dose FROM care_medicationevent
        WHERE patient_id = %(patient)s AND entered_in_error_at IS NULL
    """,
    "plans": """
        SELECT id, muscle_group, side, kind, review_on, status FROM care_exerciseplan
        WHERE patient_id = %(patient)s AND entered_in_error_at IS NULL
    """,
    "supported_sides": """
        SELECT side FROM care_deviceprescription
        WHERE patient_id = %(patient)s AND entered_in_error_at IS NULL AND status = 'active'
          AND device_type IN ('afo', 'fes')
    """,
    "last_review": """
        SELECT u.username AS reviewed_by, r.reviewed_at, r.note, r.assessment_id AS assessment
        FROM assessments_trendreview r JOIN auth_user u ON u.id = r.reviewed_by_id
        JOIN assessments_assessment a ON a.id = r.assessment_id AND a.entered_in_error_at IS NULL
        WHERE r.patient_id = %(patient)s AND r.entered_in_error_at IS NULL
        ORDER BY r.reviewed_at DESC, r.id DESC LIMIT 1
    """,
    "reviewed": """
        SELECT EXISTS (
            SELECT 1 FROM assessments_trendreview r
            WHERE r.entered_in_error_at IS NULL AND r.assessment_id = (
                SELECT a.id FROM assessments_assessment a
                WHERE a.patient_id = %(patient)s AND a.entered_in_error_at IS NULL
                ORDER BY a.assessed_on DESC, a.id DESC LIMIT 1
            )
        ) AS reviewed
    """,
}


def trends(conn, params):
    with conn.cursor(row_factory=dict_row) as cursor:
        cursor.execute("SELECT * FROM patients_patient WHERE id = %(patient)s", params)
        patient = cursor.fetchone()
        cursor.execute(
            """
            SELECT a.id, a.assessed_on, a.timed_25ft_walk_seconds, a.edss, s.muscle_group, s.side,
                   s.grade, s.weakness_type
            FROM assessments_assessment a JOIN assessments_musclescore s ON s.assessment_id = a.id
            WHERE a.patient_id = %(patient)s AND a.entered_in_error_at IS NULL
            ORDER BY a.assessed_on, a.id
            """,
            params,
        )
        scores = cursor.fetchall()
        cursor.execute(
            """
            SELECT occurred_at, near_fall, injury FROM care_fallevent
            WHERE patient_id = %(patient)s AND entered_in_error_at IS NULL
            """,
            params,
        )
        records = {"patient": patient, "scores": scores, "falls": cursor.fetchall()}
        for name, sql in TRENDS_RECORDS.items():
            cursor.execute(sql, params)
            records[name] = cursor.fetchall()
        return json.dumps(records, default=str)


# FHIR searches ------------------------------------------------------------------------------
# A page of 50 as the FHIR API answers it: the total, then the page's rows (with what the
# resources show of them), in the same order, as dicts for ``json.dumps``.
FHIR_PAGE = 50
FHIR_PATIENTS = f"FROM patients_patient p WHERE {SCOPED} AND p.entered_in_error_at IS NULL"


def fhir_patients(conn, params, *, condition=False):
    """Patient (or, ``condition``, the MS Condition of each patient): by family and given name."""
    extra = ", p.ms_type, p.diagnosis_date" if condition else ""
    page = f"""
        WITH page AS (SELECT p.* {FHIR_PATIENTS} ORDER BY p.family_name, p.given_name, p.id LIMIT {FHIR_PAGE})
        SELECT page.id, page.mrn, page.given_name, page.family_name, page.sex, page.date_of_birth,
               page.status, page.updated_at, page.entered_in_error_at, c.code AS clinic, c.name AS clinic_name
               {extra.replace("p.", "page.")}
        FROM page JOIN patients_clinic c ON c.id = page.clinic_id
        ORDER BY page.family_name, page.given_name, page.id
    """
    with conn.cursor(row_factory=dict_row) as cursor:
        return _page(cursor, f"SELECT count(*) {FHIR_PATIENTS}", page, params)


# Each searched type: its table, its columns, its order (newest first), and any extra condition.
FHIR_RECORDS = {
    "AdverseEvent": (
        "care_fallevent",
        "x.id, x.patient_id, x.occurred_at, x.near_fall, x.injury, x.location, x.created_at, x.updated_at",
        "x.occurred_at DESC, x.id DESC",
    ),
    "DeviceRequest": (
        "care_deviceprescription",
        "x.id, x.patient_id, x.device_type, x.side, x.status, x.prescribed_on, x.discontinued_on, x.reason, "
        "x.updated_at",
        "x.prescribed_on DESC, x.id DESC",
    ),
    "ServiceRequest": (
        "care_referral",
        "x.id, x.patient_id, x.to_service, x.urgency, x.status, x.referred_on, x.due_by, x.reason, x.updated_at",
        "x.referred_on DESC, x.id DESC",
    ),
    "Task": (
        "care_referral",
        "x.id, x.patient_id, x.to_service, x.urgency, x.status, x.referred_on, x.due_by, x.created_at, "
        "x.updated_at",
        "x.referred_on DESC, x.id DESC",
    ),
    "CarePlan": (
        "care_exerciseplan",
        "x.id, x.patient_id, x.kind, x.side, x.muscle_group, x.prescription, x.status, x.started_on, x.ended_on, "
        "x.created_at, x.updated_at",
        "x.started_on DESC, x.id DESC",
    ),
    # Active while the drug's latest valid event (SPEC §2), as the search annotates it.
    "MedicationStatement": (
        "care_medicationevent",
        """x.id, x.patient_id, x.drug, x.drug_name, x.event, x.dose, x.notes, x.occurred_on, x.created_at,
           x.updated_at,
           NOT EXISTS (SELECT 1 FROM care_medicationevent later
                       WHERE later.patient_id = x.patient_id AND later.drug = x.drug
                         AND later.drug_name = x.drug_name AND later.entered_in_error_at IS NULL
                         AND (later.occurred_on > x.occurred_on
                              OR (later.occurred_on = x.occurred_on AND later.id > x.id))) AS is_latest""",
        "x.occurred_on DESC, x.id DESC",
    ),
}


def fhir_records(conn, params, resource_type):
    table, columns, order = FHIR_RECORDS[resource_type]
    scoped = f"""
        FROM {table} x JOIN patients_patient p ON p.id = x.patient_id
        WHERE {SCOPED} AND x.entered_in_error_at IS NULL AND p.entered_in_error_at IS NULL
    """
    with conn.cursor(row_factory=dict_row) as cursor:
        return _page(
            cursor,
            f"SELECT count(*) {scoped}",
            f"SELECT {columns} {scoped} ORDER BY {order} LIMIT {FHIR_PAGE}",
            params,
        )


# Observations: a panel per assessment, one per muscle score and per MAS score, and the MRC
# sum (where all 12 of its items are graded), EDSS and timed walk where recorded.
_MRC_SUM_GRADED = f"""(SELECT count(*) FROM assessments_musclescore s
                      WHERE s.assessment_id = a.id AND s.muscle_group IN {MRC_GROUPS}) = 12"""


def fhir_observations(conn, params, *, muscle_group=None):
    """Observation by ``patient`` (every kind), or across the clinic by ``muscle_group`` (its
    grades and MAS scores): the total, then the page's assessments with their scores."""
    if muscle_group is None:
        where, scores = "AND a.patient_id = %(patient)s", ""
        per_assessment = f"""1 + (SELECT count(*) FROM assessments_musclescore s WHERE s.assessment_id = a.id)
            + (SELECT count(*) FROM assessments_spasticityscore s WHERE s.assessment_id = a.id)
            + ({_MRC_SUM_GRADED})::int + (a.edss IS NOT NULL)::int + (a.timed_25ft_walk_seconds IS NOT NULL)::int"""
        total = f"""SELECT (SELECT count(*) FROM a) + (SELECT count(*) FROM a WHERE {_MRC_SUM_GRADED})
            + (SELECT count(edss) + count(timed_25ft_walk_seconds) FROM a)
            + (SELECT count(*) FROM assessments_musclescore s JOIN a ON a.id = s.assessment_id)
            + (SELECT count(*) FROM assessments_spasticityscore s JOIN a ON a.id = s.assessment_id) AS count"""
    else:
        where, scores = "", "AND s.muscle_group = %(muscle_group)s"
        per_assessment = f"""(SELECT count(*) FROM assessments_musclescore s WHERE s.assessment_id = a.id {scores})
            + (SELECT count(*) FROM assessments_spasticityscore s WHERE s.assessment_id = a.id {scores})"""
        total = f"""SELECT (SELECT count(*) FROM assessments_musclescore s JOIN a ON a.id = s.assessment_id {scores})
            + (SELECT count(*) FROM assessments_spasticityscore s JOIN a ON a.id = s.assessment_id {scores})
            AS count"""
    assessments = f"""
        WITH a AS (
            SELECT a.* FROM assessments_assessment a JOIN patients_patient p ON p.id = a.patient_id
            WHERE {SCOPED} AND a.entered_in_error_at IS NULL AND p.entered_in_error_at IS NULL {where}
        )
    """
    # The page's assessments: a running count of their Observations, from the first past the
    # page's start; each holds one at least.
    spans = f"""
        {assessments}, counted AS (SELECT a.id, a.assessed_on, {per_assessment} AS wanted FROM a)
        SELECT id FROM (
            SELECT id, assessed_on, sum(wanted) OVER (ORDER BY assessed_on DESC, id DESC) AS through
            FROM counted WHERE wanted > 0
        ) running WHERE through > 0 ORDER BY assessed_on DESC, id DESC LIMIT {FHIR_PAGE}
    """
    page = f"""
        SELECT a.id, a.patient_id, a.assessed_on, a.notes, a.edss, a.timed_25ft_walk_seconds, a.updated_at,
               (SELECT CASE WHEN count(*) = 12 THEN sum((s.grade + 1) / 3) END FROM assessments_musclescore s
                WHERE s.assessment_id = a.id AND s.muscle_group IN {MRC_GROUPS}) AS mrc_sum_score,
               (SELECT json_agg(json_build_object('id', s.id, 'muscle_group', s.muscle_group, 'side', s.side,
                                                  'grade', s.grade, 'weakness_type', s.weakness_type))
                FROM assessments_musclescore s WHERE s.assessment_id = a.id {scores}) AS scores,
               (SELECT json_agg(json_build_object('id', s.id, 'muscle_group', s.muscle_group, 'side', s.side,
                                                  'mas', s.mas))
                FROM assessments_spasticityscore s WHERE s.assessment_id = a.id {scores}) AS spasticity
        FROM assessments_assessment a WHERE a.id = ANY(%(ids)s)
        ORDER BY a.assessed_on DESC, a.id DESC
    """
    query = {**params, "muscle_group": muscle_group}
    with conn.cursor(row_factory=dict_row) as cursor:
        cursor.execute(f"{assessments} {total}", query)
        count = cursor.fetchone()["count"]
        cursor.execute(spans, query)
        ids = [row["id"] for row in cursor.fetchall()]
        cursor.execute(page, {**query, "ids": ids})
        return json.dumps({"count": count, "results": cursor.fetchall()}, default=str)


# Reports ------------------------------------------------------------------------------------
ANTISPASTICITY = "(" + ", ".join(f"'{drug}'" for drug in ANTISPASTICITY_DRUGS) + ")"
# Network-wide: the ``clinics`` parameter lists every clinic's id.
CASELOAD = f"""
WITH p AS (
    SELECT p.clinic_id, p.ms_type, la.assessed_on AS last_assessed_on,
           COALESCE(la.assessed_on + p.reassessment_interval_weeks * 7,
                    (p.created_at AT TIME ZONE %(tz)s)::date) AS next_due,
           EXISTS (SELECT 1 FROM assessments_assessment a WHERE a.patient_id = p.id
                   AND a.entered_in_error_at IS NULL) AS in_period,
           EXISTS (SELECT 1 FROM care_medicationevent m
                   WHERE m.patient_id = p.id AND m.entered_in_error_at IS NULL AND m.event <> 'stop'
                     AND m.drug IN {ANTISPASTICITY}
                     AND NOT EXISTS (SELECT 1 FROM care_medicationevent later
                                     WHERE later.patient_id = m.patient_id AND later.drug = m.drug
                                       AND later.drug_name = m.drug_name AND later.entered_in_error_at IS NULL
                                       AND (later.occurred_on > m.occurred_on
                                            OR (later.occurred_on = m.occurred_on AND later.id > m.id)))
           ) AS antispasticity,
           EXISTS (SELECT 1 FROM care_exerciseplan x WHERE x.patient_id = p.id AND x.entered_in_error_at IS NULL
                   AND x.status = 'active') AS planned
    FROM patients_patient p
    LEFT JOIN LATERAL (
        SELECT a.assessed_on FROM assessments_assessment a
        WHERE a.patient_id = p.id AND a.entered_in_error_at IS NULL
        ORDER BY a.assessed_on DESC, a.id DESC LIMIT 1
    ) la ON true
    WHERE p.clinic_id = ANY(%(clinics)s) AND p.entered_in_error_at IS NULL AND p.status = 'active'
)
SELECT c.code AS clinic, p.ms_type, count(*) AS active_patients,
       count(*) FILTER (WHERE last_assessed_on IS NOT NULL AND next_due >= %(today)s) AS assessed_in_interval,
       count(*) FILTER (WHERE next_due < %(today)s) AS overdue,
       count(*) FILTER (WHERE next_due <= %(due_soon)s) AS due_for_reassessment,
       count(*) FILTER (WHERE last_assessed_on IS NULL) AS never_assessed,
       count(*) FILTER (WHERE in_period) AS assessed_in_period,
       count(*) FILTER (WHERE antispasticity) AS on_antispasticity_drugs,
       count(*) FILTER (WHERE planned) AS with_active_plans
FROM p JOIN patients_clinic c ON c.id = p.clinic_id
GROUP BY c.code, p.ms_type ORDER BY c.code, p.ms_type
"""

OVERDUE = """
WITH due AS (
    SELECT 'reassessment_due' AS kind, c.code AS clinic, p.id AS patient, p.mrn, p.family_name, p.given_name,
           NULL::bigint AS subject, '' AS detail,
           COALESCE(la.assessed_on + p.reassessment_interval_weeks * 7,
                    (p.created_at AT TIME ZONE %(tz)s)::date) AS due_on
    FROM patients_patient p JOIN patients_clinic c ON c.id = p.clinic_id
    LEFT JOIN LATERAL (
        SELECT a.assessed_on FROM assessments_assessment a
        WHERE a.patient_id = p.id AND a.entered_in_error_at IS NULL
        ORDER BY a.assessed_on DESC, a.id DESC LIMIT 1
    ) la ON true
    WHERE p.clinic_id = ANY(%(clinics)s) AND p.entered_in_error_at IS NULL AND p.status = 'active'
      AND COALESCE(la.assessed_on + p.reassessment_interval_weeks * 7,
                   (p.created_at AT TIME ZONE %(tz)s)::date) <= %(due_soon)s
    UNION ALL
    SELECT 'referral_overdue', c.code, p.id, p.mrn, p.family_name, p.given_name, r.id, r.to_service, r.due_by
    FROM care_referral r JOIN patients_patient p ON p.id = r.patient_id JOIN patients_clinic c ON c.id = p.clinic_id
    WHERE p.clinic_id = ANY(%(clinics)s) AND p.entered_in_error_at IS NULL AND r.entered_in_error_at IS NULL
      AND r.status IN ('draft', 'sent', 'accepted') AND r.due_by < %(today)s
    UNION ALL
    SELECT 'device_review_due', c.code, p.id, p.mrn, p.family_name, p.given_name, d.id, d.device_type,
           d.review_due_on
    FROM care_deviceprescription d JOIN patients_patient p ON p.id = d.patient_id
    JOIN patients_clinic c ON c.id = p.clinic_id
    WHERE p.clinic_id = ANY(%(clinics)s) AND p.entered_in_error_at IS NULL AND d.entered_in_error_at IS NULL
      AND d.status = 'active' AND d.review_due_on <= %(due_soon)s
    UNION ALL
    SELECT 'plan_review_due', c.code, p.id, p.mrn, p.family_name, p.given_name, x.id, x.kind, x.review_on
    FROM care_exerciseplan x JOIN patients_patient p ON p.id = x.patient_id
    JOIN patients_clinic c ON c.id = p.clinic_id
    WHERE p.clinic_id = ANY(%(clinics)s) AND p.entered_in_error_at IS NULL AND x.entered_in_error_at IS NULL
      AND x.status = 'active' AND x.review_on <= %(due_soon)s
)
"""

FALLS = """
SELECT c.code AS clinic, to_char(date_trunc('month', f.occurred_at AT TIME ZONE %(tz)s), 'YYYY-MM') AS month,
       count(*) FILTER (WHERE NOT f.near_fall) AS falls, count(*) FILTER (WHERE f.near_fall) AS near_falls,
       count(*) FILTER (WHERE f.injury <> 'none') AS injuries,
       count(*) FILTER (WHERE f.injury IN ('moderate', 'severe')) AS serious_injuries,
       count(*) FILTER (WHERE f.medical_attention) AS medical_attention,
       count(DISTINCT f.patient_id) FILTER (WHERE NOT f.near_fall) AS patients_who_fell
FROM care_fallevent f JOIN patients_patient p ON p.id = f.patient_id JOIN patients_clinic c ON c.id = p.clinic_id
WHERE p.clinic_id = ANY(%(clinics)s) AND p.entered_in_error_at IS NULL AND f.entered_in_error_at IS NULL
GROUP BY 1, 2 ORDER BY 1, 2
"""
FALLS_CLINICS = """
SELECT c.code AS clinic, count(*) AS active_patients,
       count(*) FILTER (WHERE (SELECT count(*) FROM care_fallevent f
                               WHERE f.patient_id = p.id AND f.entered_in_error_at IS NULL AND NOT f.near_fall
                                 AND f.occurred_at >= %(window_start)s AND f.occurred_at < %(window_end)s) >= 2
                        OR EXISTS (SELECT 1 FROM care_fallevent f
                               WHERE f.patient_id = p.id AND f.entered_in_error_at IS NULL AND NOT f.near_fall
                                 AND f.occurred_at >= %(window_start)s AND f.occurred_at < %(window_end)s
                                 AND f.injury IN ('moderate', 'severe'))) AS high_fall_risk_patients
FROM patients_patient p JOIN patients_clinic c ON c.id = p.clinic_id
WHERE p.clinic_id = ANY(%(clinics)s) AND p.entered_in_error_at IS NULL AND p.status = 'active'
GROUP BY c.code
"""

REFERRALS = """
SELECT c.code AS clinic, r.to_service, count(*) AS total,
       count(*) FILTER (WHERE r.status = 'draft') AS draft, count(*) FILTER (WHERE r.status = 'sent') AS sent,
       count(*) FILTER (WHERE r.status = 'accepted') AS accepted,
       count(*) FILTER (WHERE r.status = 'seen') AS seen, count(*) FILTER (WHERE r.status = 'closed') AS closed,
       count(*) FILTER (WHERE r.status = 'declined') AS declined,
       count(*) FILTER (WHERE r.status = 'cancelled') AS cancelled,
       count(*) FILTER (WHERE r.status IN ('draft', 'sent', 'accepted') AND r.due_by < %(today)s) AS overdue,
       count(*) FILTER (WHERE r.status IN ('seen', 'closed')) AS reached_seen,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY t.days) AS median_days_sent_to_seen
FROM care_referral r JOIN patients_patient p ON p.id = r.patient_id JOIN patients_clinic c ON c.id = p.clinic_id
LEFT JOIN LATERAL (
    SELECT EXTRACT(EPOCH FROM (min(changed_at) FILTER (WHERE to_status = 'seen')
                               - min(changed_at) FILTER (WHERE to_status = 'sent'))) / 86400.0 AS days
    FROM care_referralstatuschange WHERE referral_id = r.id
) t ON true
WHERE p.clinic_id = ANY(%(clinics)s) AND p.entered_in_error_at IS NULL AND r.entered_in_error_at IS NULL
GROUP BY 1, 2 ORDER BY 1, 2
"""

DEVICES = """
SELECT c.code AS clinic, d.device_type, count(*) AS active,
       count(*) FILTER (WHERE d.review_due_on <= %(due_soon)s) AS review_due,
       count(DISTINCT d.patient_id) AS patients
FROM care_deviceprescription d JOIN patients_patient p ON p.id = d.patient_id
JOIN patients_clinic c ON c.id = p.clinic_id
WHERE p.clinic_id = ANY(%(clinics)s) AND p.entered_in_error_at IS NULL AND d.entered_in_error_at IS NULL
  AND d.status = 'active'
GROUP BY 1, 2 ORDER BY 1, 2
"""

# Per clinic and month of assessment: the assessments and their recorded findings, and the
# reviews of those assessments (by the review's clinic-local date), joined on the month.
STRENGTH = """
WITH a AS (
    SELECT p.clinic_id, date_trunc('month', a.assessed_on::timestamp)::date AS month, count(*) AS assessments,
           count(DISTINCT a.patient_id) FILTER (WHERE f.decline OR f.decline_from_best) AS patients_with_decline,
           count(DISTINCT a.patient_id) FILTER (WHERE f.improvement) AS patients_with_improvement
    FROM assessments_assessment a JOIN patients_patient p ON p.id = a.patient_id
    LEFT JOIN clinical_rules_assessmentfindings f ON f.assessment_id = a.id
    WHERE p.clinic_id = ANY(%(clinics)s) AND p.entered_in_error_at IS NULL AND a.entered_in_error_at IS NULL
    GROUP BY 1, 2
), r AS (
    SELECT p.clinic_id, date_trunc('month', a.assessed_on::timestamp)::date AS month, count(*) AS strength_reviews,
           percentile_cont(0.5) WITHIN GROUP (
               ORDER BY (r.reviewed_at AT TIME ZONE %(tz)s)::date - a.assessed_on
           ) AS median_days_to_review
    FROM assessments_trendreview r JOIN assessments_assessment a ON a.id = r.assessment_id
    JOIN patients_patient p ON p.id = r.patient_id
    WHERE p.clinic_id = ANY(%(clinics)s) AND p.entered_in_error_at IS NULL AND a.entered_in_error_at IS NULL
      AND r.entered_in_error_at IS NULL
    GROUP BY 1, 2
)
SELECT c.code AS clinic, to_char(a.month, 'YYYY-MM') AS month, a.assessments, a.patients_with_decline,
       a.patients_with_improvement, COALESCE(r.strength_reviews, 0) AS strength_reviews,
       round(r.median_days_to_review::numeric, 1) AS median_days_to_review
FROM a JOIN patients_clinic c ON c.id = a.clinic_id
LEFT JOIN r ON r.clinic_id = a.clinic_id AND r.month = a.month
ORDER BY 1, 2
"""


def _report(conn, params, *statements):
    out = []
    with conn.cursor(row_factory=dict_row) as cursor:
        for sql in statements:
            cursor.execute(sql, params)
            out.append(cursor.fetchall())
    return json.dumps(out, default=str)


def report_caseload(conn, params):
    return _report(conn, params, CASELOAD)


def report_overdue(conn, params):
    with conn.cursor(row_factory=dict_row) as cursor:
        return _page(
            cursor,
            f"{OVERDUE} SELECT count(*) FROM due",
            f"{OVERDUE} SELECT *, %(today)s - due_on AS days_overdue FROM due "
            "ORDER BY due_on, kind, patient, subject LIMIT 50",
            params,
        )


def report_falls(conn, params):
    return _report(conn, params, FALLS, FALLS_CLINICS)


def report_referrals(conn, params):
    return _report(conn, params, REFERRALS)


def report_devices(conn, params):
    return _report(conn, params, DEVICES)


def report_strength(conn, params):
    return _report(conn, params, STRENGTH)


# The reminder sweep -------------------------------------------------------------------------
# First one UPDATE per kind (six) resolves the open reminders whose reason has gone; then each kind:
# INSERT ... SELECT the due reminders (the unique constraints skip existing ones, and reopen a
# resolved one whose reason has come back), then their recipients; last the recipients with a
# reminder not yet announced (to queue their digests).
_OPEN = "r.status IN ('pending', 'sent')"
# The latest valid assessment of the patient ``p`` (through the index on it).
_LATEST_ASSESSMENT = """
    SELECT a.id, a.assessed_on FROM assessments_assessment a
    WHERE a.patient_id = p.id AND a.entered_in_error_at IS NULL
    ORDER BY a.assessed_on DESC, a.id DESC LIMIT 1
"""
# Rule 18: the findings that call for review (an improvement does not).
_CALLS_FOR_REVIEW = """
    (f.decline OR f.decline_from_best OR f.mrc_sum_drop OR f.mrc_sum_drop_from_best OR f.walking_slowed
     OR f.edss_worsening OR f.spasticity_increase OR f.medication_review OR f.plan_conflict)
"""
_UNREVIEWED = """NOT EXISTS (SELECT 1 FROM assessments_trendreview t
                 WHERE t.assessment_id = {assessment} AND t.entered_in_error_at IS NULL)"""


def _insert_or_reopen(kind, subject):
    """The conflict clause of ``kind``'s unique index: a reminder about the same ``subject`` and due
    date is not inserted again, and if it had resolved itself it is open again (``sent`` if it
    had been sent)."""
    return f"""
        ON CONFLICT ({subject}, due_on) WHERE kind = '{kind}' DO UPDATE
        SET status = CASE WHEN reminders_reminder.sent_at IS NULL THEN 'pending' ELSE 'sent' END,
            resolved_at = NULL
        WHERE reminders_reminder.status = 'resolved'
    """


_WINDOW_FALLS = """
    FROM care_fallevent f
    WHERE f.entered_in_error_at IS NULL AND NOT f.near_fall
      AND f.occurred_at >= %(window_start)s AND f.occurred_at < %(window_end)s
"""
RESOLVE = [
    f"""
    UPDATE reminders_reminder r SET status = 'resolved', resolved_at = now()
    WHERE r.kind = 'reassessment_due' AND {_OPEN} AND NOT EXISTS (
        SELECT 1 FROM patients_patient p
        LEFT JOIN LATERAL (
            SELECT a.assessed_on FROM assessments_assessment a
            WHERE a.patient_id = p.id AND a.entered_in_error_at IS NULL
            ORDER BY a.assessed_on DESC, a.id DESC LIMIT 1
        ) la ON true
        WHERE p.id = r.patient_id AND p.entered_in_error_at IS NULL AND p.status = 'active'
          AND COALESCE(la.assessed_on + p.reassessment_interval_weeks * 7,
                       (p.created_at AT TIME ZONE %(tz)s)::date) <= r.due_on
    )
    """,
    f"""
    UPDATE reminders_reminder r SET status = 'resolved', resolved_at = now()
    WHERE r.kind = 'referral_overdue' AND {_OPEN} AND NOT EXISTS (
        SELECT 1 FROM care_referral x JOIN patients_patient p ON p.id = x.patient_id
        WHERE x.id = r.referral_id AND x.entered_in_error_at IS NULL AND p.entered_in_error_at IS NULL
          AND x.status IN ('draft', 'sent', 'accepted') AND x.due_by <= r.due_on
    )
    """,
    f"""
    UPDATE reminders_reminder r SET status = 'resolved', resolved_at = now()
    WHERE r.kind = 'device_review_due' AND {_OPEN} AND NOT EXISTS (
        SELECT 1 FROM care_deviceprescription x JOIN patients_patient p ON p.id = x.patient_id
        WHERE x.id = r.device_id AND x.entered_in_error_at IS NULL AND p.entered_in_error_at IS NULL
          AND x.status = 'active' AND x.review_due_on <= r.due_on
    )
    """,
    f"""
    UPDATE reminders_reminder r SET status = 'resolved', resolved_at = now()
    WHERE r.kind = 'plan_review_due' AND {_OPEN} AND NOT EXISTS (
        SELECT 1 FROM care_exerciseplan x JOIN patients_patient p ON p.id = x.patient_id
        WHERE x.id = r.exercise_plan_id AND x.entered_in_error_at IS NULL AND p.entered_in_error_at IS NULL
          AND x.status = 'active' AND x.review_on <= r.due_on
    )
    """,
    f"""
    UPDATE reminders_reminder r SET status = 'resolved', resolved_at = now()
    WHERE r.kind = 'fall_risk' AND {_OPEN} AND NOT (
        EXISTS (
            SELECT 1 FROM care_fallevent x JOIN patients_patient p ON p.id = x.patient_id
            WHERE x.id = r.fall_id AND x.entered_in_error_at IS NULL AND p.entered_in_error_at IS NULL
        )
        AND EXISTS (
            SELECT 1 {_WINDOW_FALLS} AND f.patient_id = r.patient_id
            GROUP BY f.patient_id HAVING count(*) >= 2 OR bool_or(f.injury IN ('moderate', 'severe'))
        )
    )
    """,
    f"""
    UPDATE reminders_reminder r SET status = 'resolved', resolved_at = now()
    WHERE r.kind = 'strength_review' AND {_OPEN} AND NOT EXISTS (
        SELECT 1 FROM patients_patient p CROSS JOIN LATERAL ({_LATEST_ASSESSMENT}) la
        WHERE p.id = r.patient_id AND p.entered_in_error_at IS NULL AND la.id = r.assessment_id
          AND {_UNREVIEWED.format(assessment="la.id")}
    )
    """,
]
_ROLE_RECIPIENTS = """
INSERT INTO reminders_reminder_recipients (reminder_id, user_id)
SELECT ins.id, m.user_id FROM ins
JOIN patients_patient p ON p.id = ins.patient_id
JOIN patients_staffmembership m ON m.clinic_id = p.clinic_id
JOIN auth_user u ON u.id = m.user_id AND u.is_active
JOIN auth_user_groups ug ON ug.user_id = m.user_id
JOIN auth_group g ON g.id = ug.group_id AND g.name IN ({roles})
ON CONFLICT DO NOTHING
"""
SWEEP = [
    *RESOLVE,
    f"""
    WITH due AS (
        SELECT p.id AS patient_id,
               COALESCE(la.assessed_on + p.reassessment_interval_weeks * 7,
                        (p.created_at AT TIME ZONE %(tz)s)::date) AS due_on
        FROM patients_patient p
        LEFT JOIN LATERAL ({_LATEST_ASSESSMENT}) la ON true
        WHERE p.entered_in_error_at IS NULL AND p.status = 'active'
    ), ins AS (
        INSERT INTO reminders_reminder (kind, patient_id, due_on, status, created_at)
        SELECT 'reassessment_due', patient_id, due_on, 'pending', now() FROM due WHERE due_on <= %(due_soon)s
        {_insert_or_reopen("reassessment_due", "patient_id")} RETURNING id, patient_id
    )
    {_ROLE_RECIPIENTS.format(roles="'nurse', 'physio'")}
    """,
    f"""
    WITH ins AS (
        INSERT INTO reminders_reminder (kind, patient_id, referral_id, due_on, status, created_at)
        SELECT 'referral_overdue', r.patient_id, r.id, r.due_by, 'pending', now()
        FROM care_referral r JOIN patients_patient p ON p.id = r.patient_id
        WHERE r.entered_in_error_at IS NULL AND p.entered_in_error_at IS NULL
          AND r.status IN ('draft', 'sent', 'accepted') AND r.due_by < %(today)s
        {_insert_or_reopen("referral_overdue", "referral_id")} RETURNING id, referral_id
    )
    INSERT INTO reminders_reminder_recipients (reminder_id, user_id)
    SELECT ins.id, r.created_by_id FROM ins JOIN care_referral r ON r.id = ins.referral_id
    ON CONFLICT DO NOTHING
    """,
    f"""
    WITH ins AS (
        INSERT INTO reminders_reminder (kind, patient_id, device_id, due_on, status, created_at)
        SELECT 'device_review_due', d.patient_id, d.id, d.review_due_on, 'pending', now()
        FROM care_deviceprescription d JOIN patients_patient p ON p.id = d.patient_id
        WHERE d.entered_in_error_at IS NULL AND p.entered_in_error_at IS NULL
          AND d.status = 'active' AND d.review_due_on <= %(due_soon)s
        {_insert_or_reopen("device_review_due", "device_id")} RETURNING id, device_id
    )
    INSERT INTO reminders_reminder_recipients (reminder_id, user_id)
    SELECT ins.id, d.prescribed_by_id FROM ins JOIN care_deviceprescription d ON d.id = ins.device_id
    ON CONFLICT DO NOTHING
    """,
    f"""
    WITH ins AS (
        INSERT INTO reminders_reminder (kind, patient_id, exercise_plan_id, due_on, status, created_at)
        SELECT 'plan_review_due', x.patient_id, x.id, x.review_on, 'pending', now()
        FROM care_exerciseplan x JOIN patients_patient p ON p.id = x.patient_id
        WHERE x.entered_in_error_at IS NULL AND p.entered_in_error_at IS NULL
          AND x.status = 'active' AND x.review_on <= %(due_soon)s
        {_insert_or_reopen("plan_review_due", "exercise_plan_id")} RETURNING id, exercise_plan_id
    )
    INSERT INTO reminders_reminder_recipients (reminder_id, user_id)
    SELECT ins.id, x.prescribed_by_id FROM ins JOIN care_exerciseplan x ON x.id = ins.exercise_plan_id
    ON CONFLICT DO NOTHING
    """,
    f"""
    WITH window_falls AS (SELECT f.* {_WINDOW_FALLS}
    ), risky AS (
        SELECT f.patient_id, (array_agg(f.id ORDER BY f.created_at DESC, f.id DESC))[1] AS fall_id,
               max(f.created_at) AS recorded
        FROM window_falls f JOIN patients_patient p ON p.id = f.patient_id
        WHERE p.entered_in_error_at IS NULL
        GROUP BY f.patient_id
        HAVING count(*) >= 2 OR bool_or(f.injury IN ('moderate', 'severe'))
    ), ins AS (
        INSERT INTO reminders_reminder (kind, patient_id, fall_id, due_on, status, created_at)
        SELECT 'fall_risk', r.patient_id, r.fall_id, (r.recorded AT TIME ZONE %(tz)s)::date + 7,
               'pending', now()
        FROM risky r
        WHERE NOT EXISTS (SELECT 1 FROM reminders_reminder x JOIN care_fallevent xf ON xf.id = x.fall_id
                          WHERE x.kind = 'fall_risk' AND x.patient_id = r.patient_id
                            AND xf.occurred_at >= %(window_start)s AND xf.entered_in_error_at IS NULL
                            AND x.status <> 'resolved')
        {_insert_or_reopen("fall_risk", "fall_id")} RETURNING id, patient_id
    )
    {_ROLE_RECIPIENTS.format(roles="'physio'")}
    """,
    f"""
    WITH ins AS (
        INSERT INTO reminders_reminder (kind, patient_id, assessment_id, due_on, status, created_at)
        SELECT 'strength_review', p.id, la.id, la.assessed_on + 7, 'pending', now()
        FROM patients_patient p
        CROSS JOIN LATERAL ({_LATEST_ASSESSMENT}) la
        JOIN clinical_rules_assessmentfindings f ON f.assessment_id = la.id
        WHERE p.entered_in_error_at IS NULL AND p.status = 'active' AND {_CALLS_FOR_REVIEW}
          AND {_UNREVIEWED.format(assessment="la.id")}
        {_insert_or_reopen("strength_review", "assessment_id")} RETURNING id, patient_id
    )
    {_ROLE_RECIPIENTS.format(roles="'physio'")}
    """,
    f"""
    SELECT DISTINCT rr.user_id FROM reminders_reminder_recipients rr
    JOIN reminders_reminder r ON r.id = rr.reminder_id
    JOIN patients_patient p ON p.id = r.patient_id
    JOIN auth_user u ON u.id = rr.user_id
    WHERE rr.notified_at IS NULL AND {_OPEN} AND u.is_active AND u.email <> ''
      AND (u.is_superuser OR EXISTS (SELECT 1 FROM patients_staffmembership m
                                     WHERE m.user_id = rr.user_id AND m.clinic_id = p.clinic_id))
    """,
]


def sweep(conn, params):
    with conn.transaction(force_rollback=True), conn.cursor() as cursor:
        for sql in SWEEP:
            cursor.execute(sql, params)
        return json.dumps(cursor.fetchall())


# Pages ------------------------------------------------------------------------------------------
# The patient list and a patient's dashboard as a page shows them: the rows read with psycopg and
# rendered as HTML tables by the same template engine (Django's, autoescaping), one table per
# kind of record. The page itself also works out the findings, the charts' data and the guidance
# with the rules, and lays them out in its own templates: that is what it is timed for.
PAGE_TEMPLATE = """<!DOCTYPE html><html lang="en"><head><title>{{ title }}</title></head><body>
<h1>{{ title }}</h1>{% if count is not None %}<p>{{ count }} patients</p>{% endif %}
{% for name, rows in sections %}<h2>{{ name }}</h2><table>{% for row in rows %}<tr>{% for value in row %}<td>{{ value }}</td>{% endfor %}</tr>{% endfor %}</table>
{% endfor %}</body></html>"""
PATIENTS_PER_PAGE = 25
# What every page's header shows: the user's clinics and their open reminders (an open reminder
# is about valid records: marking one entered in error resolves its reminders).
PAGE_HEADER = """
    SELECT string_agg(c.name, ', ' ORDER BY c.name),
           (SELECT count(*) FROM reminders_reminder r
            JOIN reminders_reminder_recipients rr ON rr.reminder_id = r.id
            WHERE rr.user_id = %(user)s AND r.status IN ('pending', 'sent'))
    FROM patients_clinic c JOIN patients_staffmembership m ON m.clinic_id = c.id
    WHERE m.user_id = %(user)s
"""
WHERE_PAGE = {"all": "true", "due": WHERE_PATIENTS["due_for_reassessment"]}

# Each kind of record the dashboard shows, every one of the patient's (entered in error too,
# marked), with what its row names: who recorded it, its status history, its reviews.
DASHBOARD_RECORDS = {
    "assessments": """
        SELECT a.id, a.assessed_on, a.edss, a.timed_25ft_walk_seconds, a.notes, u.username,
               (SELECT string_agg(s.muscle_group || ' ' || s.side || ' ' || s.grade, ', ' ORDER BY s.id)
                FROM assessments_musclescore s WHERE s.assessment_id = a.id),
               (SELECT string_agg(s.muscle_group || ' ' || s.side || ' ' || s.mas, ', ' ORDER BY s.id)
                FROM assessments_spasticityscore s WHERE s.assessment_id = a.id)
        FROM assessments_assessment a JOIN auth_user u ON u.id = a.assessor_id
        WHERE a.patient_id = %(patient)s AND a.entered_in_error_at IS NULL
        ORDER BY a.assessed_on DESC, a.id DESC
    """,
    "falls": """
        SELECT f.occurred_at, f.near_fall, f.injury, f.location, f.activity, f.source, f.notes
        FROM care_fallevent f WHERE f.patient_id = %(patient)s AND f.entered_in_error_at IS NULL
        ORDER BY f.occurred_at DESC, f.id DESC
    """,
    "devices": """
        SELECT d.id, d.device_type, d.side, d.status, d.prescribed_on, d.reason,
               (SELECT string_agg(r.reviewed_on || ' ' || r.note, '; ' ORDER BY r.reviewed_on, r.id)
                FROM care_devicereview r WHERE r.device_id = d.id AND r.entered_in_error_at IS NULL)
        FROM care_deviceprescription d WHERE d.patient_id = %(patient)s AND d.entered_in_error_at IS NULL
        ORDER BY d.prescribed_on DESC, d.id DESC
    """,
    "medications": """
        SELECT m.occurred_on, m.drug, m.drug_name, m.event, m.dose
        FROM care_medicationevent m WHERE m.patient_id = %(patient)s AND m.entered_in_error_at IS NULL
        ORDER BY m.occurred_on DESC, m.id DESC
    """,
    "exercise plans": """
        SELECT e.id, e.muscle_group, e.side, e.kind, e.status, e.started_on, e.review_on
        FROM care_exerciseplan e WHERE e.patient_id = %(patient)s AND e.entered_in_error_at IS NULL
        ORDER BY e.started_on DESC, e.id DESC
    """,
    "referrals": """
        SELECT r.id, r.to_service, r.urgency, r.status, r.referred_on, r.reason,
               (SELECT string_agg(c.from_status || ' ' || c.to_status || ' ' || c.changed_at, '; '
                                  ORDER BY c.changed_at, c.id)
                FROM care_referralstatuschange c WHERE c.referral_id = r.id)
        FROM care_referral r WHERE r.patient_id = %(patient)s AND r.entered_in_error_at IS NULL
        ORDER BY r.referred_on DESC, r.id DESC
    """,
    "trend reviews": """
        SELECT t.reviewed_at, u.username, t.note, a.assessed_on
        FROM assessments_trendreview t JOIN auth_user u ON u.id = t.reviewed_by_id
        JOIN assessments_assessment a ON a.id = t.assessment_id
        WHERE t.patient_id = %(patient)s AND t.entered_in_error_at IS NULL
        ORDER BY t.reviewed_at DESC, t.id DESC
    """,
    "diary": """
        SELECT d.day, d.fatigue, d.spasms, d.heat_worse, d.exercises FROM diary_diaryentry d
        WHERE d.patient_id = %(patient)s AND d.entered_in_error_at IS NULL
          AND d.day > %(today)s::date - 28 AND d.day <= %(today)s
        ORDER BY d.day
    """,
    "diary link": """
        SELECT l.issued_at, l.expires_on FROM diary_diarylink l
        WHERE l.patient_id = %(patient)s AND l.ended_at IS NULL AND l.expires_on >= %(today)s
    """,
}


def page_template():
    """The baselines' template, compiled once, as the app's cached template loader keeps its own."""
    from django.template import engines

    return engines["django"].from_string(PAGE_TEMPLATE)


def patient_list_data(conn, params, which):
    """A page of the patient list (by name, 25 a page), with its count and the header."""
    where = WHERE_PAGE[which]
    with conn.cursor() as cursor:
        cursor.execute(f"{PATIENTS} SELECT count(*) FROM shown WHERE {where}", params)
        count = cursor.fetchone()[0]
        cursor.execute(
            f"""{PATIENTS} SELECT id, family_name, given_name, clinic_code, date_of_birth, mrn, ms_type,
                status, last_assessed_on, next_assessment_due, high_fall_risk
            FROM shown WHERE {where} ORDER BY family_name, given_name, id LIMIT {PATIENTS_PER_PAGE}""",
            params,
        )
        rows = cursor.fetchall()
        cursor.execute(PAGE_HEADER, params)
        header = cursor.fetchall()
    return {"title": "Patients", "count": count, "sections": [("header", header), ("patients", rows)]}


def dashboard_data(conn, params):
    """A patient's dashboard: the header, the patient with their follow-up state, then each kind
    of record."""
    with conn.cursor() as cursor:
        cursor.execute(
            f"""{PATIENTS} SELECT id, family_name, given_name, mrn, date_of_birth, sex, ms_type,
                diagnosis_date, status, last_assessed_on, next_assessment_due, high_fall_risk
            FROM shown WHERE id = %(patient)s""",
            params,
        )
        sections = [("patient", cursor.fetchall())]
        for name, sql in {"header": PAGE_HEADER, **DASHBOARD_RECORDS}.items():
            cursor.execute(sql, params)
            sections.append((name, cursor.fetchall()))
    return {"title": "Dashboard", "count": None, "sections": sections}


def patient_list_page(conn, params, which, template):
    return template.render(patient_list_data(conn, params, which))


def dashboard_page(conn, params, template):
    return template.render(dashboard_data(conn, params))
