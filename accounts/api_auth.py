"""API authentication: tokens for systems, browser sessions only once two-factor is passed."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.authentication import SessionScheme
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from common.raw import as_field, rows

from .models import User
from .two_factor import second_factor_due

# The token's user, with the token's own columns beside (a token's key is its primary key).
# Written out: every call from an intake system reads it, and the ORM took longer to write
# DRF's ``select_related("user").get(key=...)`` than PostgreSQL took to run it (about a tenth of
# an intake's CPU under load, issue 17).
_USER_BY_TOKEN_SQL = f"""
    SELECT account.*, token.created AS token_created
    FROM {Token._meta.db_table} AS token
    JOIN {User._meta.db_table} AS account ON account.{User._meta.pk.column} = token.user_id
    WHERE token.key = %s
"""


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication (header, errors, the token as ``request.auth``), reading the
    token and its user in one written-out query (see above)."""

    def authenticate_credentials(self, key):
        user = next(iter(rows(User, _USER_BY_TOKEN_SQL, [key])), None)
        if user is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        created = as_field(Token, "created", user.token_created)  # type: ignore[attr-defined]  # the query's column
        token = Token(key=key, user=user, created=created)
        token._state.adding, token._state.db = False, user._state.db  # as read from the database
        return user, token


class VerifiedSessionAuthentication(authentication.SessionAuthentication):
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
