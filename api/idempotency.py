"""Safe retries of POSTs with the ``Idempotency-Key`` header (IETF draft
"The Idempotency-Key HTTP Header Field", draft-ietf-httpapi-idempotency-key-header).

The same user, key and request (method, path with query string, body: their sha256) answer the
stored response again without running anything; the same key with another request is a 422; a
request whose key another request is still running with is a 409. Keys are kept
``API_IDEMPOTENCY_TTL`` (a day), then removed by the hourly task or when next used.
"""

import hashlib
import re

from django.db import connection, transaction
from django.http import HttpResponse
from rest_framework import exceptions, status

from .exceptions import IdempotencyKeyInUse, IdempotencyKeyReused
from .models import IdempotencyKey

HEADER = "Idempotency-Key"
KEY_MAX_LENGTH = 255
# Visible ASCII, spaces inside only: what a header carries unchanged (RFC 9110 §5.5).
KEY_PATTERN = re.compile(r"[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?")
KEY_RULE = f"1 to {KEY_MAX_LENGTH} visible ASCII characters (a UUID is a good key)"
SECRET_ANSWER = (
    "This answer holds a secret that is never stored, so it cannot be replayed: send the request "
    "without an Idempotency-Key (a retry issues a new one, which replaces the lost one)."
)
# What a replay sends again besides the body; the rest (Cache-Control, Vary) is the server's own.
REPLAYED_HEADERS = ("Content-Type", "Location", "ETag")


def idempotency_key_of(request):
    """The request's key, or ``None`` without the header; 400 for a value that cannot be one.

    The draft writes the key as a structured-field string (``"8e03978e-..."``); a bare value is
    taken as the same key.
    """
    value = request.headers.get(HEADER)
    if value is None:
        return None
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    if len(value) > KEY_MAX_LENGTH or not KEY_PATTERN.fullmatch(value):
        raise exceptions.ValidationError({HEADER: [f"An Idempotency-Key is {KEY_RULE}."]})
    return value


def request_fingerprint(request):
    """sha256 of what makes two requests the same one: method, path with query string, raw body."""
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.get_full_path().encode(), request.body):
        digest.update(part)
        digest.update(b"\0")
    return digest.hexdigest()


def advisory_lock_id(*, user, key):
    """The PostgreSQL advisory lock a request holds while it runs with this user's key (64 bits)."""
    return int.from_bytes(
        hashlib.sha256(f"idempotency:{user.pk}:{key}".encode()).digest()[:8], "big", signed=True
    )


def _hold_key(*, user, key):
    """Lock the key for the rest of the transaction; ``IdempotencyKeyInUse`` if another request holds it.

    On PostgreSQL a transaction-scoped advisory lock: released when the request's transaction
    ends, however it ends (a process killed mid-request releases it with its connection). SQLite
    has no such lock and needs none: its write transactions run one at a time, so a second
    request waits for the first and then finds its stored response.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [advisory_lock_id(user=user, key=key)])
        if not cursor.fetchone()[0]:
            raise IdempotencyKeyInUse()


def idempotency_key_claim(*, user, key, fingerprint):
    """In the request's transaction: the stored ``IdempotencyKey`` to answer with, or ``None`` to run
    the request (whose response ``idempotency_key_store`` then keeps, in the same transaction)."""
    assert transaction.get_connection().in_atomic_block, "the key must be held by the request's transaction"
    _hold_key(user=user, key=key)
    IdempotencyKey.objects.filter(user=user, key=key).expired().delete()
    stored = IdempotencyKey.objects.filter(user=user, key=key).first()
    if stored is not None and stored.fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    return stored


def idempotency_key_store(*, user, key, fingerprint, response):
    """Keep the rendered response of a request that succeeded."""
    return IdempotencyKey.objects.create(
        user=user,
        key=key,
        fingerprint=fingerprint,
        status_code=response.status_code,
        headers={name: response[name] for name in REPLAYED_HEADERS if response.has_header(name)},
        body=response.content,
    )


def idempotency_keys_expire(*, now=None):
    """Remove the keys past ``API_IDEMPOTENCY_TTL``; the number removed."""
    deleted, _ = IdempotencyKey.objects.expired(now=now).delete()
    return deleted


def replayed_response(stored):
    return HttpResponse(
        bytes(stored.body),
        status=stored.status_code,
        headers={**stored.headers, "Idempotent-Replayed": "true"},
    )


class Replay(Exception):
    """Ends a request early with the response stored under its key."""

    def __init__(self, stored):
        super().__init__(stored.key)
        self.stored = stored


class IdempotentPostMixin:
    """POSTs that carry an ``Idempotency-Key`` run at most once per user and key.

    A view mixin rather than a middleware: the key is the user's, and the user is known only
    once DRF has authenticated the request (API tokens are DRF's). ``dispatch`` wraps such a POST
    in one ``transaction.atomic``, which the services' own atomic blocks join, and stores the
    response inside it: the change and its stored response are committed together or not at all.
    A process that dies after the commit, before answering, leaves a key whose retry answers the
    stored response; one that dies before leaves nothing, and the retry runs afresh. An error
    response rolls the transaction back whole.
    """

    idempotency = None
    # Actions whose answer holds a secret the server keeps only as a hash: a stored answer would
    # keep it in clear, so they refuse a key (a retry issues a new secret, replacing the lost one).
    secret_answer_actions = ()

    def dispatch(self, request, *args, **kwargs):
        if request.method != "POST" or HEADER not in request.headers:
            return super().dispatch(request, *args, **kwargs)
        with transaction.atomic():
            response = super().dispatch(request, *args, **kwargs)
            if not status.is_success(response.status_code):
                transaction.set_rollback(True)
        return response

    def initial(self, request, *args, **kwargs):
        if request.method != "POST" or HEADER not in request.headers:
            return super().initial(request, *args, **kwargs)
        # The raw body is read before DRF's parsers consume its stream.
        fingerprint = request_fingerprint(request._request)
        super().initial(request, *args, **kwargs)
        key = idempotency_key_of(request)
        if getattr(self, "action", None) in self.secret_answer_actions:
            raise exceptions.ValidationError({HEADER: [SECRET_ANSWER]})
        stored = idempotency_key_claim(user=request.user, key=key, fingerprint=fingerprint)
        if stored is not None:
            raise Replay(stored)
        self.idempotency = {"user": request.user, "key": key, "fingerprint": fingerprint}

    def handle_exception(self, exc):
        if isinstance(exc, Replay):
            return replayed_response(exc.stored)
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # An error changed nothing (the transaction is rolled back) and keeps nothing: its retry runs afresh.
        if self.idempotency is not None and status.is_success(response.status_code):
            idempotency_key_store(**self.idempotency, response=response.render())
        return response
