"""The staff member's own account: the second sign-in step, two-factor settings, the account page.

Every page here shows or takes secrets (a TOTP secret, recovery codes, codes), so none is cached.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import RedirectURLMixin
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django.views.generic import FormView
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from .forms import AuthenticatorCodeForm, SecondFactorForm
from .two_factor import (
    PendingStep,
    authenticator_confirm,
    authenticator_enrolment_start,
    authenticator_of,
    authenticator_qr_svg,
    authenticator_secret,
    pending_step_of,
    recovery_codes_left,
    recovery_codes_replace,
    two_factor_required,
    two_factor_turn_off,
)


@method_decorator([never_cache, sensitive_post_parameters("code")], name="dispatch")
class SecondFactorVerifyView(LoginRequiredMixin, RedirectURLMixin, FormView):
    """The second sign-in step: a code from the authenticator app or a recovery code."""

    template_name = "accounts/two_factor_verify.html"
    form_class = SecondFactorForm
    next_page = settings.LOGIN_REDIRECT_URL

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and pending_step_of(request.user) is not PendingStep.VERIFY:
            return HttpResponseRedirect(self.get_success_url())
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"user": self.request.user}

    def form_valid(self, form):
        _verified_login(self.request, form.device)
        if isinstance(form.device, StaticDevice):
            left = recovery_codes_left(self.request.user)
            messages.warning(
                self.request,
                f"You signed in with a recovery code; it cannot be used again. {left} left: "
                "make new ones on your account page when you run low.",
            )
        return HttpResponseRedirect(self.get_success_url())


@never_cache
@sensitive_post_parameters("code")
@login_required
def two_factor(request):
    """Enrolment while two-factor sign-in is off; its settings once it is on."""
    if authenticator_of(request.user) is not None:
        return _two_factor_settings(request)
    device = authenticator_enrolment_start(user=request.user)
    form = AuthenticatorCodeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            codes = authenticator_confirm(user=request.user, device=device, code=form.cleaned_data["code"])
        except ValidationError as error:
            form.add_error("code", error)
        else:
            _verified_login(request, device)
            return _recovery_codes_page(request, codes)
    return render(
        request,
        "accounts/two_factor_enrol.html",
        {
            "form": form,
            "qr_svg": authenticator_qr_svg(device),
            "secret": authenticator_secret(device),
            "required": two_factor_required(request.user),
        },
    )


@never_cache
@sensitive_post_parameters("codes-code")
@login_required
@require_POST
def recovery_codes(request):
    """New recovery codes, after a code that shows the user holds their second factor."""
    if authenticator_of(request.user) is None:
        return redirect("accounts:two_factor")
    form = SecondFactorForm(request.POST, user=request.user, prefix="codes")
    if not form.is_valid():
        return _two_factor_settings(request, codes_form=form)
    return _recovery_codes_page(request, recovery_codes_replace(user=request.user))


@never_cache
@sensitive_post_parameters("off-code")
@login_required
@require_POST
def two_factor_off(request):
    """Turn two-factor sign-in off, after a code; refused (403) where the role requires it."""
    form = SecondFactorForm(request.POST, user=request.user, prefix="off")
    if not form.is_valid():
        return _two_factor_settings(request, off_form=form)
    two_factor_turn_off(user=request.user)
    messages.success(request, "Two-factor sign-in is off. You sign in with your password alone.")
    return redirect("accounts:account")


@never_cache
@login_required
def account(request):
    user = request.user
    return render(
        request,
        "accounts/account.html",
        {
            "two_factor_on": authenticator_of(user) is not None,
            "codes_left": recovery_codes_left(user),
        },
    )


def _two_factor_settings(request, *, codes_form=None, off_form=None):
    user = request.user
    return render(
        request,
        "accounts/two_factor_settings.html",
        {
            "codes_left": recovery_codes_left(user),
            "codes_form": codes_form or SecondFactorForm(user=user, prefix="codes"),
            "may_turn_off": not two_factor_required(user),
            "off_form": off_form or SecondFactorForm(user=user, prefix="off"),
        },
    )


def _recovery_codes_page(request, codes):
    """The codes, shown this once: only django-otp's table keeps them afterwards."""
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": _next_url(request)})


def _verified_login(request, device):
    """Mark the session as past its second factor, under a new session key (a raised privilege)."""
    request.session.cycle_key()
    otp_login(request, device)


def _next_url(request):
    """Where enrolment was interrupting the user, if it is on this site."""
    url = request.GET.get("next", "")
    if url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return resolve_url(settings.LOGIN_REDIRECT_URL)
