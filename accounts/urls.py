"""Sign-in (two-factor), the staff member's own account, and staff management for clinic admins."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import staff_views, views
from .forms import PasswordResetForm

app_name = "accounts"

urlpatterns = [
    # Sign-in's second step, and the staff member's own account (SPEC §5 "Two-factor sign-in",
    # "Sessions"). /login/ and /logout/ are the pages' (web.urls).
    path("login/verify/", views.SecondFactorVerifyView.as_view(), name="two_factor_verify"),
    path("account/", views.account, name="account"),
    path("account/two-factor/", views.two_factor, name="two_factor"),
    path("account/two-factor/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("account/two-factor/off/", views.two_factor_off, name="two_factor_off"),
    # Changing one's own password keeps this session signed in; API tokens are revoked
    # (accounts.signals).
    path(
        "account/password/",
        auth_views.PasswordChangeView.as_view(
            template_name="registration/password_change.html",
            success_url=reverse_lazy("accounts:password_change_done"),
        ),
        name="password_change",
    ),
    path(
        "account/password/changed/",
        auth_views.PasswordChangeDoneView.as_view(template_name="registration/password_changed.html"),
        name="password_change_done",
    ),
    # A forgotten password is reset through an emailed single-use link (SPEC §5); the
    # set-password link of a new staff member's email is password_reset_confirm too.
    path(
        "account/password/reset/",
        auth_views.PasswordResetView.as_view(
            form_class=PasswordResetForm,
            template_name="registration/password_reset_request.html",
            email_template_name="registration/password_reset_email.txt",
            subject_template_name="registration/password_reset_subject.txt",
            success_url=reverse_lazy("accounts:password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "account/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="registration/password_reset_sent.html"),
        name="password_reset_done",
    ),
    path(
        "account/password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="registration/password_reset_new.html",
            success_url=reverse_lazy("accounts:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "account/password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="registration/password_reset_finished.html"
        ),
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
