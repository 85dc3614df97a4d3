from django.contrib.auth import views as auth_views
from django.urls import path

from .views import (
    changes,
    devices,
    diary,
    diary_links,
    patients,
    records,
    referrals,
    reminders,
    reports,
    sheets,
    webhooks,
)

app_name = "web"

urlpatterns = [
    path("", patients.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("patients/", patients.patient_list, name="patient_list"),
    path("patients/new/", patients.patient_new, name="patient_new"),
    path("patients/<int:pk>/", patients.patient_dashboard, name="patient_dashboard"),
    path("patients/<int:pk>/edit/", patients.patient_edit, name="patient_edit"),
    path("patients/<int:pk>/assessments/new/", records.assessment_new, name="assessment_new"),
    path("assessments/<int:pk>/edit/", records.assessment_edit, name="assessment_edit"),
    path("patients/<int:pk>/falls/new/", records.fall_new, name="fall_new"),
    path("patients/<int:pk>/devices/new/", records.device_new, name="device_new"),
    path("patients/<int:pk>/referrals/new/", records.referral_new, name="referral_new"),
    path("patients/<int:pk>/review/", records.trend_review_new, name="trend_review"),
    path("patients/<int:pk>/medications/new/", records.medication_new, name="medication_new"),
    path("patients/<int:pk>/plans/new/", records.plan_new, name="plan_new"),
    path("patients/<int:pk>/plans/<int:plan_pk>/sheet/", sheets.plan_sheet, name="plan_sheet"),
    path("plans/<int:pk>/edit/", changes.plan_edit, name="plan_edit"),
    path("medications/<int:pk>/edit/", changes.medication_edit, name="medication_edit"),
    path("referrals/", referrals.referral_worklist_page, name="referral_worklist"),
    path("referrals/<int:pk>/", referrals.referral_page, name="referral_page"),
    path("referrals/<int:pk>/status/", records.referral_move, name="referral_move"),
    path("devices/<int:pk>/review/", devices.device_review_new, name="device_review"),
    path("devices/<int:pk>/discontinue/", devices.device_discontinue, name="device_discontinue"),
    path(
        "records/<slug:kind>/<int:pk>/entered-in-error/",
        records.mark_entered_in_error,
        name="entered_in_error",
    ),
    path("patients/<int:pk>/diary-link/", diary_links.diary_link, name="diary_link"),
    # SPEC §7: the patient's own page, reached with the secret of their diary link, no account.
    path("diary/<str:secret>/", diary.diary_day, name="diary"),
    path("reminders/", reminders.reminder_inbox, name="reminder_inbox"),
    path("reports/", reports.report_page, name="reports"),
    path("reminders/<int:pk>/acknowledge/", reminders.reminder_ack, name="reminder_ack"),
    path("webhooks/", webhooks.webhook_list, name="webhook_list"),
    path("webhooks/<int:pk>/", webhooks.webhook_page, name="webhook_page"),
]
