"""The reminder sweep: find every follow-up that is due and create its reminder once.

Set-based from end to end: each kind is one queryset of due follow-ups (the rules'
``clinical_rules.querysets.due_follow_ups``, which the overdue report reads too, and
``at_high_fall_risk``), inserted as reminders by one ``INSERT ... SELECT`` in the database,
and their recipients by another, so a sweep costs the same few statements whether one reminder
falls due or fifty thousand. The unique constraints (kind, subject or patient, due_on) with
``ON CONFLICT DO NOTHING`` make a sweep run twice, or two sweeps at once, create nothing
twice. Delivery is queued on commit for every reminder still pending, so whatever a broker
outage left behind goes out on the next sweep.
"""

from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Subquery
from django.db.models.functions import TruncDate
from django.utils import timezone

from care.models import FallEvent
from clinical_rules.querysets import at_high_fall_risk, due_follow_ups, falls_in_window, with_follow_up
from clinical_rules.rules import fall_window
from patients.clock import clinic_today
from patients.models import Patient, Role

from .models import SUBJECT_FIELD_OF_KIND, Reminder, ReminderKind, ReminderStatus

# Who hears about each kind: roles of the patient's clinic, or the record's author.
CLINIC_ROLES_OF_KIND = {
    ReminderKind.REASSESSMENT_DUE: (Role.NURSE, Role.PHYSIO),
    ReminderKind.FALL_RISK: (Role.PHYSIO,),
}
AUTHOR_OF_KIND = {
    ReminderKind.REFERRAL_OVERDUE: "referral__created_by_id",
    ReminderKind.DEVICE_REVIEW_DUE: "device__prescribed_by_id",
}


def _rows(queryset, *, patient, due_on, subject=None):
    """``queryset`` as reminder rows: (patient, [subject,] due date), in that column order."""
    columns = {
        "r_patient": patient,
        **({"r_subject": subject} if subject is not None else {}),
        "r_due": due_on,
    }
    return queryset.annotate(**columns).order_by().values_list(*columns)


def _due_rows(due):
    """The reminder rows of one kind of ``due_follow_ups``."""
    return _rows(
        due.records,
        patient=F(due.patient_field("id")),
        subject=F("pk") if due.subject else None,
        due_on=F(due.due_on),
    )


def fall_risks(today, patient_ids=None):
    """SPEC §3 rule 5: patients at high fall risk with no fall-risk reminder for a fall in the window.

    The reminder is about the latest fall in the window — the one that made (or keeps) the
    patient high-risk — and falls due on its clinic-local date, so a patient is reminded
    about once per episode, not once a sweep. A reminder about a fall since marked entered in
    error is no reminder of an episode: it is never listed nor sent.
    """
    start, _ = fall_window(today)
    latest_fall = (
        falls_in_window(FallEvent.objects.all(), today)
        .filter(patient=OuterRef("pk"))
        .order_by("-occurred_at", "-id")
    )
    already_reminded = Reminder.objects.valid().filter(
        kind=ReminderKind.FALL_RISK, patient=OuterRef("pk"), due_on__gte=start
    )
    patients = at_high_fall_risk(with_follow_up(Patient.objects.valid(), today)).filter(
        ~Exists(already_reminded)
    )
    if patient_ids is not None:
        patients = patients.filter(pk__in=patient_ids)
    return _rows(
        patients,
        patient=F("pk"),
        subject=Subquery(latest_fall.values("id")[:1]),
        due_on=TruncDate(Subquery(latest_fall.values("occurred_at")[:1])),
    )


