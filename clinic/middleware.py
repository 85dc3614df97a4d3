"""Response headers the whole site shares (SPEC §5 "Responses")."""

from django.utils.cache import add_never_cache_headers


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
