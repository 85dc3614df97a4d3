"""The sign-in forms beyond Django's: a code from the authenticator app or a recovery code; and
the password-reset request, for accounts that have no password yet too."""

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model

from .two_factor import second_factor_check

CODE_ATTRS = {"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"}


class SecondFactorForm(forms.Form):
    """Checks a code against the user's devices, as ``AuthenticationForm`` checks a password.

    The device that accepted it is ``form.device``.
    """

    code = forms.CharField(
        label="Code",
        max_length=32,
        help_text="The 6-digit code your authenticator app shows now, or one of your recovery codes.",
        widget=forms.TextInput(attrs=CODE_ATTRS | {"inputmode": "text"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.device = None

    def clean_code(self):
        self.device = second_factor_check(user=self.user, code=self.cleaned_data["code"])
        return self.cleaned_data["code"]


class AuthenticatorCodeForm(forms.Form):
    """The first code from a newly added authenticator app: proof that it holds the secret."""

    code = forms.CharField(
        label="Code from your app",
        max_length=16,
        help_text="The 6-digit code your authenticator app shows for MS Strength Clinic.",
        widget=forms.TextInput(attrs=CODE_ATTRS | {"inputmode": "numeric"}),
    )


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's, but also for an account that has never had a password.

    Django skips accounts without a usable password (for sites that also sign in elsewhere);
    here every account is local, and one created at /staff/ starts without a password until its
    owner follows the emailed link — which expires. This form is how such a person gets a new one.
    """

    def get_users(self, email):
        email_field = get_user_model().get_email_field_name()
        return get_user_model()._default_manager.filter(
            **{f"{email_field}__iexact": email, "is_active": True}
        )
