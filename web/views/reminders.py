"""The reminders inbox: what is addressed to the user, acknowledged with one press (htmx or not)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from audit.models import AccessAction
from audit.services import access_record
from patients import policy
from patients.clock import clinic_today
from reminders.models import OPEN_STATUSES, Reminder, ReminderStatus
from reminders.selectors import inbox_counts, reminders_addressed_to
from reminders.services import reminder_acknowledge

from .. import presenters
from .shared import is_htmx, require

REMINDERS_PER_PAGE = 50
# What a reminder's row shows besides the reminder: its patient, subject and who acknowledged it.
ROW_RELATED = ("patient", "referral", "device", "fall", "acknowledged_by")
# The inbox's tabs: the statuses each shows, in its order (open: soonest due first).
TABS = {
    "open": (OPEN_STATUSES, ("due_on", "id")),
    "acknowledged": ((ReminderStatus.ACKNOWLEDGED,), ("-acknowledged_at", "-id")),
    "resolved": ((ReminderStatus.RESOLVED,), ("-resolved_at", "-id")),
}


@login_required
def reminder_inbox(request):
    today = clinic_today()
    show = request.GET.get("show") if request.GET.get("show") in TABS else "open"
    statuses, order = TABS[show]
    reminders = (
        reminders_addressed_to(request.user)
        .select_related(*ROW_RELATED)
        .filter(status__in=statuses)
        .order_by(*order)
    )
    page = Paginator(reminders, REMINDERS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [presenters.reminder_row(reminder, today=today) for reminder in page]
    context = {"page": page, "rows": rows, "show": show, "today": today, "counts": inbox_counts(request.user)}
    response = render(request, "web/reminder_inbox.html", context)
    access_record(
        request=request,
        action=AccessAction.PATIENT_LIST,
        patient_ids={row.reminder.patient_id for row in rows},
    )
    return response


@login_required
@require_POST
def reminder_ack(request, pk):
    reminder = get_object_or_404(Reminder.objects.valid().visible_to(request.user), pk=pk)
    require(policy.may_acknowledge_reminder(request.user, reminder))
    reminder = reminder_acknowledge(reminder=reminder, by=request.user)
    if is_htmx(request):
        reminder = Reminder.objects.select_related(*ROW_RELATED).get(pk=reminder.pk)
        # The row, and out of band the header's open count and the tabs' counts.
        context = {
            "row": presenters.reminder_row(reminder, today=clinic_today()),
            "swap_count": True,
            "show": "open",
            "counts": inbox_counts(request.user),
        }
        # The row shown again names the patient: a read like the inbox's.
        access_record(request=request, action=AccessAction.PATIENT_READ, patient_ids=[reminder.patient_id])
        return render(request, "web/_reminder_row.html", context)
    if reminder.status == ReminderStatus.RESOLVED:
        messages.success(request, "This reminder had already resolved itself: its reason has gone.")
    else:
        messages.success(request, "Reminder acknowledged.")
    return redirect("web:reminder_inbox")
