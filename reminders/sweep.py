"""The reminder sweep: resolve every reminder whose reason has gone, find every follow-up that
is due and create its reminder once, and queue the digests that announce them.

Set-based from end to end: resolution is one UPDATE per kind (``services.reminders_resolve``);
each kind's due follow-ups are one queryset (the rules' ``clinical_rules.querysets.due_follow_ups``,
which the overdue report reads too, and ``at_high_fall_risk``), inserted as reminders by one
``INSERT ... SELECT`` in the database, and their recipients by another, so a sweep costs the
same few statements whether one reminder falls due or fifty thousand. The unique constraints
(kind, subject or patient, due_on) with ``ON CONFLICT DO NOTHING`` make a sweep run twice, or
two sweeps at once, create nothing twice. A digest is queued on commit for every recipient
with a reminder not yet announced to them, so whatever a broker outage left behind goes out
on the next sweep. Each new reminder of a clinic with a webhook endpoint subscribed to
``reminder.created`` is written to the webhooks' outbox in the same transaction.
"""

from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import TruncDate
from django.utils import timezone

from assessments.models import Assessment
from care.models import FallEvent
from clinical_rules.querysets import (
    AddDays,
    at_high_fall_risk,
    due_follow_ups,
    falls_in_window,
    strength_reviews_due,
    with_follow_up,
)
from clinical_rules.rules import fall_window
from patients.clock import clinic_today, local_midnight
from patients.models import Patient
from webhooks.events import outbox_record_many, subscribers
from webhooks.models import EventType

from .kinds import KIND_RULES
from .models import SUBJECT_FIELD_OF_KIND, Reminder, ReminderKind, ReminderRecipient, ReminderStatus
from .services import reminders_resolve

