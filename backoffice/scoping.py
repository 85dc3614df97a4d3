"""What the Django admin lets each user do (SPEC §5).

Superusers manage clinics, users and staff memberships there; clinic admins and superusers look
clinical records up. Nobody writes a clinical record through the admin: every clinical write
goes through the services of the pages and the API (validation, history, reminders). A
non-superuser sees only their clinics' records, and an id outside them answers 404, as an id
that does not exist. ``lock_down`` makes every other registered admin superuser-only, so that a
third-party app's admin stays closed to clinic admins unless it is designed otherwise.
"""

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import get_fields_from_path, unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin

from audit.models import AccessAction
from audit.services import access_record


class ScopedAdminMixin:
    """An admin clinic admins may use: its ``get_queryset`` holds only their clinics' rows.

    An id outside it answers 404 — the admin's default, a redirect to the index, would tell a
    foreign id from a missing one — and a non-superuser changes nothing.
    """

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj

    def get_changelist_instance(self, request):
        # PostgreSQL cannot compare text with a NUL in it: a filter carrying one would be a 500.
        # Django's answer to a bad lookup instead (a redirect to ``?e=1``).
        if any("\x00" in key + value for key, values in request.GET.lists() for value in values):
            raise IncorrectLookupParameters("A NUL character in the query string.")
        return super().get_changelist_instance(request)

    def get_search_results(self, request, queryset, search_term):
        # The changelist's search box is a form that refuses NUL; the autocomplete's term is not.
        if "\x00" in search_term:
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)

    def has_add_permission(self, request, *args):
        return request.user.is_superuser and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)


class SuperuserOnlyMixin(ScopedAdminMixin):
    """For superusers alone, whatever permissions anybody else was given: to them it has no page and no row."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.none()

    def has_module_permission(self, request):
        return request.user.is_superuser and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_view_permission(request, obj)


def lock_down(site):
    """Make every admin of ``site`` not designed for clinic admins (a ``ScopedAdminMixin``) superuser-only.

    Run once every app has registered its admins, before the site's URLs are built.
    """
    for model, model_admin in list(site._registry.items()):
        if not isinstance(model_admin, ScopedAdminMixin):
            admin_class = type(model_admin)
            site.unregister(model)
            site.register(model, type(admin_class.__name__, (SuperuserOnlyMixin, admin_class), {}))


def _related_only(list_filter, model):
    """A filter on a related field (a clinic, a user) offers only what the user's records point at."""
    if isinstance(list_filter, str) and get_fields_from_path(model, list_filter)[-1].is_relation:
        return (list_filter, admin.RelatedOnlyFieldListFilter)
    return list_filter


class ClinicalAdminMixin(ScopedAdminMixin):
    """A clinical record, to look up: scoped by ``visible_to``, read-only for everybody, superusers included."""

    actions = None

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    # The admin's pages read patient data like any other: each writes its access record (SPEC §5).

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            shown = self.model.objects.filter(pk__in=[record.pk for record in changelist.result_list])
            self._record_access(request, AccessAction.PATIENT_LIST, shown)
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        self._record_access(request, AccessAction.PATIENT_READ, self._one(request, object_id))
        return response

    def _one(self, request, object_id):
        return self.get_queryset(request).filter(pk=unquote(object_id))

    def _record_access(self, request, action, records):
        """An access record naming the patients ``records`` are about (found by the clinic path)."""
        patient = self.model.clinic_lookup.removesuffix("clinic")  # "" for a patient, else "patient__"…
        patient_ids = set(records.values_list(f"{patient}id" if patient else "pk", flat=True))
        access_record(request=request, action=action, patient_ids=patient_ids)

    def get_list_filter(self, request):
        return [_related_only(f, self.model) for f in super().get_list_filter(request)]

    def get_readonly_fields(self, request, obj=None):
        # Every field: a history version's page builds its form without asking has_change_permission.
        return [f.name for f in (*self.opts.fields, *self.opts.many_to_many) if not f.auto_created]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ClinicalHistoryAdmin(ClinicalAdminMixin, SimpleHistoryAdmin):
    """A clinical record with its history, whose pages are scoped and read-only too."""

    def history_view(self, request, object_id, extra_context=None):
        # simple-history looks the record up past get_queryset's scope, down to its last version.
        self.get_object(request, unquote(object_id))
        response = super().history_view(request, object_id, extra_context)
        self._record_access(request, AccessAction.PATIENT_READ, self._one(request, object_id))
        return response

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple-history saves a POSTed version back ("revert") whatever the user's permissions.
        self.get_object(request, unquote(object_id))
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied
        response = super().history_form_view(request, object_id, version_id, extra_context)
        self._record_access(request, AccessAction.PATIENT_READ, self._one(request, object_id))
        return response


class ClinicalInline(admin.TabularInline):
    """A clinical record's rows shown on its page, read-only."""

    extra = 0

    def has_add_permission(self, request, obj):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
