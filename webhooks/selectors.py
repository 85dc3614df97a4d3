"""Reads of the webhooks: scoped to the clinics of the user."""

from .models import Delivery, Endpoint


def endpoint_list(user):
    return Endpoint.objects.visible_to(user).select_related("clinic")


def delivery_list(endpoint):
    """The delivery log of ``endpoint``, newest first."""
    return (
        Delivery.objects.filter(endpoint=endpoint)
        .select_related("event")
        .order_by("-event__occurred_at", "-id")
    )