# SPEC §2: a fall-risk reminder falls due a week after the fall that made the patient high-risk
# was recorded, so that it is not overdue the moment it appears.
FALL_RISK_DUE_DAYS = 7


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

    The reminder is about the fall that made the patient high-risk — the one in the window
    recorded last — and falls due a week after the clinic-local date it was recorded, so a
    patient is reminded about once per episode, not once a sweep. A resolved reminder does not
    count (the episode ended), nor does one about a fall since marked entered in error (the
    next sweep resolves it; it is never listed nor sent).
    """
    start, _ = fall_window(today)
    made_high_risk = (
        falls_in_window(FallEvent.objects.all(), today)
        .filter(patient=OuterRef("pk"))
        .order_by("-created_at", "-id")
    )
    already_reminded = (
        Reminder.objects.valid()
        .filter(
            kind=ReminderKind.FALL_RISK, patient=OuterRef("pk"), fall__occurred_at__gte=local_midnight(start)
        )
        .exclude(status=ReminderStatus.RESOLVED)
    )
    patients = at_high_fall_risk(with_follow_up(Patient.objects.valid(), today)).filter(
        ~Exists(already_reminded)
    )
    if patient_ids is not None:
        patients = patients.filter(pk__in=patient_ids)
    return _rows(
        patients,
        patient=F("pk"),
        subject=Subquery(made_high_risk.values("id")[:1]),
        due_on=AddDays(
            TruncDate(Subquery(made_high_risk.values("created_at")[:1])), Value(FALL_RISK_DUE_DAYS)
        ),
    )


def strength_reviews():
    """SPEC §3 rule 18: a reminder about each latest assessment whose findings nobody has reviewed,
    due a week after it was made."""
    return _rows(
        strength_reviews_due(Assessment.objects.all()),
        patient=F("patient_id"),
        subject=F("pk"),
        due_on=F("review_due_on"),
    )


def _insert_or_reopen(kind, columns, key, rows, constants):
    """``INSERT INTO reminder (constants' columns, columns) SELECT constants, rows``, reopening
    instead a reminder of ``kind`` for the same subject and due date that had resolved itself.

    A resolved reminder whose reason has come back (a device review or a trend review marked
    entered in error, say) is the same reminder again: (kind, subject or patient, due_on) stays
    unique, and it is open once more (``sent`` if it had been sent). Django has no INSERT ...
    SELECT: the SELECT is the ORM's own SQL for ``rows``; ``key`` the columns of the kind's
    unique constraint. Returns the ids of the reminders inserted or reopened.
    """
    # The kind is written into the SQL, not bound: a database matches a partial unique index to
    # the conflict target's WHERE only by its literal text. It is one of our own choices.
    kind = ReminderKind(kind).value
    select, params = rows.query.sql_with_params()
    quote = connection.ops.quote_name
    table = quote(Reminder._meta.db_table)
    names = ", ".join(quote(name) for name in [*constants, *columns])
    values = ", ".join(["%s"] * len(constants))
    # "WHERE true" keeps SQLite from reading ON CONFLICT as a join's ON clause; the conflict
    # target names the kind's partial unique index (``Reminder.Meta.constraints``).
    sql = (
        f"INSERT INTO {table} ({names}) SELECT {values}, due.* FROM ({select}) AS due WHERE true "
        f"ON CONFLICT ({', '.join(quote(column) for column in key)}) WHERE {quote('kind')} = '{kind}' "
        "DO UPDATE SET "
        f"{quote('status')} = CASE WHEN {table}.{quote('sent_at')} IS NULL THEN %s ELSE %s END, "
        f"{quote('resolved_at')} = NULL WHERE {table}.{quote('status')} = %s RETURNING id"
    )
    statuses = [ReminderStatus.PENDING, ReminderStatus.SENT, ReminderStatus.RESOLVED]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*constants.values(), *params, *statuses])
        return [row[0] for row in cursor.fetchall()]


def _create(kind, rows):
    """Insert the reminders of ``rows`` that do not exist yet (reopening resolved ones) and give
    each its recipients."""
    subject = SUBJECT_FIELD_OF_KIND[kind]
    subject_columns = [Reminder._meta.get_field(subject).column] if subject else []
    created = _insert_or_reopen(
        kind,
        ["patient_id", *subject_columns, "due_on"],
        [*(subject_columns or ["patient_id"]), "due_on"],
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
    rules = KIND_RULES[kind]
    if rules.roles:
        membership = "patient__clinic__memberships__user"
        recipients = new.filter(
            **{f"{membership}__is_active": True, f"{membership}__groups__name__in": rules.roles}
        ).values_list("pk", f"{membership}_id")
    else:
        # The author only while they are active staff of the patient's clinic (SPEC §2): one who
        # has left could not open the reminder, and nobody who can would be told of it.
        author = rules.author.removesuffix("_id")
        recipients = new.filter(
            Q(**{f"{author}__is_superuser": True})
            | Q(**{f"{author}__clinic_memberships__clinic": F("patient__clinic")}),
            **{f"{author}__is_active": True},
        ).values_list("pk", rules.author)
    _insert_recipients(recipients.order_by().distinct())
    _announce(new, subject)
    return created


def _announce(reminders, subject):
    """Write a ``reminder.created`` event per reminder inserted or reopened to the webhooks' outbox,
    reading only the reminders of clinics with an endpoint subscribed."""
    clinic_ids = list(subscribers(EventType.REMINDER_CREATED))
    if not clinic_ids:
        return
    subject_id = [f"{subject}_id"] if subject else []
    rows = (
        reminders.filter(patient__clinic_id__in=clinic_ids)
        .order_by("pk")
        .values_list("patient__clinic_id", "pk", "patient_id", "kind", "due_on", *subject_id)
    )
    outbox_record_many(
        [
            (
                clinic_id,
                {
                    "reminder": pk,
                    "patient": patient_id,
                    "kind": kind,
                    "due_on": due_on.isoformat(),
                    "subject": {"type": subject, "id": about[0]} if subject else None,
                },
            )
            for clinic_id, pk, patient_id, kind, due_on, *about in rows
        ],
        EventType.REMINDER_CREATED,
    )


def _insert_recipients(pairs):
    """INSERT ... SELECT of ``(reminder id, user id)`` pairs into the recipients table."""
    select, params = pairs.query.sql_with_params()
    quote = connection.ops.quote_name
    table = ReminderRecipient._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(table)} ({quote('reminder_id')}, {quote('user_id')}) "
            f"SELECT * FROM ({select}) AS pairs WHERE true ON CONFLICT DO NOTHING",
            params,
        )


def queue_digests_of_unannounced():
    """Queue a digest, on commit, for every recipient with a reminder not yet announced to them."""
    from .tasks import queue_digests

    user_ids = list(
        ReminderRecipient.objects.unannounced().order_by().values_list("user_id", flat=True).distinct()
    )
    transaction.on_commit(lambda: queue_digests(user_ids))
    return user_ids


@transaction.atomic
def reminder_sweep(*, today):
    """Resolve what has lapsed, create every due reminder once, and queue the digests. Returns
    the new ids by kind."""
    reminders_resolve(today=today)
    created = {due.kind: _create(due.kind, _due_rows(due)) for due in due_follow_ups(today)}
    created[ReminderKind.FALL_RISK] = _create(ReminderKind.FALL_RISK, fall_risks(today))
    created[ReminderKind.STRENGTH_REVIEW] = _create(ReminderKind.STRENGTH_REVIEW, strength_reviews())
    queue_digests_of_unannounced()
    return created


@transaction.atomic
def fall_risk_check(*, patient, today):
    """After a fall is recorded: if it made the patient high-risk, remind the clinic's physios
    (their digests are queued on commit)."""
    from .tasks import queue_digests

    # Lock the patient first. Two falls of one patient recorded at once would otherwise each
    # find no reminder for the episode and insert one each, about different falls (the unique
    # constraint is per fall); with the lock the second check waits for the first to commit,
    # then sees its fall and its reminder.
    Patient.objects.select_for_update().filter(pk=patient.pk).first()
    created = _create(ReminderKind.FALL_RISK, fall_risks(today, patient_ids=[patient.pk]))
    if created:
        user_ids = list(
            ReminderRecipient.objects.filter(reminder_id__in=created).values_list("user_id", flat=True)
        )
        transaction.on_commit(lambda: queue_digests(user_ids))
    return created


def fall_risk_check_on_fall_saved(sender, *, patient, **kwargs):
    """``care.signals.fall_saved``: the fall just recorded or changed may make ``patient`` high-risk."""
    fall_risk_check(patient=patient, today=clinic_today())
