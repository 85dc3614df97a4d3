"""``webhooks/``: clinic admins register, change and deactivate their clinics' endpoints, and
read each one's delivery log (SPEC §4 Webhooks). An endpoint is never deleted."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from patients import policy
from webhooks.models import Delivery, Endpoint, EventType
from webhooks.selectors import delivery_list, endpoint_list
from webhooks.services import SECRET_MIN_LENGTH, endpoint_register, endpoint_update

from .serializers import MemberClinicField, StrictModelSerializer
from .views import ScopedViewSet


class EndpointSerializer(StrictModelSerializer):
    clinic = MemberClinicField(help_text="The clinic's code; one of yours, set at registration.")
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices),
        min_length=1,
        max_length=len(EventType.values),
        help_text="The event types sent to this endpoint.",
    )
    secret = serializers.CharField(
        write_only=True,
        required=False,
        min_length=SECRET_MIN_LENGTH,
        max_length=200,
        help_text="The HMAC key of the signatures; generated when left out, and shown only in the 201 answer.",
    )

    class Meta:
        model = Endpoint
        fields = ["id", "clinic", "url", "events", "active", "secret", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        fixed_fields = ["clinic"]
        extra_kwargs = {"url": {"help_text": "An http or https URL the events are POSTed to."}}


class EndpointCreatedSerializer(EndpointSerializer):
    secret = serializers.CharField(
        help_text="The HMAC key of the signatures: keep it, it is not shown again."
    )


class DeliverySerializer(serializers.ModelSerializer):
    event = serializers.UUIDField(source="event.id", read_only=True, help_text="The event's id (Webhook-Id).")
    type = serializers.ChoiceField(source="event.type", choices=EventType.choices, read_only=True)
    occurred_at = serializers.DateTimeField(source="event.occurred_at", read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "event",
            "type",
            "occurred_at",
            "status",
            "attempts",
            "last_attempt_at",
            "last_status_code",
            "last_error",
            "next_attempt_at",
            "delivered_at",
        ]
        read_only_fields = fields


class EndpointViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Webhook endpoints of your clinics (clinic admins). No DELETE: deactivate with ``active: false``."""

    serializer_class = EndpointSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    role_policy = dict.fromkeys(
        ("list", "create", "retrieve", "partial_update", "deliveries"), policy.may_manage_webhooks
    )

    selector = staticmethod(endpoint_list)

    @extend_schema(responses={201: EndpointCreatedSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        endpoint = endpoint_register(by=request.user, **serializer.validated_data)
        return Response(
            EndpointCreatedSerializer(endpoint).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": self.record_url(endpoint.pk)},
        )

    def partial_update(self, request, *args, **kwargs):
        endpoint = self.get_object()
        serializer = self.get_serializer(endpoint, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        endpoint = endpoint_update(endpoint=endpoint, **serializer.validated_data)
        return Response(self.get_serializer(endpoint).data)

    @extend_schema(responses=DeliverySerializer(many=True))
    @action(detail=True, methods=["get"], serializer_class=DeliverySerializer)
    def deliveries(self, request, pk=None):
        page = self.paginate_queryset(delivery_list(self.get_object()))
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)
