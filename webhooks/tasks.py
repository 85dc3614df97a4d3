"""Thin Celery tasks over the webhook deliveries; safe to run twice."""

import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone
from kombu.exceptions import OperationalError

from .delivery import deliveries_lost, delivery_attempt
from .models import DeliveryStatus

logger = logging.getLogger(__name__)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.WEBHOOK_TIMEOUT_SECONDS + 20,
    time_limit=settings.WEBHOOK_TIMEOUT_SECONDS + 30,
)
def deliver_webhook(delivery_id):
    delivery = delivery_attempt(delivery_id=delivery_id)
    if delivery is not None and delivery.status == DeliveryStatus.PENDING:
        countdown = max((delivery.next_attempt_at - timezone.now()).total_seconds(), 0)
        queue_deliveries([delivery.pk], countdown=countdown)


@shared_task(soft_time_limit=240, time_limit=300)
def sweep_webhooks():
    queue_deliveries(deliveries_lost(now=timezone.now()))


def queue_deliveries(delivery_ids, countdown=0):
    """Queue a task per delivery. With the broker down, log and move on: the deliveries stay
    pending in the database and the sweep queues them again."""
    for delivery_id in delivery_ids:
        try:
            deliver_webhook.apply_async((delivery_id,), countdown=countdown)
        except OperationalError:
            logger.warning("Broker unavailable; %d webhook deliveries wait for the sweep", len(delivery_ids))
            return
