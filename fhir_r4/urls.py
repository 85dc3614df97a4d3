"""``/fhir/R4/``: the CapabilityStatement, then read and search for each type ``registry.SERVED``
holds. A FHIR id is ``[A-Za-z0-9\\-.]{1,64}``; anything else in its place is not a route (404)."""

from django.urls import path, re_path

from .registry import SERVED
from .views import CapabilityView, ReadView, SearchView

app_name = "fhir"

urlpatterns = [path("metadata", CapabilityView.as_view(), name="metadata")]
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
