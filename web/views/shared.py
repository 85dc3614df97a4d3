"""What the pages of every area share: the permission check, the user, htmx, the patient's page."""

from django.core.exceptions import PermissionDenied
from django.db.models import prefetch_related_objects
from django.shortcuts import get_object_or_404, render

from audit.models import AccessAction
from audit.services import access_record
from patients import selectors as patient_selectors
from patients.concurrency import record_version


def require(allowed):
    """403 unless the roles policy allows it (asked only once the record is known to be visible)."""
    if not allowed:
        raise PermissionDenied


def staff_user(request):
    """The request's user with their groups loaded once: the policy asks for the role per record."""
    user = request.user
    if user.is_authenticated:
        prefetch_related_objects([user], "groups")
    return user


def keep_typed_over(form, current, message):
    """A save held back over someone else's change made meanwhile: keep what the user typed, say
    ``message``, and let the next save (based on ``current``) replace the other person's."""
    form.data = form.data.copy()
    form.data["version"] = record_version(current)
    form.add_error(None, message)


def is_htmx(request):
    return request.headers.get("HX-Request") == "true"


def patient_or_404(request, pk):
    """A valid patient of the user's clinics, or 404: records are added only to those."""
    return get_object_or_404(patient_selectors.patient_list(request.user).valid(), pk=pk)


def render_patient_page(request, patient, template, context, *, status=None):
    """A page showing ``patient``'s data; the read is written to the access log (SPEC §5)."""
    response = render(request, template, context, status=status)
    access_record(request=request, action=AccessAction.PATIENT_READ, patient_ids=[patient.pk])
    return response
