"""Single sign-on with OpenID Connect (mozilla-django-oidc), for NHS smartcard-style logins.

Off unless ``OIDC_RP_CLIENT_ID`` is set. Staff accounts, their roles and teams are made by an
administrator: a sign-on logs in the one *active* account whose email matches the identity
provider's verified email, and never creates an account. When the id token's ``acr`` (the
assurance level) is one of ``OIDC_TWO_FACTOR_ACR_VALUES`` the sign-on already counts as two
factors (a smartcard and its PIN), so no authenticator code is asked for afterwards.
"""

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from .two_factor import SSO_TWO_FACTOR_SESSION_KEY


class StaffOIDCBackend(OIDCAuthenticationBackend):
    def verify_claims(self, claims: dict) -> bool:
        # The email must be one the identity provider has verified (absent means not asserted).
        return bool(claims.get("email")) and claims.get("email_verified", True) is not False

    def filter_users_by_claims(self, claims: dict):
        return self.UserModel.objects.filter(email__iexact=claims["email"], is_active=True)

    def create_user(self, claims: dict):
        raise SuspiciousOperation("No staff account has this email address: ask an administrator to add one.")

    def get_or_create_user(self, access_token, id_token, payload):
        user = super().get_or_create_user(access_token, id_token, payload)
        if user is not None:
            acr = payload.get("acr", "")
            self.request.session[SSO_TWO_FACTOR_SESSION_KEY] = acr in settings.OIDC_TWO_FACTOR_ACR_VALUES
        return user


def _enabled() -> None:
    if not settings.OIDC_ENABLED:
        raise Http404("Single sign-on is not configured.")


def sso_login(request: HttpRequest) -> HttpResponseBase:
    _enabled()
    return OIDCAuthenticationRequestView.as_view()(request)


def sso_callback(request: HttpRequest) -> HttpResponseBase:
    _enabled()
    return OIDCAuthenticationCallbackView.as_view()(request)
