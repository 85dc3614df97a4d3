"""The signature of a delivery (SPEC §4): ``v1=`` and the hex HMAC-SHA256, keyed with the
endpoint's secret, of ``"{id}.{timestamp}.{body}"``. A receiver recomputes it, compares in
constant time, refuses an old timestamp and dedupes by the id."""

import hashlib
import hmac
import secrets


def secret_generate():
    return f"whsec_{secrets.token_urlsafe(32)}"


def signature_of(*, secret, event_id, timestamp, body):
    signed = f"{event_id}.{timestamp}.".encode() + body
    return "v1=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
