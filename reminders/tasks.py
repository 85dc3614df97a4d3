"""Thin Celery tasks over the reminder services; safe to run twice."""

import logging

from celery import shared_task
from kombu.exceptions import OperationalError

from patients.clock import clinic_today

from .delivery import reminder_deliver
from .sweep import reminder_sweep

logger = logging.getLogger(__name__)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
    soft_time_limit=60,
    time_limit=90,
)
def deliver_reminder(reminder_id):
    reminder_deliver(reminder_id=reminder_id)


@shared_task(soft_time_limit=240, time_limit=300)
def sweep_reminders():
    reminder_sweep(today=clinic_today())


def queue_delivery(reminder_ids):
    """Queue a delivery task per reminder. With the broker down, log and move on: the reminders
    stay pending in the database and the next sweep queues them again."""
    for reminder_id in reminder_ids:
        try:
            deliver_reminder.delay(reminder_id)
        except OperationalError:
            logger.warning(
                "Broker unavailable; %d reminders stay pending for the next sweep", len(reminder_ids)
            )
            return
