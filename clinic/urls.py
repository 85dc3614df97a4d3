from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "MS Strength Clinic"
admin.site.site_title = "MS Strength Clinic"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("", include("accounts.urls")),
    path("", include("web.urls")),
]

handler404 = "api.views.not_found"
