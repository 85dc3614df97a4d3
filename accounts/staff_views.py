"""The staff pages for clinic admins (SPEC §5): the list, a new account, and four actions.

Each page asks ``accounts.staff``, which checks the role (403 for nurses and physios) and the
scope (404 for an account the user may not manage) itself; the pages only lay out the answer.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from patients.forms import add_service_errors
from patients.models import Clinic

from . import staff
from .staff_forms import StaffCreateForm

STAFF_PER_PAGE = 50


def _name(user):
    full_name = user.get_full_name()
    return f"{full_name} ({user.username})" if full_name else user.username


@login_required
def staff_list(request):
    staff.staff_manager_require(request.user)
    page = Paginator(staff.staff_list(by=request.user), STAFF_PER_PAGE).get_page(request.GET.get("page"))
    rows = staff.staff_rows(by=request.user, users=page)
    return render(request, "accounts/staff/list.html", {"page": page, "rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def staff_new(request):
    staff.staff_manager_require(request.user)
    form = StaffCreateForm(request.POST or None, clinics=Clinic.objects.of(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            user = staff.staff_create(
                by=request.user, site_url=request.build_absolute_uri("/"), **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"Account {user.username} created for {user.get_full_name()}. A link to choose a "
                f"password was emailed to {user.email}; it works once.",
            )
            return redirect("accounts:staff_list")
    return render(request, "accounts/staff/form.html", {"form": form})


@dataclass(frozen=True)
class StaffAction:
    """What the confirmation page of an action says, and the service that does it."""

    service: Callable
    title: str
    explanation: str
    button: str
    done: str


ACTIONS = {
    "deactivate": StaffAction(
        service=staff.staff_deactivate,
        title="Deactivate account",
        explanation=(
            "{name} will no longer be able to sign in, their open sessions end, and their API tokens "
            "stop working at once. Nothing they recorded changes. You can reactivate the account later."
        ),
        button="Deactivate",
        done="{name} is deactivated: they can no longer sign in, and their API tokens no longer work.",
    ),
    "reactivate": StaffAction(
        service=staff.staff_reactivate,
        title="Reactivate account",
        explanation="{name} will be able to sign in again with their password, in the same role and clinics.",
        button="Reactivate",
        done="{name} is active again and can sign in.",
    ),
    "two_factor_reset": StaffAction(
        service=staff.staff_two_factor_reset,
        title="Reset two-factor sign-in",
        explanation=(
            "Use this when {name} has lost their authenticator and recovery codes. Their authenticator "
            "and recovery codes are removed; they set up two-factor sign-in again after their next "
            "sign-in with their password (where their role requires it, before anything else)."
        ),
        button="Reset two-factor sign-in",
        done="Two-factor sign-in of {name} is reset: they set it up again after their next sign-in.",
    ),
    "unlock": StaffAction(
        service=staff.staff_unlock,
        title="Unlock sign-in",
        explanation=(
            "{name} is locked out after repeated failed sign-ins. Unlock only when you know it was "
            "them (for example, they phoned you): the failed attempts are cleared and they can sign "
            "in again now rather than when the lockout ends."
        ),
        button="Unlock",
        done="{name} is unlocked and can sign in again now.",
    ),
}


@login_required
@require_http_methods(["GET", "POST"])
def staff_action(request, pk, action):
    """A confirmation page in words (GET) and the action itself (POST, with CSRF)."""
    action = ACTIONS[action]
    member = staff.staff_manageable(by=request.user, pk=pk)
    problem = None
    if request.method == "POST":
        try:
            action.service(by=request.user, user=member)
        except ValidationError as exc:
            problem = " ".join(exc.messages)
        else:
            messages.success(request, action.done.format(name=_name(member)))
            return redirect("accounts:staff_list")
    [row] = staff.staff_rows(by=request.user, users=staff.staff_list(by=request.user).filter(pk=member.pk))
    context = {
        "action": action,
        "explanation": action.explanation.format(name=_name(member)),
        "row": row,
        "problem": problem,
        "history": staff.staff_history(user=member),
    }
    return render(request, "accounts/staff/confirm.html", context, status=409 if problem else 200)
