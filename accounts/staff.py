"""Staff management by clinic admins (SPEC §5): who they may see and change, and the changes.

A clinic admin manages the staff whose every clinic membership is among the admin's own
clinics: deactivating someone who also works at another clinic would lock them out of that
clinic too, which is not this admin's call. Such shared staff are listed (they see the admin's
patients) but read-only, and every action on them answers 404, as for anyone outside. Nobody
manages a superuser here, nor themselves: superusers are managed in the Django admin, and an
admin who could deactivate themselves or remove their own second factor from a hijacked session
would need no second admin to notice. Superusers manage every other account.

Each write checks the role and the scope itself, so the pages are not the only guard, and
leaves a trail: an entry in the Django admin's history of the user (``LogEntry``, the admin's
own record of who changed an account) and a log line, neither with any patient data.
"""

import logging
from dataclasses import dataclass
from functools import reduce
from operator import or_

from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404, HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp import device_classes

from patients.models import Clinic, Role, StaffMembership, role_of
from patients.services import role_parse, staff_enrol

from .two_factor import two_factor_reset

log = logging.getLogger(__name__)

USERNAME_TAKEN = "This username is already taken; choose another."


def may_manage_staff(user):
    """Clinic admins and superusers (SPEC §4: "manage staff of their own clinics")."""
    return user.is_authenticated and (user.is_superuser or role_of(user) == Role.ADMIN)


def staff_manager_require(by):
    """PermissionDenied (403) unless ``by`` manages staff: the role comes before the scope."""
    if not may_manage_staff(by):
        raise PermissionDenied


# Reads ---------------------------------------------------------------------------------------


def staff_visible_to(by):
    """The accounts ``by`` sees on the staff list: members of their clinics (everyone for a superuser)."""
    users = get_user_model().objects.all()
    if by.is_superuser:
        return users
    return users.filter(
        Exists(StaffMembership.objects.filter(user=OuterRef("pk"), clinic__in=Clinic.objects.of(by)))
    )


def staff_manageable_by(by):
    """The accounts ``by`` may change: the one scoping rule of every staff action (module docstring)."""
    users = get_user_model().objects.filter(is_superuser=False).exclude(pk=by.pk)
    if by.is_superuser:
        return users
    memberships = StaffMembership.objects.filter(user=OuterRef("pk"))
    return users.filter(Exists(memberships)).exclude(
        Exists(memberships.exclude(clinic__in=Clinic.objects.of(by)))
    )


def staff_locked_out(user):
    """Whether django-axes refuses this username's sign-in now (its own rule: failures, limit, cool-off)."""
    return AxesProxyHandler.is_locked(HttpRequest(), credentials={"username": user.username})


def _locked_out_usernames(users):
    # Only a username with failures on record can be locked: ask axes about those alone.
    usernames = {user.username for user in users}
    with_failures = set(
        AccessAttempt.objects.filter(username__in=usernames).values_list("username", flat=True)
    )
    return {user.username for user in users if user.username in with_failures and staff_locked_out(user)}


@dataclass(frozen=True)
class StaffRow:
    user: object
    role: str
    clinics: list
    other_clinics: int
    two_factor: bool
    locked_out: bool
    read_only_reason: str | None


def role_label(user):
    if user.is_superuser:
        return "Superuser"
    role = role_of(user)
    return role.label if role else "No role"


def _read_only_reason(*, by, user):
    if user.manageable:
        return None
    if user.pk == by.pk:
        return "This is you: another clinic admin manages your account."
    if user.is_superuser:
        return "Superusers are managed in the Django admin."
    return "Also works at a clinic you are not in: a superuser manages this account."


def staff_rows(*, by, users):
    """What the staff list shows of each account of ``users`` (from ``staff_list``).

    A clinic admin sees the names of their own clinics only; another clinic is just counted.
    """
    users = list(users)
    own_clinic_ids = set(Clinic.objects.of(by).values_list("pk", flat=True))
    locked = _locked_out_usernames(users)
    rows = []
    for user in users:
        clinics = [m.clinic for m in user.clinic_memberships.all()]
        shown = [c for c in clinics if c.pk in own_clinic_ids]
        rows.append(
            StaffRow(
                user=user,
                role=role_label(user),
                clinics=shown,
                other_clinics=len(clinics) - len(shown),
                two_factor=user.two_factor,
                locked_out=user.username in locked,
                read_only_reason=_read_only_reason(by=by, user=user),
            )
        )
    return rows


def staff_list(*, by):
    """The accounts ``by`` sees, with what the list shows, in a fixed number of queries."""
    staff_manager_require(by)
    confirmed_device = reduce(
        or_, (Exists(model.objects.filter(user=OuterRef("pk"), confirmed=True)) for model in device_classes())
    )
    return (
        staff_visible_to(by)
        .annotate(
            two_factor=confirmed_device,
            manageable=Exists(staff_manageable_by(by).filter(pk=OuterRef("pk"))),
        )
        .prefetch_related(
            "groups",
            Prefetch(
                "clinic_memberships",
                queryset=StaffMembership.objects.select_related("clinic").order_by("clinic__code"),
            ),
        )
        .order_by("username")
    )


