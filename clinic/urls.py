from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "MS Strength Clinic"
admin.site.site_title = "MS Strength Clinic"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index"), name="home"),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
]

handler404 = "api.views.not_found"
