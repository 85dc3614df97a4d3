"""The Celery queues: each kind of background work on a queue of its own, so that a long FHIR
Bulk Data export or a hanging webhook receiver never holds up a reminder email.

The names derive from ``CELERY_TASK_DEFAULT_QUEUE`` (``celery`` unless set), which keeps test
runs and deployments sharing one Redis apart: ``celery`` (housekeeping and anything not named
below), ``celery.reminders``, ``celery.email``, ``celery.webhooks``, ``celery.exports``. The
router reads the default queue when a task is sent, not when the settings load, so a test that
moves its process to a private queue moves every derived queue with it.
"""

from celery import current_app

REMINDERS, EMAIL, WEBHOOKS, EXPORTS = "reminders", "email", "webhooks", "exports"
KINDS = (REMINDERS, EMAIL, WEBHOOKS, EXPORTS)

KIND_OF_TASK = {
    "reminders.tasks.sweep_reminders": REMINDERS,
    # The only task that sends mail.
    "reminders.tasks.send_reminder_digest": EMAIL,
    "webhooks.tasks.deliver_webhook": WEBHOOKS,
    "webhooks.tasks.sweep_webhooks": WEBHOOKS,
    "fhir_r4.tasks.run_export": EXPORTS,
}


def queue_name(default_queue, kind=None):
    """The queue of ``kind`` (``None``: the default queue itself)."""
    return default_queue if kind is None else f"{default_queue}.{kind}"


def queue_names(default_queue, kinds=(None, *KINDS)):
    """The queues a worker consuming ``kinds`` listens to, comma-separated as ``celery worker -Q`` takes them."""
    return ",".join(queue_name(default_queue, kind) for kind in kinds)


def route_task(name, args, kwargs, options, task=None, **extra):
    """``CELERY_TASK_ROUTES``: the task's queue, or ``None`` (the default queue)."""
    kind = KIND_OF_TASK.get(name)
    if kind is None:
        return None
    app = task.app if task is not None else current_app
    return {"queue": queue_name(app.conf.task_default_queue, kind)}
