"""API v1 views: validate the input, call one service, serialize the result.

Every queryset is a read function of its app (``<app>.selectors``), scoped by
``visible_to(request.user)``, so a record of another clinic is a 404 on every route; the roles
table is asked through ``RolePolicy``.
"""

import hashlib
from functools import cached_property

import orjson
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseNotModified
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.http import parse_etags
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from assessments.models import TrendReview
from assessments.selectors import assessment_list, trend_review_list
from assessments.services import assessment_record, assessment_update, trend_review_record
from audit.models import AccessAction
from audit.services import access_record, patient_ids_of
from care.selectors import device_list, fall_list, medication_list, plan_list, referral_list
from care.services import (
    TransitionNotAllowed,
    device_prescribe,
    device_review,
    device_update,
    fall_record,
    fall_update,
    medication_record,
    medication_update,
    plan_prescribe,
    plan_update,
    referral_create,
    referral_transition,
    referral_update,
)
from clinical_rules.selectors import patient_list_with_follow_up
from clinical_rules.trends import patient_trends
from diary.selectors import diary_entry_list
from diary.services import diary_link_issue, diary_link_revoke
from patients import policy
from patients.clock import clinic_today
from patients.concurrency import record_lock
from patients.models import Clinic
from patients.selectors import patient_list
from patients.services import patient_create, patient_update, record_mark_entered_in_error
from reminders.selectors import reminder_list
from reminders.services import reminder_acknowledge

from . import filters, serializers
from .exceptions import Conflict, PreconditionRequired
from .idempotency import IdempotentPostMixin
from .permissions import RolePolicy

ENCODER = JSONEncoder()
PATIENT_IN_PATH = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The patient's id.")
REVIEW_IN_PATH = OpenApiParameter("review_id", int, OpenApiParameter.PATH, description="The review's id.")


def etag_of(data):
    """A strong ETag: a hash of the representation, so any change a client could see changes it
    (a derived field such as ``next_assessment_due`` too). Encoded by orjson, with DRF's encoder
    for what orjson does not know (decimals, lazy text): a page of 50 assessments in 0.2 ms
    against ``json``'s 1 ms."""
    body = orjson.dumps(data, default=ENCODER.default, option=orjson.OPT_SORT_KEYS)
    return f'"{hashlib.sha256(body).hexdigest()[:32]}"'


def etags_in_if_match(request):
    """The ETags ``If-Match`` names, as the versions ``record_lock`` accepts; ``None`` (no check)
    without it or for ``*``. ``If-Match`` compares strongly (RFC 9110 §13.1.1): a weak ETag matches nothing.
    Without it, ``PreconditionRequired`` (428) when ``API_REQUIRE_IF_MATCH`` is on.
    """
    if_match = request.headers.get("If-Match")
    if if_match is None:
        if settings.API_REQUIRE_IF_MATCH:
            raise PreconditionRequired()
        return None
    etags = parse_etags(if_match)
    if etags == ["*"]:
        return None
    return {etag for etag in etags if not etag.startswith("W/")}


def if_none_match_holds(request, etag):
    """Whether ``If-None-Match`` names ``etag`` (or is ``*``): the client's copy is current.

    The comparison is weak (RFC 9110 §13.1.2): ``W/"x"`` matches ``"x"``. A value that is no
    list of entity-tags names nothing, so the full response is sent.
    """
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is None:
        return False
    etags = parse_etags(if_none_match)
    return etags == ["*"] or any(tag.removeprefix("W/") == etag for tag in etags)


class ScopedViewSet(IdempotentPostMixin, viewsets.GenericViewSet):
    """Records of the user's clinics, read by ``selector(user)``.

    Every record, list page and trends answer carries an ETag; a GET whose ``If-None-Match``
    names it answers 304 without a body (the read is still access-logged: the client holds the data).
    """

    permission_classes = [IsAuthenticated, RolePolicy]
    role_policy = {}
    record_policy = {}

    def get_queryset(self):
        return self.selector(self.request.user)

    def filter_queryset(self, queryset):
        # Filters are for lists: a record is found by id whatever the query string says.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def finalize_response(self, request, response, *args, **kwargs):
        if response.status_code in (200, 201) and isinstance(getattr(response, "data", None), dict):
            response["ETag"] = etag_of(response.data)
            if request.method in ("GET", "HEAD") and if_none_match_holds(request, response["ETag"]):
                response = HttpResponseNotModified(headers={"ETag": response["ETag"]})
        return super().finalize_response(request, response, *args, **kwargs)

    def record_url(self, pk):
        """The record's path, the ``Location`` of a create."""
        return reverse(f"api:{self.basename}-detail", kwargs={"pk": pk})

    def record_response(self, pk, status_code=status.HTTP_200_OK):
        """The record as a fresh read shows it, with its derived fields."""
        return Response(self.get_serializer(self.get_queryset().get(pk=pk)).data, status=status_code)


