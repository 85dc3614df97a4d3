"""API token authentication: django-rest-knox's tokens, checked in one query."""

from hmac import compare_digest

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox import auth
from knox.crypto import hash_token
from knox.models import AuthToken
from knox.settings import CONSTANTS
from rest_framework import exceptions


class TokenAuthentication(auth.TokenAuthentication):
    """knox's token check without its clean-up of the user's other tokens on every request.

    knox reads all of the user's tokens on each request to delete the expired ones: a second
    query per request, for what a sign-in does anyway (``api.auth.api_token_issue`` purges the
    user's expired tokens). Here an expired token is refused like any unknown one, and left for
    that purge. The token is checked as knox checks it: its live records with the same key, the
    digest compared in constant time, the user active.
    """

    def authenticate_credentials(self, token):
        token = token.decode("utf-8")
        digest = hash_token(token)
        live = AuthToken.objects.filter(
            token_key=token[: CONSTANTS.TOKEN_KEY_LENGTH], expiry__gt=timezone.now()
        ).select_related("user")
        for auth_token in live:
            if compare_digest(digest, auth_token.digest):
                return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed(_("Invalid token."))


class TokenScheme(KnoxTokenScheme):
    """The OpenAPI schema describes these tokens as knox's (drf-spectacular matches the class exactly)."""

    target_class = "api.authentication.TokenAuthentication"
