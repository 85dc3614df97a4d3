"""Rate limits of the API (SPEC §4), counted in the default cache: per token, or per address
without credentials. Rates are read at each request, so a setting changed in a test applies."""

from django.conf import settings
from knox.models import AuthToken
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle


class TokenRateThrottle(SimpleRateThrottle):
    """``API_RATE_PER_MINUTE`` requests a minute per token (per user for a browser session):
    an integration with a token of its own has a budget of its own."""

    scope = "token"

    def get_rate(self):
        return f"{settings.API_RATE_PER_MINUTE}/min"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, AuthToken):
            ident = f"token:{request.auth.digest[:32]}"
        elif request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AnonymousRateThrottle(AnonRateThrottle):
    """``API_ANON_RATE_PER_MINUTE`` requests a minute per client address without credentials."""

    def get_rate(self):
        return f"{settings.API_ANON_RATE_PER_MINUTE}/min"
