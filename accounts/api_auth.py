"""API authentication: tokens for systems, browser sessions only once two-factor is passed."""

from drf_spectacular.authentication import SessionScheme
from rest_framework.authentication import SessionAuthentication

from .two_factor import second_factor_due


class VerifiedSessionAuthentication(SessionAuthentication):
    """DRF's session authentication, except that a session still owing its second factor counts
    as not logged in: otherwise a stolen password alone would open the API from a browser.

    Token authentication is untouched. Tokens are issued by an administrator to a system
    (``drf_create_token``), never typed by a person, so there is no one to ask for a code;
    TwoFactorMiddleware leaves /api/ alone for the same reason."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and second_factor_due(request._request):
            return None
        return result


class VerifiedSessionScheme(SessionScheme):
    """Describe it in the OpenAPI schema exactly as drf-spectacular describes session login."""

    target_class = "accounts.api_auth.VerifiedSessionAuthentication"
