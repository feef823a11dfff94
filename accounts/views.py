"""Logging in and out (Django's auth views, NHS.UK-styled templates) and the second factor."""

import secrets

import django_otp
import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import SafeString, mark_safe
from django.views import View
from django.views.generic import TemplateView
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from common.web import add_service_errors

from . import services
from .forms import EnrolmentForm, LoginForm, SecurityCodeForm
from .http import AuthenticatedHttpRequest
from .request_ip import client_ip
from .two_factor import ENROLLED_SESSION_KEY

__all__ = ["LoginForm", "LoginView", "LoggedOutView", "TwoFactorSetupView", "TwoFactorVerifyView"]


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    # Someone already logged in goes straight on to where they were heading.
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sso_label"] = settings.OIDC_SSO_LABEL if settings.OIDC_ENABLED else ""
        return context


class LoggedOutView(TemplateView):
    """Where LOGOUT_REDIRECT_URL lands after the POST to logout."""

    template_name = "registration/logged_out.html"


def _next_url(request: HttpRequest) -> str:
    """Where to go after the second factor: the page asked for, if it is one of ours."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


class TwoFactorVerifyView(LoginRequiredMixin, View):
    """Asks a signed-in person for the code from their authenticator app."""

    template_name = "accounts/two_factor_verify.html"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        if request.user.is_authenticated:
            if request.user.is_verified():  # type: ignore[attr-defined]  # added by django-otp's OTPMiddleware
                return HttpResponseRedirect(_next_url(request))
            if not user_has_device(request.user, confirmed=True):
                return redirect(reverse("accounts:two-factor-setup") + _query_next(request))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        return self._render(request, SecurityCodeForm())

    def post(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        form = SecurityCodeForm(request.POST)
        if form.is_valid():
            device = services.two_factor_verify(
                user=request.user, token=form.cleaned_data["code"], now=timezone.now(), source_ip=client_ip(request)
            )
            if device is not None:
                django_otp.login(request, device)
                # A new session key now that the session is trusted further (as login() does).
                request.session.cycle_key()
                return HttpResponseRedirect(_next_url(request))
            form.code_was_wrong()
        return self._render(request, form)

    def _render(self, request: AuthenticatedHttpRequest, form: SecurityCodeForm) -> HttpResponse:
        return render(request, self.template_name, {"form": form, "next": _next_url(request)})


_SETUP_KEY_SESSION_KEY = "accounts_two_factor_setup_key"


class TwoFactorSetupView(LoginRequiredMixin, View):
    """Enrol an authenticator app: scan the QR code (or type the secret), then enter the set-up
    code an administrator issued and a code from the app.

    The secret waits in the session until a correct code proves the app holds it; only then is a
    device saved, so an abandoned set-up leaves nothing behind. The set-up code proves it is the
    account's owner, not just someone holding the password (issue 10, item 7)."""

    template_name = "accounts/two_factor_setup.html"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        if request.user.is_authenticated and user_has_device(request.user, confirmed=True):
            # One app each here; changing it is an administrator's job (admin: TOTP devices).
            return redirect(reverse("accounts:two-factor-verify") + _query_next(request))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        return self._render(request, EnrolmentForm())

    def post(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        form = EnrolmentForm(request.POST)
        if form.is_valid():
            try:
                device = services.totp_device_confirm(
                    user=request.user,
                    key_hex=self._key(request),
                    token=form.cleaned_data["code"],
                    enrolment_code=form.cleaned_data["enrolment_code"],
                    now=timezone.now(),
                    source_ip=client_ip(request),
                )
            except ValidationError as error:
                add_service_errors(form, error)
                return self._render(request, form)
            if device is not None:
                del request.session[_SETUP_KEY_SESSION_KEY]
                django_otp.login(request, device)
                request.session[ENROLLED_SESSION_KEY] = True
                request.session.cycle_key()
                return HttpResponseRedirect(_next_url(request))
            form.code_was_wrong()
        return self._render(request, form)

    @staticmethod
    def _key(request: HttpRequest) -> str:
        key = request.session.get(_SETUP_KEY_SESSION_KEY)
        if not key:
            key = request.session[_SETUP_KEY_SESSION_KEY] = secrets.token_hex(20)  # 160 bits, as RFC 4226 advises
        return key

    def _render(self, request: AuthenticatedHttpRequest, form: EnrolmentForm) -> HttpResponse:
        key = self._key(request)
        uri = TOTPDevice(user=request.user, key=key).config_url
        context = {
            "form": form,
            "next": _next_url(request),
            "otpauth_uri": uri,
            "qr_svg": _qr_svg(uri),
            "secret": services.totp_secret_for_display(key),
            "required": settings.REQUIRE_TWO_FACTOR,
        }
        return render(request, self.template_name, context)


def _query_next(request: HttpRequest) -> str:
    next_url = request.GET.get("next")
    return "?" + urlencode({"next": next_url}) if next_url else ""


def _qr_svg(text: str) -> SafeString:
    """The QR code as inline SVG (qrcode's pure-Python SVG writer: no Pillow, no inline style)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=12, border=4)
    svg = image.to_string(encoding="unicode")
    labelled = svg.replace(
        "<svg ",
        '<svg class="app-qr-code" role="img" aria-label="QR code for your authenticator app" focusable="false" ',
        1,
    )
    # Our own output from a fixed writer, holding only the otpauth URI's modules: safe to inline.
    return mark_safe(labelled)  # noqa: S308


def locked_out(request: HttpRequest, original_response: HttpResponse | None = None, credentials=None) -> HttpResponse:
    """django-axes' lockout response (AXES_LOCKOUT_CALLABLE): an NHS.UK page saying what happened
    and what to do, with 429 Too Many Requests."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {"minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT}
    return render(request, "registration/locked_out.html", context, status=429)
