"""What every response goes through: the headers the whole site shares (SPEC §5 "Responses"),
and the pin of a user's reads to the primary after their write."""

from django.utils.cache import add_never_cache_headers

from .db_router import replica_configured, user_pin_to_primary

SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")


class NoStoreMiddleware:
    """Tells browsers and proxies to keep no copy of any response whose view set no cache policy.

    Patient data is in nearly every response — pages, htmx fragments, the API, CSV exports,
    even a form's error page — so the rule is site-wide rather than per view, and a new view
    cannot forget it. Static files never reach this middleware: WhiteNoise answers them first,
    with their long cache.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response


class ReplicaPinMiddleware:
    """Pins a user's reads to the primary after any write of theirs that succeeded
    (``clinic.db_router``), so that a report read next never lacks what they just wrote.

    Acts on the response: by then DRF has authenticated a token's user too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            replica_configured()
            and request.method not in SAFE_METHODS
            and response.status_code < 400
            and request.user.is_authenticated
        ):
            user_pin_to_primary(request.user)
        return response
