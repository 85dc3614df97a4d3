"""Reads on a PostgreSQL streaming replica (``DATABASE_REPLICA_URL``), for the heavy reads only.

Routing is explicit: a read goes to the replica only inside ``replica_reads()``, which the
call sites that may read slightly old data open themselves — the reports and their CSV, the
access-log report and the FHIR Bulk Data export. Everything else, and every write wherever it
happens (the access record a report writes included), goes to the primary, ``default``.
Without ``DATABASE_REPLICA_URL`` there is no ``replica`` alias and ``replica_reads`` reads on
the primary: everything runs on ``default``.

A replica is a little behind the primary. So that nobody reads a report that lacks what they
have just written, a user whose write succeeded is *pinned* to the primary for
``DATABASE_REPLICA_PIN_SECONDS`` (``clinic.middleware.ReplicaPinMiddleware``). The pin lives in
the shared cache keyed by the user's id rather than in a cookie: an integration with a token
keeps no cookies, and the cache (Redis in production) is shared by every web process. The
export, run by the worker long after any request, instead waits until the replica has
replayed the primary's WAL up to where it was when the run started.
"""

import logging
import time
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

REPLICA = "replica"

logger = logging.getLogger(__name__)

_reads_on_replica = ContextVar("reads_on_replica", default=False)


class PrimaryReplicaRouter:
    """Reads on the replica inside ``replica_reads()``; everything else on the primary."""

    def db_for_read(self, model, **hints):
        return REPLICA if _reads_on_replica.get() else DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        # Even for a row read from the replica: Django would otherwise save it where it came from.
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


def replica_configured():
    return REPLICA in settings.DATABASES


def _pin_key(user_id):
    return f"replica-pin:{user_id}"


def user_pin_to_primary(user):
    """After ``user``'s write: their reads stay on the primary for the pin's window."""
    cache.set(_pin_key(user.pk), True, timeout=settings.DATABASE_REPLICA_PIN_SECONDS)


def user_pinned_to_primary(user):
    """Whether ``user`` wrote within the pin's window."""
    return user is not None and user.is_authenticated and cache.get(_pin_key(user.pk), False)


def primary_position():
    """The primary's WAL position now (``pg_current_wal_lsn``); ``None`` without a replica."""
    if not replica_configured():
        return None
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        return cursor.fetchone()[0]


def replica_replayed(position, *, timeout):
    """Whether the replica has replayed the WAL up to ``position``, waiting up to ``timeout``
    seconds for it. A server not in recovery (a promoted replica) is never behind."""
    deadline = time.monotonic() + timeout
    with connections[REPLICA].cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT NOT pg_is_in_recovery() OR pg_last_wal_replay_lsn() >= %s::pg_lsn", [position]
            )
            if cursor.fetchone()[0]:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)


def _use_replica(user, fresh_as_of):
    if not replica_configured() or user_pinned_to_primary(user):
        return False
    # Inside a transaction on the primary, reads must see that transaction's own writes.
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return False
    # A replica that is down (restarting, rebuilding) costs its readers speed, not answers.
    try:
        connections[REPLICA].ensure_connection()
    except DatabaseError:
        logger.warning("The replica cannot be reached; reading on the primary")
        return False
    if fresh_as_of is not None:
        return replica_replayed(fresh_as_of, timeout=settings.DATABASE_REPLICA_CATCH_UP_SECONDS)
    return True


@contextmanager
def replica_reads(*, user=None, fresh_as_of=None):
    """Reads inside go to the replica, if there is one and it may answer: not for ``user`` pinned
    after a write, and (given ``fresh_as_of``, a WAL position from ``primary_position``) only once
    the replica has replayed up to it, else on the primary. Yields whether it is the replica."""
    on_replica = _use_replica(user, fresh_as_of)
    token = _reads_on_replica.set(on_replica)
    try:
        yield on_replica
    finally:
        _reads_on_replica.reset(token)


def pulled_from_replica(rows, *, user=None):
    """``rows``, a lazy iterator, pulled with its reads inside ``replica_reads``.

    For a streamed response, whose rows are read after the view has returned and so outside
    any ``with`` in it. The choice is made now, at the request; each row is pulled inside it.
    """
    return _pulled(iter(rows), _use_replica(user, None))


def _pulled(rows, on_replica):
    while True:
        token = _reads_on_replica.set(on_replica)
        try:
            row = next(rows)
        except StopIteration:
            return
        finally:
            _reads_on_replica.reset(token)
        yield row
