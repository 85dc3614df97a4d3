from django.contrib import admin
from django.urls import include, path

from backoffice.scoping import lock_down

admin.site.site_header = "MS Strength Clinic"
admin.site.site_title = "MS Strength Clinic"
# Every app has registered its admins by now: what is not designed for clinic admins becomes
# superuser-only before the admin's URLs are built.
lock_down(admin.site)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("fhir/R4/", include("fhir_r4.urls")),
    path("", include("accounts.urls")),
    path("", include("web.urls")),
]

handler404 = "clinic.errors.not_found"
handler500 = "clinic.errors.server_error"
