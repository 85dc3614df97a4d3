"""Email backends for tests, including ones a real worker process loads by dotted path."""

import json
import os
import time
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


class FailingBackend(BaseEmailBackend):
    """Every send fails, as an unreachable SMTP server would."""

    def send_messages(self, email_messages):
        raise OSError("SMTP server unreachable")


class JsonLinesBackend(BaseEmailBackend):
    """Appends one JSON line per message to ``$TEST_EMAIL_FILE``, so a test can count them.

    With ``$TEST_EMAIL_DELAY`` seconds set, it first touches ``$TEST_EMAIL_FILE.sending``
    and waits — a window in which a test can kill the worker mid-delivery.
    """

    def send_messages(self, email_messages):
        path = Path(os.environ["TEST_EMAIL_FILE"])
        delay = float(os.environ.get("TEST_EMAIL_DELAY", "0"))
        if delay:
            path.with_suffix(".sending").touch()
            time.sleep(delay)
        with path.open("a") as out:
            for message in email_messages:
                out.write(json.dumps({"to": message.to, "subject": message.subject}) + "\n")
        return len(email_messages)
