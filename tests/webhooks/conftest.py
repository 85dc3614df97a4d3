"""A receiving server for the webhook tests, and the worker tests' services fixture."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.support.workers import private_redis, services  # noqa: F401
from webhooks.signing import signature_of


class Receiver:
    """An HTTP server in a thread on a free port of 127.0.0.1 that records every POST.

    ``answer`` is the status it answers with; ``hold`` an event it waits for before answering
    (a receiver that hangs mid-delivery). ``stop()`` and ``start()`` again keep the port.
    """

    def __init__(self):
        self.received, self.answer, self.hold, self.port, self.server = [], 200, None, 0, None

    def start(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({"headers": dict(self.headers), "body": body})
                if receiver.hold is not None:
                    receiver.hold.wait(60)
                self.send_response(receiver.answer)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/hooks"

    def events(self, secret):
        """The events received, each checked against its signature as a receiver would."""
        events = []
        for request in self.received:
            headers, body = request["headers"], request["body"]
            expected = signature_of(
                secret=secret,
                event_id=headers["Webhook-Id"],
                timestamp=headers["Webhook-Timestamp"],
                body=body,
            )
            assert headers["Webhook-Signature"] == expected
            event = json.loads(body)
            assert event["id"] == headers["Webhook-Id"]
            events.append(event)
        return events


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    if server.hold is not None:
        server.hold.set()
    server.stop()
