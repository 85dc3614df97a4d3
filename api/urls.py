from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from . import auth, views
from .reports import AccessReportView, report_views
from .webhooks import EndpointViewSet

app_name = "api"

router = SimpleRouter()
router.register("clinics", views.ClinicViewSet, basename="clinic")
router.register("patients", views.PatientViewSet, basename="patient")
router.register("assessments", views.AssessmentViewSet, basename="assessment")
router.register("falls", views.FallViewSet, basename="fall")
router.register("devices", views.DeviceViewSet, basename="device")
router.register("referrals", views.ReferralViewSet, basename="referral")
router.register("medications", views.MedicationViewSet, basename="medication")
router.register("exercise-plans", views.ExercisePlanViewSet, basename="exercise_plan")
router.register("diary-entries", views.DiaryEntryViewSet, basename="diary_entry")
router.register("reminders", views.ReminderViewSet, basename="reminder")
router.register("webhooks", EndpointViewSet, basename="webhook")

reviews = "v1/patients/<int:pk>/reviews/"

urlpatterns = [
    path("v1/auth/token/", auth.TokenView.as_view(), name="auth-token"),
    path("v1/auth/logout/", auth.LogoutView.as_view(), name="auth-logout"),
    path("v1/auth/tokens/", auth.TokenListView.as_view(), name="auth-tokens"),
    path(
        reviews, views.TrendReviewViewSet.as_view({"get": "list", "post": "create"}), name="patient-reviews"
    ),
    path(
        f"{reviews}<int:review_id>/",
        views.TrendReviewViewSet.as_view({"get": "retrieve"}),
        name="patient-review",
    ),
    path(
        f"{reviews}<int:review_id>/entered-in-error/",
        views.TrendReviewViewSet.as_view({"post": "entered_in_error"}),
        name="patient-review-entered-in-error",
    ),
    path("v1/", include(router.urls)),
    *(path(f"v1/reports/{name}/", view, name=f"report-{name}") for name, view in report_views().items()),
    path("v1/reports/access/", AccessReportView.as_view(), name="report-access"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
]
