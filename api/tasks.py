"""The API's periodic housekeeping (CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from .idempotency import idempotency_keys_expire


@shared_task
def expire_idempotency_keys():
    return idempotency_keys_expire()
