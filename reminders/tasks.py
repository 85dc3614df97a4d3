"""Thin Celery tasks over the reminder services; safe to run twice."""

import logging

from celery import shared_task
from django.db import OperationalError as DatabaseOperationalError
from kombu.exceptions import OperationalError

from patients.clock import clinic_today

from .delivery import reminder_digest_send
from .sweep import reminder_sweep

logger = logging.getLogger(__name__)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    # An unreachable mail server, or the database choosing this digest as a deadlock's victim.
    autoretry_for=(OSError, DatabaseOperationalError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
    soft_time_limit=60,
    time_limit=90,
)
def send_reminder_digest(user_id):
    reminder_digest_send(user_id=user_id, today=clinic_today())


@shared_task(soft_time_limit=240, time_limit=300)
def sweep_reminders():
    reminder_sweep(today=clinic_today())


def queue_digests(user_ids):
    """Queue a digest task per recipient. With the broker down, log and move on: the reminders
    stay unannounced in the database and the next sweep queues their digests again."""
    for user_id in user_ids:
        try:
            send_reminder_digest.delay(user_id)
        except OperationalError:
            logger.warning("Broker unavailable; %d digests wait for the next sweep", len(user_ids))
            return
