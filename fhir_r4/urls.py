"""``/fhir/R4/``: the CapabilityStatement, then read and search for each type ``registry.SERVED``
holds. A FHIR id is ``[A-Za-z0-9\\-.]{1,64}``; anything else in its place is not a route (404)."""

from django.urls import path, re_path

from .export import EXPORTED_TYPES
from .registry import SERVED
from .views import (
    CapabilityView,
    ExportFileView,
    ExportKickOffView,
    ExportStatusView,
    ReadView,
    SearchView,
)

app_name = "fhir"

urlpatterns = [
    path("metadata", CapabilityView.as_view(), name="metadata"),
    path("Patient/$export", ExportKickOffView.as_view(), name="export-patients"),
    re_path(
        r"^Group/(?P<clinic_code>[A-Za-z0-9\-.]{1,64})/\$export$",
        ExportKickOffView.as_view(),
        name="export-group",
    ),
    path("$export-status/<uuid:job_id>", ExportStatusView.as_view(), name="export-status"),
    re_path(
        rf"^\$export-file/(?P<job_id>[0-9a-f-]{{36}})/(?P<resource_type>{'|'.join(EXPORTED_TYPES)})\.ndjson$",
        ExportFileView.as_view(),
        name="export-file",
    ),
]
for resource_type in SERVED.values():
    if resource_type.search:
        urlpatterns.append(
            path(
                resource_type.name,
                SearchView.as_view(resource_type=resource_type),
                name=f"{resource_type.name}-search",
            )
        )
    urlpatterns.append(
        re_path(
            rf"^{resource_type.name}/(?P<resource_id>[A-Za-z0-9\-.]{{1,64}})$",
            ReadView.as_view(resource_type=resource_type),
            name=f"{resource_type.name}-read",
        )
    )
