"""Errors of the API beyond DRF's own, and the handler that maps domain errors onto them."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from rest_framework import exceptions, status
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from patients.concurrency import EditedMeanwhile
from patients.services import EnteredInErrorConflict


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the record's current state."
    default_code = "conflict"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = (
        "The record has changed since you read it (If-Match does not match its ETag); read it again."
    )
    default_code = "precondition_failed"


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = (
        "This server takes changes only with If-Match: read the record, then send its ETag as If-Match."
    )
    default_code = "precondition_required"


class IdempotencyKeyInUse(Conflict):
    default_detail = (
        "A request with this Idempotency-Key is still being processed; retry once it has finished."
    )
    default_code = "idempotency_key_in_use"


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = (
        "This Idempotency-Key was used for another request (its method, path or body differ); "
        "use a new key for a new request."
    )
    default_code = "idempotency_key_reused"


class RateLimited(exceptions.Throttled):
    default_detail = "Too many requests with these credentials (the limit is per token and per minute)."
    extra_detail_singular = "Try again in {wait} second."
    extra_detail_plural = "Try again in {wait} seconds."


def exception_handler(exc, context):
    """DRF's handler, plus: a service's ``ValidationError`` is a 400 with messages by field (409 for a
    change that a record's being entered in error refuses), and
    its ``EditedMeanwhile`` (the record is no longer at the ``If-Match`` version) a 412, and a
    throttled request a 429 that says so in words (``Retry-After`` gives the seconds).

    An ``IntegrityError`` is a 400 too: input is validated before it reaches the database, so
    this only catches what slips past (such as a race to take the same MRN) — never a 500.
    """
    if isinstance(exc, EnteredInErrorConflict):
        exc = Conflict(exc.messages[0])
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, EditedMeanwhile):
        exc = PreconditionFailed()
    elif isinstance(exc, IntegrityError):
        exc = exceptions.ValidationError({"non_field_errors": ["This conflicts with an existing record."]})
    elif isinstance(exc, exceptions.Throttled) and not isinstance(exc, RateLimited):
        exc = RateLimited(exc.wait)
    return drf_exception_handler(exc, context)
