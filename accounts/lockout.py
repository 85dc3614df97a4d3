"""Login lockout with django-axes: what is counted, and what a locked-out sign-in is told (SPEC §5)."""

import math

from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.db.models import Max
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone

from clinic.http import is_api_request


def lockout_parameters(request, credentials):
    """One counter per username, across every sign-in path.

    Never by address: SPEC §5 keeps other usernames from the same address unaffected (a ward's
    shared computer must not lock out every nurse on it because one mistyped a password).
    Axes warns (axes.W006) about a static list without the address; it does not about a
    callable, where this reason can be given.
    """
    return ["username"]


def lockout_response(request, original_response, credentials):
    """``AXES_LOCKOUT_CALLABLE``: a 429 in the API's words under /api/, a page everywhere else.

    Axes calls it from its middleware for any view that called ``authenticate(request=...)``
    with a locked-out username, so the page logins need nothing of their own.
    """
    minutes = round(get_cool_off(request).total_seconds() / 60)
    message = (
        f"Too many failed sign-in attempts for this username; try again in {minutes} minutes "
        "or ask a clinic admin to unlock it."
    )
    if is_api_request(request):
        response = JsonResponse({"detail": message}, status=429)
    else:
        response = render(request, "accounts/locked_out.html", {"message": message}, status=429)
    response["Retry-After"] = str(seconds_until_unlocked(request=request, credentials=credentials))
    return response


def seconds_until_unlocked(*, request, credentials):
    """Until the username's last counted failure is a cool-off old: when the lockout ends at the latest.

    Failures during the lockout are not counted (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT is
    off), so waiting does end it.
    """
    username = get_client_username(request, credentials)
    last_failure = AccessAttempt.objects.filter(username=username).aggregate(last=Max("attempt_time"))["last"]
    unlocked_at = (last_failure or timezone.now()) + get_cool_off(request)
    return max(0, math.ceil((unlocked_at - timezone.now()).total_seconds()))
