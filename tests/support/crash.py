"""The crash an Idempotency-Key must survive: the server process dies after the request's
transaction has committed and before the response is sent.

Test-only: ``tests.support.crash_settings`` installs the middleware; production settings never do.
"""

import os
import signal

from rest_framework import status


class DieAfterCommitMiddleware:
    """Outermost, so the view (and its transaction) has finished: a successful POST with a key
    kills its own process instead of answering."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.method == "POST"
            and "Idempotency-Key" in request.headers
            and status.is_success(response.status_code)
        ):
            os.kill(os.getpid(), signal.SIGKILL)
        return response
