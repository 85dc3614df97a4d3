"""Logging filters: what the application's log may carry (SPEC §5: no patient, no secret)."""

import logging
import re


class OmitClientErrorTracebacks(logging.Filter):
    """Drop the traceback from the record of a 4xx response.

    Django logs one with a refused permission (403) and a suspicious request (400): the
    client's mistake needs no stack, and a traceback can quote what the code was handling.
    """

    def filter(self, record):
        if 400 <= getattr(record, "status_code", 0) < 500:
            record.exc_info = None
            record.exc_text = None
        return True


class HideDiarySecrets(logging.Filter):
    """Replace the secret of a diary link in a logged path (Django logs every 4xx and 5xx with its
    path, and a diary's path is its secret: SPEC §5, no secret in the log)."""

    DIARY_PATH = re.compile(r"/diary/[^/\s]+")

    def filter(self, record):
        if isinstance(record.args, tuple):
            record.args = tuple(
                self.DIARY_PATH.sub("/diary/<secret>", arg) if isinstance(arg, str) else arg
                for arg in record.args
            )
        if isinstance(record.msg, str):
            record.msg = self.DIARY_PATH.sub("/diary/<secret>", record.msg)
        return True
