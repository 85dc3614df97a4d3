"""Nothing before the second factor: a session signed in with a password alone goes to its next step.

A middleware rather than a decorator on each view, so that every page, the Django admin and
the API's session access are covered, including views added later; only the pages needed to
finish (or abandon) signing in are open.
"""

from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.urls import reverse
from knox.settings import knox_settings
from rest_framework.authentication import get_authorization_header

from clinic.http import is_api_request, is_fhir_request, operation_outcome_response

from .two_factor import pending_step_of

# Open whatever step is pending: signing in again, out, or resetting a forgotten password.
OPEN_VIEWS = {
    "web:login",
    "web:logout",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
    # Exchanges a username and password for a token; it never reads the session.
    "api:auth-token",
    # The FHIR CapabilityStatement is public (SPEC §6).
    "fhir:metadata",
}


class SecondFactorMiddleware:
    """Sends a session that owes its second factor to the verify page, or to enrolment when
    its role requires two factors and it has none yet. The API and the FHIR API answer 403 instead.

    Goes after django-otp's OTPMiddleware, which tells whether the session is verified.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if (is_api_request(request) or is_fhir_request(request)) and _sends_a_token(request):
            return None  # API tokens are not affected (SPEC §5); the token, not the session, signs in
        # The pages' header shows nothing of the clinic until the second step is done.
        request.pending_second_factor = step = pending_step_of(request.user)
        if step is None or request.resolver_match.view_name in OPEN_VIEWS | {step.value}:
            return None
        if is_fhir_request(request):
            return operation_outcome_response(
                403, "forbidden", "Finish signing in with your second factor first, or use an API token."
            )
        if is_api_request(request):
            return JsonResponse(
                {"detail": "Finish signing in with your second factor first, or use an API token."},
                status=403,
            )
        return redirect_to_login(request.get_full_path(), reverse(step.value))


def _sends_a_token(request):
    """Whether DRF will authenticate this request by its token alone.

    Knox comes first in DEFAULT_AUTHENTICATION_CLASSES and answers 401 for a bad token rather
    than falling back to the session, so a made-up token cannot borrow a half-signed-in session.
    The header is split as knox splits it (bytes, ASCII whitespace): ``str.split`` would also
    split at a no-break space, where knox sees another scheme and lets the session sign in.
    """
    scheme, *_ = get_authorization_header(request).split() or [b""]
    return scheme.lower() == knox_settings.AUTH_HEADER_PREFIX.lower().encode()
