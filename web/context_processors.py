"""What every page's header shows: the user's clinics, role and open reminders.

Lazy, so a page that never shows the header (an htmx fragment) costs no query for it.
"""

from django.utils.functional import SimpleLazyObject

from accounts.two_factor import pending_step_of
from patients import policy
from patients.models import Clinic, role_of
from reminders.selectors import open_reminders_of


def _role_label(user):
    if user.is_superuser:
        return "Superuser"
    role = role_of(user)
    return role.label if role else "No role"


def staff(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Set by accounts' middleware before a view; a page no view answered (an unknown URL's 404)
    # asks here.
    if not hasattr(request, "pending_second_factor"):
        request.pending_second_factor = pending_step_of(user)
    if request.pending_second_factor:
        return {"pending_second_factor": True}
    return {
        "staff_clinics": SimpleLazyObject(lambda: list(Clinic.objects.of(user))),
        "staff_role": SimpleLazyObject(lambda: _role_label(user)),
        "open_reminder_count": SimpleLazyObject(lambda: open_reminders_of(user).count()),
        "may_run_reports": SimpleLazyObject(lambda: policy.may_run_reports(user)),
    }
