"""Clinic admins' webhook pages: their clinics' endpoints with a form to register one (its
secret shown once), and each endpoint's page to change or deactivate it, with its delivery log."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from patients import policy
from patients.forms import add_service_errors
from patients.models import Clinic
from webhooks.selectors import delivery_list, endpoint_list
from webhooks.services import endpoint_register, endpoint_update

from ..forms import WebhookForm
from .shared import require, staff_user

DELIVERIES_PER_PAGE = 50


@never_cache
@sensitive_post_parameters("secret")
@login_required
def webhook_list(request):
    user = staff_user(request)
    require(policy.may_manage_webhooks(user))
    form = WebhookForm(request.POST or None, clinics=Clinic.objects.of(user))
    created = None
    if form.is_valid():
        try:
            created = endpoint_register(by=user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            form = WebhookForm(clinics=Clinic.objects.of(user))
    status = 400 if form.errors else 201 if created else 200
    context = {"endpoints": endpoint_list(user), "form": form, "created": created}
    return render(request, "web/webhooks.html", context, status=status)


@login_required
def webhook_page(request, pk):
    user = staff_user(request)
    endpoint = get_object_or_404(endpoint_list(user), pk=pk)
    require(policy.may_manage_webhooks(user))
    initial = {"url": endpoint.url, "events": endpoint.events, "active": endpoint.active}
    form = WebhookForm(request.POST or None, initial=initial)
    if form.is_valid():
        try:
            endpoint_update(endpoint=endpoint, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Endpoint saved.")
            return redirect("web:webhook_page", pk=endpoint.pk)
    page = Paginator(delivery_list(endpoint), DELIVERIES_PER_PAGE).get_page(request.GET.get("page"))
    context = {"endpoint": endpoint, "form": form, "page": page}
    return render(request, "web/webhook_page.html", context, status=400 if form.errors else 200)
