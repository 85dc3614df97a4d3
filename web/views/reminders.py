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
from reminders.models import Reminder, ReminderStatus
from reminders.selectors import INBOX_TABS, inbox_counts, inbox_of, with_row_details
from reminders.services import reminder_acknowledge

from .. import presenters
from .shared import is_htmx, require

REMINDERS_PER_PAGE = 50


@login_required
def reminder_inbox(request):
    today = clinic_today()
    show = request.GET.get("show") if request.GET.get("show") in INBOX_TABS else "open"
    reminders = inbox_of(request.user, show=show)
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
    reminder = get_object_or_404(Reminder.objects.readable().visible_to(request.user), pk=pk)
    require(policy.may_acknowledge_reminder(request.user, reminder))
    reminder = reminder_acknowledge(reminder=reminder, by=request.user)
    if is_htmx(request):
        reminder = with_row_details(Reminder.objects.all()).get(pk=reminder.pk)
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