class AccessLoggedReads(mixins.ListModelMixin):
    """Lists and retrieves of patient data, each written to the access log (SPEC §5).

    A list records its query and the patients of the page it answered; a retrieve, the record's
    patient. Both record only once the answer is ready: a 400 or a 404 records nothing.
    """

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        access_record(
            request=request,
            action=AccessAction.PATIENT_LIST,
            patient_ids=self.listed_patient_ids(self.paginator.page.object_list),
        )
        return response

    def listed_patient_ids(self, page):
        """The patients a list read: those of the records on its page."""
        return patient_ids_of(page)

    def retrieve(self, request, *args, **kwargs):
        record = self.get_object()
        response = Response(self.get_serializer(record).data)
        access_record(request=request, action=AccessAction.PATIENT_READ, patient_ids=patient_ids_of([record]))
        return response


class ClinicalRecordViewSet(AccessLoggedReads, ScopedViewSet):
    """List, create, retrieve and PATCH a kind of clinical record, and mark one entered in error.

    There is no PUT and no DELETE (405): a record is never deleted, only marked entered in
    error. Subclasses call their services in ``create_record(data)`` and
    ``update_record(record, data)``.
    """

    record_policy = {"entered_in_error": policy.may_mark_entered_in_error}

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = self.create_record(serializer.validated_data)
        response = self.record_response(record.pk, status.HTTP_201_CREATED)
        response["Location"] = self.record_url(record.pk)
        return response

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "If-Match",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="The ETag the change is based on; 412 if the record has changed since.",
            )
        ]
    )
    def partial_update(self, request, *args, **kwargs):
        with transaction.atomic():
            # A stale ETag is a 412 before the body is looked at, even when the body is invalid.
            # The version compared is the ETag of the record as this request would show it now.
            record = record_lock(
                self.get_object(),
                expected_version=etags_in_if_match(request),
                version=lambda current: etag_of(self.get_serializer(self.get_object()).data),
            )
            serializer = self.get_serializer(record, data=request.data, partial=True)
            serializer.is_valid(raise_exception=True)
            # The row stays locked until this transaction ends: the service's own check would be the same one.
            self.update_record(record, serializer.validated_data)
        return self.record_response(record.pk)

    @extend_schema(request=serializers.EnteredInErrorSerializer)
    @action(detail=True, methods=["post"], url_path="entered-in-error")
    def entered_in_error(self, request, pk=None, **kwargs):
        """Mark the record entered in error: it leaves lists, trends and reports but is kept."""
        record = self.get_object()
        serializer = serializers.EnteredInErrorSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record_mark_entered_in_error(
            record=record, by=request.user, reason=serializer.validated_data["reason"]
        )
        return self.record_response(record.pk)


class ClinicViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The clinics you are a member of."""

    selector = staticmethod(Clinic.objects.of)
    serializer_class = serializers.ClinicSerializer
    lookup_field = "code"
    lookup_value_regex = r"[-\w]+"


class PatientViewSet(ClinicalRecordViewSet):
    """Patients of your clinics, with their follow-up state. Nurses and admins register and edit them."""

    serializer_class = serializers.PatientSerializer
    filterset_class = filters.PatientFilter
    secret_answer_actions = ("diary_link",)
    role_policy = {
        "create": policy.may_edit_patient,
        "partial_update": policy.may_edit_patient,
        "diary_link": policy.may_issue_diary_link,
    }

    def get_queryset(self):
        # Trends work out the follow-up themselves, from the records they load anyway.
        if self.action == "trends":
            return patient_list(self.request.user)
        return patient_list_with_follow_up(self.request.user, today=clinic_today())

    def create_record(self, data):
        return patient_create(created_by=self.request.user, **data)

    def update_record(self, record, data):
        return patient_update(patient=record, by=self.request.user, **data)

    @extend_schema(responses=serializers.TrendsSerializer)
    @action(detail=True)
    def trends(self, request, pk=None):
        """Strength trends per muscle group and side, declines, falls and guidance (SPEC §3)."""
        # ``patient_trends`` answers plain JSON-ready data in the shape TrendsSerializer
        # documents; running it through the nested serializers cost more than the rest of
        # the request (benchmarks/README.md). tests/api hold the shape to the schema.
        patient = self.get_object()
        response = Response(patient_trends(patient, today=clinic_today()))
        access_record(request=request, action=AccessAction.TRENDS, patient_ids=[patient.pk])
        return response

    @extend_schema(
        request=serializers.DiaryLinkRequestSerializer,
        responses={201: serializers.DiaryLinkSerializer, 204: None},
        description=(
            "POST issues a diary link for an active patient (SPEC §7): 201 with its address, "
            "valid 120 days; the patient's previous link stops working. DELETE ends the link "
            "(204, also when there was none). 409 for a discharged patient or one marked entered in error."
        ),
    )
    @action(detail=True, methods=["post", "delete"], url_path="diary-link")
    def diary_link(self, request, pk=None):
        patient = self.get_object()
        if request.method == "DELETE":
            diary_link_revoke(patient=patient, by=request.user)
            return Response(status=status.HTTP_204_NO_CONTENT)
        serializers.DiaryLinkRequestSerializer(data=request.data).is_valid(raise_exception=True)
        try:
            link, secret = diary_link_issue(patient=patient, by=request.user)
        except ValidationError as exc:
            raise Conflict(exc.messages[0]) from exc
        url = request.build_absolute_uri(reverse("web:diary", args=[secret]))
        return Response({"url": url, "expires_on": link.expires_on}, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(parameters=[PATIENT_IN_PATH]),
    retrieve=extend_schema(parameters=[PATIENT_IN_PATH, REVIEW_IN_PATH]),
    create=extend_schema(parameters=[PATIENT_IN_PATH]),
    entered_in_error=extend_schema(parameters=[PATIENT_IN_PATH, REVIEW_IN_PATH]),
)
class TrendReviewViewSet(ClinicalRecordViewSet):
    """A patient's trend reviews: clinicians' sign-offs of their findings, each of the patient's
    latest assessment when it was made. Never changed; a mistaken one is marked entered in error."""

    serializer_class = serializers.TrendReviewSerializer
    filterset_class = filters.TrendReviewFilter
    lookup_url_kwarg = "review_id"
    role_policy = {"create": policy.may_record_trend_review}

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # A patient outside the user's clinics is a 404 before the body is looked at (a method
        # the route does not have stays a 405, and OPTIONS describes the route as for any id).
        if self.action not in (None, "metadata"):
            self.patient  # noqa: B018

    @cached_property
    def patient(self):
        return get_object_or_404(patient_list(self.request.user), pk=self.kwargs["pk"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no patient
            return TrendReview.objects.none()
        return trend_review_list(self.request.user).filter(patient=self.patient)

    def listed_patient_ids(self, page):
        # The patient is in the path, not the query: even an empty page is a read of their reviews.
        return [self.patient.pk]

    def create_record(self, data):
        return trend_review_record(patient=self.patient, by=self.request.user, **data)

    def record_url(self, pk):
        return reverse("api:patient-review", kwargs={"pk": self.patient.pk, "review_id": pk})


class AssessmentViewSet(ClinicalRecordViewSet):
    """MMT assessments, each with its scores (one per muscle group and side), written in one request."""

    selector = staticmethod(assessment_list)
    serializer_class = serializers.AssessmentSerializer
    filterset_class = filters.AssessmentFilter
    role_policy = {"create": policy.may_record_assessment, "partial_update": policy.may_record_assessment}

    def create_record(self, data):
        return assessment_record(assessor=self.request.user, **data)

    def update_record(self, record, data):
        return assessment_update(assessment=record, by=self.request.user, **data)


class FallViewSet(ClinicalRecordViewSet):
    """Falls and near-falls."""

    selector = staticmethod(fall_list)
    serializer_class = serializers.FallSerializer
    filterset_class = filters.FallFilter
    role_policy = {"create": policy.may_record_fall, "partial_update": policy.may_record_fall}

    def create_record(self, data):
        return fall_record(recorded_by=self.request.user, **data)

    def update_record(self, record, data):
        return fall_update(fall=record, by=self.request.user, **data)


class DeviceViewSet(ClinicalRecordViewSet):
    """Assistive-device prescriptions with their reviews. Physios and admins prescribe, edit and review them."""

    selector = staticmethod(device_list)
    serializer_class = serializers.DeviceSerializer
    filterset_class = filters.DeviceFilter
    role_policy = {
        "create": policy.may_prescribe_device,
        "partial_update": policy.may_prescribe_device,
        "review": policy.may_review_device,
    }

    def create_record(self, data):
        return device_prescribe(prescribed_by=self.request.user, **data)

    def update_record(self, record, data):
        return device_update(device=record, by=self.request.user, **data)

    @extend_schema(request=serializers.DeviceReviewSerializer, responses=serializers.DeviceSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        """Record a review of an active device: its review_due_on becomes next_review_due_on."""
        device = self.get_object()
        serializer = serializers.DeviceReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        device_review(device=device, by=request.user, **serializer.validated_data)
        return self.record_response(device.pk)

    @extend_schema(
        request=serializers.EnteredInErrorSerializer,
        responses=serializers.DeviceSerializer,
        parameters=[
            OpenApiParameter("review_id", int, OpenApiParameter.PATH, description="The review's id.")
        ],
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"reviews/(?P<review_id>[0-9]+)/entered-in-error",
        url_name="review-entered-in-error",
    )
    def review_entered_in_error(self, request, pk=None, review_id=None):
        """Mark one of the device's reviews entered in error. The device's review_due_on goes back
        to what it was before that review, unless a later review or an edit has moved it since."""
        review = get_object_or_404(self.get_object().reviews.all(), pk=review_id)
        if not policy.may_mark_entered_in_error(request.user, review):
            raise PermissionDenied
        serializer = serializers.EnteredInErrorSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record_mark_entered_in_error(
            record=review, by=request.user, reason=serializer.validated_data["reason"]
        )
        return self.record_response(review.device_id)


class MedicationViewSet(ClinicalRecordViewSet):
    """Medication events: starts, dose changes and stops of the medicines that matter to strength and walking."""

    selector = staticmethod(medication_list)
    serializer_class = serializers.MedicationSerializer
    filterset_class = filters.MedicationFilter
    role_policy = {"create": policy.may_record_medication, "partial_update": policy.may_record_medication}

    def create_record(self, data):
        return medication_record(recorded_by=self.request.user, **data)

    def update_record(self, record, data):
        return medication_update(medication=record, by=self.request.user, **data)


class ExercisePlanViewSet(ClinicalRecordViewSet):
    """Exercise plans. Physios and admins prescribe and change them; nurses read them."""

    selector = staticmethod(plan_list)
    serializer_class = serializers.ExercisePlanSerializer
    filterset_class = filters.ExercisePlanFilter
    role_policy = {"create": policy.may_prescribe_plan, "partial_update": policy.may_prescribe_plan}

    def create_record(self, data):
        return plan_prescribe(prescribed_by=self.request.user, **data)

    def update_record(self, record, data):
        return plan_update(plan=record, by=self.request.user, **data)


class ReferralViewSet(ClinicalRecordViewSet):
    """Referrals with their status history; the status moves only through ``transition``."""

    selector = staticmethod(referral_list)
    serializer_class = serializers.ReferralSerializer
    filterset_class = filters.ReferralFilter
    role_policy = {
        "create": policy.may_manage_referral,
        "partial_update": policy.may_manage_referral,
        "transition": policy.may_manage_referral,
    }

    def create_record(self, data):
        return referral_create(created_by=self.request.user, **data)

    def update_record(self, record, data):
        return referral_update(referral=record, by=self.request.user, **data)

    @extend_schema(request=serializers.TransitionSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Move the referral's status; a move SPEC §2 does not allow is a 409 naming both states."""
        referral = self.get_object()
        serializer = serializers.TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            referral_transition(
                referral=referral, to_status=serializer.validated_data["status"], by=request.user
            )
        except TransitionNotAllowed as exc:
            raise Conflict(str(exc)) from exc
        return self.record_response(referral.pk)


class DiaryEntryViewSet(AccessLoggedReads, ScopedViewSet):
    """Patients' diary entries (SPEC §7), read-only: the patient writes them through their diary link."""

    selector = staticmethod(diary_entry_list)
    serializer_class = serializers.DiaryEntrySerializer
    filterset_class = filters.DiaryEntryFilter


class ReminderViewSet(AccessLoggedReads, ScopedViewSet):
    """Follow-up reminders of your clinics' patients, resolved ones too; none about a record entered
    in error (resolved, they drop out like the record)."""

    selector = staticmethod(reminder_list)
    serializer_class = serializers.ReminderSerializer
    filterset_class = filters.ReminderFilter
    record_policy = {"acknowledge": policy.may_acknowledge_reminder}

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        """Acknowledge a reminder addressed to you (again, or once it has resolved itself: no change).
        Takes no body fields."""
        reminder = self.get_object()
        serializers.AcknowledgeSerializer(data=request.data).is_valid(raise_exception=True)
        reminder = reminder_acknowledge(reminder=reminder, by=request.user)
        return self.record_response(reminder.pk)
