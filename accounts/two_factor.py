"""Who still owes a second factor in this session (read by the middleware and the API)."""

from django.conf import settings
from django.http import HttpRequest
from django_otp import user_has_device

# Set at login: did this person have a confirmed authenticator then? Kept in the session so that
# no page pays a query to ask again while two-factor is optional.
ENROLLED_SESSION_KEY = "accounts_two_factor_enrolled"
# Set by a single sign-on whose assurance level already counts as two factors (accounts.oidc).
SSO_TWO_FACTOR_SESSION_KEY = "accounts_sso_two_factor"


def remember_enrolment(request: HttpRequest, user) -> None:
    request.session[ENROLLED_SESSION_KEY] = user_has_device(user, confirmed=True)


def second_factor_due(request: HttpRequest) -> bool:
    """True for a signed-in person who has not passed two-factor in this session and must:
    everyone when REQUIRE_TWO_FACTOR is on; otherwise those who enrolled an app anyway."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    is_verified = getattr(user, "is_verified", None)
    if is_verified is not None and is_verified():
        return False
    if request.session.get(SSO_TWO_FACTOR_SESSION_KEY, False):
        return False
    if settings.REQUIRE_TWO_FACTOR:
        return True
    return bool(request.session.get(ENROLLED_SESSION_KEY, False))
