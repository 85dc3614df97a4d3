"""Errors of the API beyond DRF's own, and the handler that maps domain errors onto them."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from rest_framework import exceptions, status
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from patients.concurrency import EditedMeanwhile


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


def exception_handler(exc, context):
    """DRF's handler, plus: a service's ``ValidationError`` is a 400 with messages by field, and
    its ``EditedMeanwhile`` (the record is no longer at the ``If-Match`` version) a 412.

    An ``IntegrityError`` is a 400 too: input is validated before it reaches the database, so
    this only catches what slips past (such as a race to take the same MRN) — never a 500.
    """
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, EditedMeanwhile):
        exc = PreconditionFailed()
    elif isinstance(exc, IntegrityError):
        exc = exceptions.ValidationError({"non_field_errors": ["This conflicts with an existing record."]})
    return drf_exception_handler(exc, context)
