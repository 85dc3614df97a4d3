"""Two-factor sign-in (SPEC §5): an authenticator app (TOTP) with single-use recovery codes.

django-otp keeps the devices, checks the codes (each TOTP code once, each recovery code once)
and slows down guessing (each wrong code doubles the wait before the next try). This module
decides who must use a second factor and what a half-signed-in session has to do next.
"""

import enum
import math
import re
from base64 import b32encode

import segno
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import ngettext
from django_otp import devices_for_user, verify_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from patients.models import role_of

RECOVERY_CODE_COUNT = 10
AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_CODES_NAME = "Recovery codes"

WRONG_CODE = "That code is not right. Type the 6-digit code your authenticator app shows now, or one of your unused recovery codes."


class PendingStep(enum.Enum):
    """What a session signed in with a password alone must do before anything else (the page's URL name)."""

    VERIFY = "accounts:two_factor_verify"
    ENROL = "accounts:two_factor"


def two_factor_required(user):
    """Whether ``user``'s role is one of ``MFA_REQUIRED_ROLES`` (a superuser counts as "superuser")."""
    required = set(settings.MFA_REQUIRED_ROLES)
    if user.is_superuser and "superuser" in required:
        return True
    # Loaded onto the user once: the page header and the roles policy ask for the role again.
    prefetch_related_objects([user], "groups")
    role = role_of(user)
    return role is not None and role.value in required


def authenticator_of(user):
    """The user's confirmed authenticator app, or ``None``: two-factor sign-in is on when there is one."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def pending_step_of(user):
    """The second step this request's user still owes, or ``None`` when they may go anywhere.

    ``user`` is ``request.user`` (django-otp's middleware tells whether the session is verified).
    """
    if not user.is_authenticated or user.is_verified():
        return None
    if TOTPDevice.objects.devices_for_user(user, confirmed=True).exists():
        return PendingStep.VERIFY
    if two_factor_required(user):
        return PendingStep.ENROL
    return None


def recovery_codes_left(user):
    return StaticToken.objects.filter(device__user=user).count()


def second_factor_check(*, user, code):
    """The device that accepts ``code``, or a ``ValidationError`` that says why not.

    Six digits are a code from the authenticator app; anything else is tried as a recovery code
    (and used up). Choosing by shape, rather than trying both, keeps a mistyped app code from
    counting as a wrong guess against the recovery codes as well.
    """
    code = _normalized(code)
    if re.fullmatch(r"[0-9]{6}", code):
        device = authenticator_of(user)
    else:
        device = StaticDevice.objects.devices_for_user(user, confirmed=True).first()
    if device is None:
        raise ValidationError(WRONG_CODE, code="invalid")
    return _verified(user=user, device=device, code=code)


def authenticator_enrolment_start(*, user):
    """The unconfirmed authenticator the enrolment page shows.

    The same one until it is confirmed, so that reloading the page does not change a secret the
    user may already have scanned.
    """
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).order_by("-pk").first()
    return device or TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)


@transaction.atomic
def authenticator_confirm(*, user, device, code):
    """Turn two-factor sign-in on once ``code`` shows the app holds the secret; returns the recovery codes.

    Raises ``ValidationError`` for a wrong code.
    """
    device = _verified(user=user, device=device, code=_normalized(code))
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.devices_for_user(user, confirmed=False).delete()
    return recovery_codes_replace(user=user)


@transaction.atomic
def recovery_codes_replace(*, user):
    """Ten new single-use recovery codes; the old ones stop working.

    The codes change, not the device: a session verified with a recovery code stays verified.
    """
    # Two requests at once (a double click) must not leave the user with two sets of codes.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    device, _ = StaticDevice.objects.get_or_create(user=user, defaults={"name": RECOVERY_CODES_NAME})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def two_factor_turn_off(*, user):
    """The user's own choice to sign in with a password alone: refused where their role requires two factors."""
    if two_factor_required(user):
        raise PermissionDenied("Your role requires two-factor sign-in.")
    two_factor_reset(user=user)


@transaction.atomic
def two_factor_reset(*, user):
    """Remove the authenticator and the recovery codes.

    Sessions verified with them are no longer verified: where the role requires two factors,
    the next request goes to enrolment. Returns the number of devices removed.
    """
    removed = 0
    for device in devices_for_user(user, confirmed=None):
        device.delete()
        removed += 1
    return removed


def authenticator_secret(device):
    """The secret in base32, in groups of four, for typing into an app by hand (apps ignore the spaces)."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def authenticator_qr_svg(device):
    """The provisioning URI as an inline SVG QR code: drawn here, no external service sees the secret."""
    qr = segno.make(device.config_url, error="m")
    return qr.svg_inline(scale=5, dark="#000", light="#fff", title="QR code for your authenticator app")


def _normalized(code):
    """Codes as people type them: spaces or dashes between groups, recovery codes in capitals."""
    return "".join(str(code).split()).replace("-", "").lower()


def _verified(*, user, device, code):
    allowed, details = device.verify_is_allowed()
    if not allowed:
        wait = max(math.ceil((details["locked_until"] - timezone.now()).total_seconds()), 1)
        raise ValidationError(
            ngettext(
                "Too many wrong codes in a row. Wait %(seconds)d second, then try again.",
                "Too many wrong codes in a row. Wait %(seconds)d seconds, then try again.",
                wait,
            ),
            code="throttled",
            params={"seconds": wait},
        )
    verified = verify_token(user, device.persistent_id, code)
    if verified is None:
        raise ValidationError(WRONG_CODE, code="invalid")
    return verified
