from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

admin.site.site_header = "MS Strength Clinic"
admin.site.site_title = "MS Strength Clinic"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index"), name="home"),
    path("admin/", admin.site.urls),
]