def staff_history(*, user, limit=10):
    """The latest changes made to ``user``'s account (the staff pages' and the Django admin's)."""
    return (
        LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(user), object_id=str(user.pk))
        .select_related("user")
        .order_by("-action_time")[:limit]
    )


def staff_manageable(*, by, pk, for_update=False):
    """The account ``pk`` if ``by`` may change it: 403 for a role that manages nobody, else 404.

    ``for_update`` locks the row, so two admins' actions on one account happen one after the other.
    """
    staff_manager_require(by)
    users = staff_manageable_by(by)
    try:
        return (users.select_for_update() if for_update else users).get(pk=pk)
    except get_user_model().DoesNotExist:
        raise Http404("No staff member you manage has this id.") from None


# Writes --------------------------------------------------------------------------------------


def _trail(*, by, user, flag, message):
    LogEntry.objects.log_actions(user_id=by.pk, queryset=[user], action_flag=flag, change_message=message)
    log.info("staff: %s (user id %s) by %s: %s", user.username, user.pk, by.username, message)


def _set_password_link(*, user, site_url):
    path = reverse(
        "accounts:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return site_url.rstrip("/") + path


@transaction.atomic
def staff_create(*, by, username, first_name, last_name, email, role, clinic, site_url):
    """Create a staff account in one of ``by``'s clinics and email its owner a set-password link.

    Nobody but the owner ever knows the password: the account starts with an unusable one, and
    the link (``default_token_generator``: single use, valid ``PASSWORD_RESET_TIMEOUT``) lets
    them choose it. The email is sent inside the transaction: if it cannot be sent, no account
    is left behind that nobody can sign in to. ``site_url`` is the site's root URL, for the link.
    """
    staff_manager_require(by)
    role = role_parse(role)
    if not Clinic.objects.of(by).filter(pk=clinic.pk).exists():
        raise Http404("No clinic of yours has this id.")
    User = get_user_model()
    # Case-insensitively, as Django's own user-creation form does: "Nora" next to "nora" misleads.
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": [USERNAME_TAKEN]})
    user = User(username=username, first_name=first_name, last_name=last_name, email=email)
    user.set_unusable_password()
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from None
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # the same username taken by a concurrent request since the check above
        raise ValidationError({"username": [USERNAME_TAKEN]}) from None
    staff_enrol(user=user, role=role, clinic=clinic)
    context = {
        "user": user,
        "role": role.label,
        "clinic": clinic,
        "link": _set_password_link(user=user, site_url=site_url),
        "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
    }
    try:
        send_mail(
            render_to_string("accounts/staff/welcome_email_subject.txt", context).strip(),
            render_to_string("accounts/staff/welcome_email.txt", context),
            None,
            [user.email],
        )
    except OSError as exc:
        log.warning("staff: the set-password email for a new account could not be sent: %s", exc)
        raise ValidationError(
            "The email with the set-password link could not be sent, so the account was not created. "
            "Try again later; if it keeps failing, ask IT to check the mail server."
        ) from None
    _trail(by=by, user=user, flag=ADDITION, message=f"Created as {role.label} at {clinic.name}.")
    return user


@transaction.atomic
def staff_deactivate(*, by, user):
    """Stop an account signing in; its API tokens are revoked on this save (``accounts.signals``)."""
    user = staff_manageable(by=by, pk=user.pk, for_update=True)
    if not user.is_active:
        raise ValidationError(f"{user.username} is already deactivated.")
    user.is_active = False
    user.save(update_fields=["is_active"])
    _trail(by=by, user=user, flag=CHANGE, message="Deactivated.")
    return user


@transaction.atomic
def staff_reactivate(*, by, user):
    user = staff_manageable(by=by, pk=user.pk, for_update=True)
    if user.is_active:
        raise ValidationError(f"{user.username} is already active.")
    user.is_active = True
    user.save(update_fields=["is_active"])
    _trail(by=by, user=user, flag=CHANGE, message="Reactivated.")
    return user


@transaction.atomic
def staff_two_factor_reset(*, by, user):
    """Remove every two-factor device (authenticator, recovery codes) of a user who lost theirs.

    Where their role requires two-factor sign-in, they set it up again at their next sign-in.
    Returns the number of devices removed.
    """
    user = staff_manageable(by=by, pk=user.pk, for_update=True)
    removed = two_factor_reset(user=user)
    if not removed:
        raise ValidationError(f"{user.username} has no two-factor sign-in to reset.")
    _trail(by=by, user=user, flag=CHANGE, message="Two-factor sign-in reset.")
    return removed


@transaction.atomic
def staff_unlock(*, by, user):
    """Lift a login lockout now, rather than after the cool-off (SPEC §5). Returns the attempts cleared."""
    user = staff_manageable(by=by, pk=user.pk, for_update=True)
    if not staff_locked_out(user):
        raise ValidationError(f"{user.username} is not locked out.")
    cleared = axes_reset(username=user.username)
    _trail(by=by, user=user, flag=CHANGE, message="Unlocked after failed sign-ins.")
    return cleared
