from django.contrib.auth import views as auth_views
from django.urls import path

from . import reports, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("patients/", views.patient_list, name="patient_list"),
    path("patients/new/", views.patient_new, name="patient_new"),
    path("patients/<int:pk>/", views.patient_dashboard, name="patient_dashboard"),
    path("patients/<int:pk>/edit/", views.patient_edit, name="patient_edit"),
    path("patients/<int:pk>/assessments/new/", views.assessment_new, name="assessment_new"),
    path("patients/<int:pk>/falls/new/", views.fall_new, name="fall_new"),
    path("patients/<int:pk>/devices/new/", views.device_new, name="device_new"),
    path("patients/<int:pk>/referrals/new/", views.referral_new, name="referral_new"),
    path("referrals/<int:pk>/status/", views.referral_move, name="referral_move"),
    path(
        "records/<slug:kind>/<int:pk>/entered-in-error/",
        views.mark_entered_in_error,
        name="entered_in_error",
    ),
    path("reminders/", views.reminder_inbox, name="reminder_inbox"),
    path("reports/", reports.report_page, name="reports"),
    path("reminders/<int:pk>/acknowledge/", views.reminder_ack, name="reminder_ack"),
]
