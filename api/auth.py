"""Signing in to the API: tokens issued, listed and revoked (SPEC §4 "Auth endpoints", §5).

Tokens are django-rest-knox's: stored as digests, expiring ``API_TOKEN_TTL_HOURS`` after sign-in.
The password is checked through django-axes like every other sign-in, so one lockout counter
per username covers the pages and the API.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from knox import views as knox_views
from knox.models import AuthToken
from rest_framework import generics, status
from rest_framework.parsers import FormParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from . import serializers
from .parsers import JSONParser
from .schema import DETAIL

NOT_A_TOKEN = (
    "This revokes the API token the request is made with: send it as `Authorization: Token <token>`. "
    "A browser session ends with the pages' Log out button."
)


def api_token_list(*, user):
    """The user's tokens that still work, newest first."""
    return AuthToken.objects.filter(user=user, expiry__gte=timezone.now()).order_by("-created")


@transaction.atomic
def api_token_issue(*, user):
    """A new ``(token record, token)`` for ``user``, revoking the oldest beyond API_TOKENS_PER_USER.

    knox's own TOKEN_LIMIT_PER_USER refuses the sign-in over the limit instead; SPEC §5 lets it
    succeed, so that a client that lost its token is never shut out of the API for a clinic day.
    Expired tokens are purged on the way.
    """
    # Two sign-ins of one user at once must not both count four tokens and both add one.
    get_user_model().objects.select_for_update().get(pk=user.pk)
    kept = api_token_list(user=user).values_list("digest", flat=True)[: settings.API_TOKENS_PER_USER - 1]
    AuthToken.objects.filter(user=user).exclude(digest__in=list(kept)).delete()
    return AuthToken.objects.create(user=user)


LOCKED_OUT = OpenApiResponse(
    DETAIL,
    description="Too many failed sign-ins for this username, whatever the password; "
    "`Retry-After` gives the seconds left.",
)
RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    OpenApiTypes.INT,
    OpenApiParameter.HEADER,
    response=[429],
    description="Seconds until the username may sign in again.",
)


class TokenView(APIView):
    """Exchange a username and password for a new token to send as ``Authorization: Token <token>``."""

    authentication_classes = []
    permission_classes = [AllowAny]
    parser_classes = [JSONParser, FormParser]

    @extend_schema(
        request=serializers.CredentialsSerializer,
        responses={200: serializers.TokenSerializer, 429: LOCKED_OUT},
        parameters=[RETRY_AFTER],
        auth=[],
        description=f"A new token on every sign-in; beyond {settings.API_TOKENS_PER_USER} the user's "
        "oldest token stops working. Failed sign-ins count towards the username's lockout, "
        "shared with the pages' sign-in.",
    )
    def post(self, request):
        # django-axes marks the request it is given as locked out, and its middleware (which
        # turns that mark into the 429) sees only Django's request, not DRF's wrapper of it.
        credentials = serializers.CredentialsSerializer(
            data=request.data, context={"request": request._request}
        )
        credentials.is_valid(raise_exception=True)
        user = credentials.validated_data["user"]
        record, token = api_token_issue(user=user)
        # As a page sign-in does: axes clears the username's failures, Django sets last_login.
        user_logged_in.send(sender=type(user), request=request._request, user=user)
        return Response(serializers.TokenSerializer({"token": token, "expiry": record.expiry}).data)


class LogoutView(knox_views.LogoutView):
    """Revoke the token the request is made with; the user's other tokens keep working."""

    # A browser session is authenticated too, so that it hears why it cannot do this (400)
    # rather than a bare 401.
    authentication_classes = api_settings.DEFAULT_AUTHENTICATION_CLASSES

    @extend_schema(
        request=None,
        responses={
            204: OpenApiResponse(description="The token is revoked."),
            400: OpenApiResponse(
                DETAIL, description="The request was made with a browser session, not a token."
            ),
        },
    )
    def post(self, request, format=None):
        if not isinstance(request.auth, AuthToken):
            return Response({"detail": NOT_A_TOKEN}, status=status.HTTP_400_BAD_REQUEST)
        return super().post(request, format)


class TokenListView(generics.ListAPIView):
    """The requesting user's tokens that still work: when each was issued and when it expires."""

    serializer_class = serializers.LiveTokenSerializer
    # At most API_TOKENS_PER_USER rows.
    pagination_class = None
    filter_backends = []

    def get_queryset(self):
        return api_token_list(user=self.request.user)
