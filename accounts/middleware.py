"""Two-factor enforcement for browsers, and the Content Security Policy."""

from collections.abc import Callable
from functools import cache
from urllib.parse import urlencode

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from .two_factor import second_factor_due


@cache
def _exempt_prefixes() -> tuple[str, ...]:
    return (
        # Logging in and out, and the two-factor pages themselves.
        reverse("accounts:login"),
        reverse("accounts:logout"),
        reverse("accounts:logged-out"),
        reverse("accounts:two-factor-verify"),
        reverse("accounts:two-factor-setup"),
        reverse("admin:login"),
        reverse("admin:logout"),
        "/" + settings.STATIC_URL.lstrip("/"),
        "/assets/",
        # Systems calling the API with an admin-issued token have no one to type a code; a browser
        # session reaching the API (or the FHIR API) is refused there until verified (accounts.api_auth).
        "/api/",
        "/fhir/",
    )


@cache
def _api_docs() -> str:
    return reverse("api-docs")  # once, not on every response (about a quarter of the policy's cost)


class TwoFactorMiddleware:
    """Sends a signed-in browser that still owes a second factor to the verify page (which sends
    someone with no authenticator app on to set one up), then back to where they were going.

    After django_otp.middleware.OTPMiddleware, which gives request.user.is_verified()."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # The path first: an API call or a static file never needs its user worked out here (the
        # session read, the second-factor check) for an answer that is always "go on" (issue 17).
        if not request.path_info.startswith(_exempt_prefixes()) and second_factor_due(request):
            return self._to_verify(request)
        return self.get_response(request)

    @staticmethod
    def _to_verify(request: HttpRequest) -> HttpResponse:
        target = reverse("accounts:two-factor-verify")
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        if getattr(request, "htmx", False):
            # An htmx fragment would swap the verify page into part of a page: load it whole.
            return HttpResponseClientRedirect(target)
        return HttpResponseRedirect(target)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware with one exception: the Swagger UI page (/api/docs/) may show the
    data: icons in swagger-ui's stylesheet. swagger-ui itself comes from our static files
    (drf-spectacular-sidecar, config/urls.py), so no other host and no inline script or style."""

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and request.path_info.startswith(_api_docs()):
            parts.update = {"img-src": ["data:"]}  # added to 'self'
        return parts
