"""The clinic's Celery app for a test's export worker, whose exports hold still mid-run.

Test-only (``celery -A tests.support.held_export worker``; nothing else imports it): a long
export in seconds, where a real one would need a network too big to build in a test. Once a run
has written its first resource type, each progress check of the run (``_heartbeat``) touches
``$TEST_EXPORT_HOLD.running`` and waits while the file ``$TEST_EXPORT_HOLD`` exists (a minute
at most). The export is really running in the worker's one process the whole time.
"""

import os
import time
from pathlib import Path

import django

from clinic.celery import app  # noqa: F401  (the worker's app; it names the settings)

django.setup()

from fhir_r4 import export  # noqa: E402  (models load once Django is set up)

HOLD_AT_MOST_SECONDS = 60
_heartbeat = export._heartbeat


def _held_heartbeat(job, progress):
    hold = Path(os.environ["TEST_EXPORT_HOLD"])
    hold.with_suffix(".running").touch()
    deadline = time.monotonic() + HOLD_AT_MOST_SECONDS
    while hold.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    _heartbeat(job, progress)


export._heartbeat = _held_heartbeat