def _insert_select(table, columns, rows, constants):
    """``INSERT INTO table (constants' columns, columns) SELECT constants, rows ON CONFLICT DO NOTHING``.

    Django has no INSERT ... SELECT: the SELECT is the ORM's own SQL for ``rows``. Returns the
    ids of the rows inserted (those that did not exist yet).
    """
    select, params = rows.query.sql_with_params()
    quote = connection.ops.quote_name
    names = ", ".join(quote(name) for name in [*constants, *columns])
    values = ", ".join(["%s"] * len(constants))
    # "WHERE true" keeps SQLite from reading ON CONFLICT as a join's ON clause.
    sql = (
        f"INSERT INTO {quote(table)} ({names}) SELECT {values}, due.* FROM ({select}) AS due WHERE true "
        "ON CONFLICT DO NOTHING RETURNING id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*constants.values(), *params])
        return [row[0] for row in cursor.fetchall()]


def _create(kind, rows):
    """Insert the reminders of ``rows`` that do not exist yet and give each new one its recipients."""
    subject = SUBJECT_FIELD_OF_KIND[kind]
    created = _insert_select(
        Reminder._meta.db_table,
        ["patient_id", *([Reminder._meta.get_field(subject).column] if subject else []), "due_on"],
        rows,
        {
            "kind": kind,
            "status": ReminderStatus.PENDING,
            "created_at": connection.ops.adapt_datetimefield_value(timezone.now()),
        },
    )
    if not created:
        return []
    new = Reminder.objects.filter(pk__in=created)
    if kind in CLINIC_ROLES_OF_KIND:
        membership = "patient__clinic__memberships__user"
        recipients = new.filter(
            **{
                f"{membership}__is_active": True,
                f"{membership}__groups__name__in": CLINIC_ROLES_OF_KIND[kind],
            }
        ).values_list("pk", f"{membership}_id")
    else:
        recipients = new.values_list("pk", AUTHOR_OF_KIND[kind])
    _insert_recipients(recipients.order_by().distinct())
    return created


def _insert_recipients(pairs):
    """INSERT ... SELECT of ``(reminder id, user id)`` pairs into the recipients table."""
    through = Reminder.recipients.through
    select, params = pairs.query.sql_with_params()
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(through._meta.db_table)} ({quote('reminder_id')}, {quote('user_id')}) "
            f"SELECT * FROM ({select}) AS pairs WHERE true ON CONFLICT DO NOTHING",
            params,
        )


def queue_pending_deliveries():
    """Queue a delivery task, on commit, for every valid reminder still pending.

    A reminder whose patient or subject is entered in error stays pending and is never sent.
    """
    from .tasks import queue_delivery

    pending = list(
        Reminder.objects.valid().filter(status=ReminderStatus.PENDING).values_list("id", flat=True)
    )
    transaction.on_commit(lambda: queue_delivery(pending))
    return pending


@transaction.atomic
def reminder_sweep(*, today):
    """Create every due reminder once, and queue delivery of all pending ones. Returns the new ids by kind."""
    created = {due.kind: _create(due.kind, _due_rows(due)) for due in due_follow_ups(today)}
    created[ReminderKind.FALL_RISK] = _create(ReminderKind.FALL_RISK, fall_risks(today))
    queue_pending_deliveries()
    return created


@transaction.atomic
def fall_risk_check(*, patient, today):
    """After a fall is recorded: if it made the patient high-risk, remind the clinic's physios (on commit)."""
    from .tasks import queue_delivery

    # Lock the patient first. Two falls of one patient recorded at once would otherwise each
    # find no reminder for the episode and insert one each, about different falls (the unique
    # constraint is per fall); with the lock the second check waits for the first to commit,
    # then sees its fall and its reminder.
    Patient.objects.select_for_update().filter(pk=patient.pk).first()
    created = _create(ReminderKind.FALL_RISK, fall_risks(today, patient_ids=[patient.pk]))
    if created:
        transaction.on_commit(lambda: queue_delivery(created))
    return created


def fall_risk_check_on_fall_saved(sender, *, patient, **kwargs):
    """``care.signals.fall_saved``: the fall just recorded or changed may make ``patient`` high-risk."""
    fall_risk_check(patient=patient, today=clinic_today())
