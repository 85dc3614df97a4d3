"""Sign-in (two-factor), the staff member's own account, and staff management for clinic admins."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import staff_views

app_name = "accounts"

urlpatterns = [
    # A forgotten password is reset through an emailed single-use link (SPEC §5).
    path(
        "account/password/reset/",
        auth_views.PasswordResetView.as_view(success_url=reverse_lazy("accounts:password_reset_done")),
        name="password_reset",
    ),
    path(
        "account/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "account/password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            success_url=reverse_lazy("accounts:password_reset_complete")
        ),
        name="password_reset_confirm",
    ),
    path(
        "account/password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]

# Staff management for clinic admins (SPEC §5).
urlpatterns += [
    path("staff/", staff_views.staff_list, name="staff_list"),
    path("staff/new/", staff_views.staff_new, name="staff_new"),
    path(
        "staff/<int:pk>/deactivate/",
        staff_views.staff_action,
        {"action": "deactivate"},
        name="staff_deactivate",
    ),
    path(
        "staff/<int:pk>/reactivate/",
        staff_views.staff_action,
        {"action": "reactivate"},
        name="staff_reactivate",
    ),
    path(
        "staff/<int:pk>/two-factor/reset/",
        staff_views.staff_action,
        {"action": "two_factor_reset"},
        name="staff_two_factor_reset",
    ),
    path("staff/<int:pk>/unlock/", staff_views.staff_action, {"action": "unlock"}, name="staff_unlock"),
]
