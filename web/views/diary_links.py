"""Issuing and revoking a patient's diary link from their page (SPEC §7)."""

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from diary.services import diary_link_issue, diary_link_revoke
from patients import policy
from patients.selectors import patient_list

from .shared import render_patient_page, require, staff_user


def diary_qr_svg(url):
    """The link as an inline SVG QR code, drawn here: no other service ever sees the secret."""
    svg = segno.make(url, error="m").svg_inline(
        scale=6, dark="#000", light="#fff", title="QR code of the diary link", omitsize=True
    )
    return mark_safe(svg)


@login_required
@require_POST
def diary_link(request, pk):
    user = staff_user(request)
    patient = get_object_or_404(patient_list(user), pk=pk)
    require(policy.may_issue_diary_link(user))
    if request.POST.get("action") == "revoke":
        ended = diary_link_revoke(patient=patient, by=user)
        messages.success(
            request,
            "The diary link was revoked: it no longer opens the diary."
            if ended
            else "There was no diary link to revoke.",
        )
        return redirect("web:patient_dashboard", pk=patient.pk)
    try:
        link, secret = diary_link_issue(patient=patient, by=user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("web:patient_dashboard", pk=patient.pk)
    url = request.build_absolute_uri(reverse("web:diary", args=[secret]))
    context = {"patient": patient, "link": link, "url": url, "qr": diary_qr_svg(url)}
    return render_patient_page(request, patient, "web/diary_link.html", context)
