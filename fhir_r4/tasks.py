"""Thin Celery tasks over the Bulk Data export; safe to run twice."""

import logging

from celery import shared_task
from django.utils import timezone
from kombu.exceptions import OperationalError

from .export import RUNNING_ELSEWHERE_RETRY, export_run, exports_expire

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def run_export(self, job_id):
    if not export_run(job_id):
        raise self.retry(countdown=RUNNING_ELSEWHERE_RETRY)


@shared_task
def expire_exports():
    exports_expire(timezone.now())


def queue_export(job):
    """Send the export to the worker; ``False`` if the broker cannot be reached."""
    try:
        run_export.delay(str(job.pk))
    except OperationalError:
        logger.warning("Broker unavailable; FHIR export %s not started", job.pk)
        return False
    return True
