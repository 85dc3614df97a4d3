"""Logging filters: what the application's log may carry (SPEC §5: no patient, no secret)."""

import logging


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
