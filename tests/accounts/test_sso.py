"""Single sign-on with OpenID Connect: off unless configured; logs in an existing active account
by its email, never creates one; a smartcard-strength sign-on counts as two factors.

The identity provider is outside this service, so its three HTTP calls (token, id token check,
userinfo) are replaced by the claims it would return; everything of ours runs for real.
"""

from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse

from accounts.models import AuditEvent, User
from accounts.oidc import StaffOIDCBackend

pytestmark = pytest.mark.django_db
IDP = "https://idp.example.invalid"


@pytest.fixture
def sso(settings, monkeypatch):
    settings.OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = "caseload-test"
    settings.OIDC_RP_CLIENT_SECRET = "synthetic-secret"
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{IDP}/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{IDP}/token"
    settings.OIDC_OP_USER_ENDPOINT = f"{IDP}/userinfo"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{IDP}/jwks"
    settings.AUTHENTICATION_BACKENDS = [
        "axes.backends.AxesStandaloneBackend",
        "accounts.oidc.StaffOIDCBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]
    identity: dict = {}
    monkeypatch.setattr(StaffOIDCBackend, "get_token", lambda self, payload: {"id_token": "t", "access_token": "a"})
    monkeypatch.setattr(StaffOIDCBackend, "verify_token", lambda self, token, **kw: identity["token"])
    monkeypatch.setattr(StaffOIDCBackend, "get_userinfo", lambda self, access, id_token, payload: identity["claims"])

    def sign_on(client, *, email: str, acr: str = "AAL3", verified: bool = True):
        identity["token"] = {"sub": "555", "acr": acr, "nonce": "n"}
        identity["claims"] = {"sub": "555", "email": email, "email_verified": verified}
        start = client.get(reverse("accounts:sso-login"))
        assert start.status_code == 302
        state = parse_qs(urlparse(start["Location"]).query)["state"][0]
        return client.get(reverse("accounts:sso-callback"), {"code": "c", "state": state})

    return sign_on


def test_without_configuration_there_is_no_single_sign_on(client):
    assert "single sign-on" not in client.get(reverse("accounts:login")).content.decode()
    assert client.get(reverse("accounts:sso-login")).status_code == 404
    assert client.get(reverse("accounts:sso-callback")).status_code == 404


def test_the_login_page_offers_it_and_sends_you_to_the_identity_provider_with_pkce(client, sso):
    assert "Log in with your NHS smartcard" in client.get(reverse("accounts:login")).content.decode()
    response = client.get(reverse("accounts:sso-login"))
    target = urlparse(response["Location"])
    query = parse_qs(target.query)
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{IDP}/authorize"
    assert query["client_id"] == ["caseload-test"]
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"]
    assert query["state"] and query["nonce"]


def test_a_smartcard_sign_on_logs_in_the_matching_account_without_an_app_code(client, sso, alice, settings):
    settings.REQUIRE_TWO_FACTOR = True
    alice.email = "Alice.Morley@trust.nhs.invalid"
    alice.save()

    response = sso(client, email="alice.morley@trust.nhs.invalid")

    assert response.status_code == 302
    home = client.get(reverse("referrals:home"))
    assert home.status_code == 200  # no detour to the two-factor pages
    assert AuditEvent.objects.filter(action="auth.login", actor=alice).exists()


def test_a_weaker_sign_on_still_owes_the_app_code(client, sso, alice, settings):
    settings.REQUIRE_TWO_FACTOR = True
    alice.email = "alice@trust.nhs.invalid"
    alice.save()
    sso(client, email="alice@trust.nhs.invalid", acr="AAL1")
    response = client.get(reverse("referrals:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:two-factor-verify"))


@pytest.mark.parametrize("case", ["unknown", "inactive", "unverified"])
def test_no_account_is_made_and_nobody_is_logged_in_otherwise(client, sso, alice, case):
    alice.email = "alice@trust.nhs.invalid"
    alice.is_active = case != "inactive"
    alice.save()
    users = User.objects.count()
    email = "stranger@elsewhere.invalid" if case == "unknown" else "alice@trust.nhs.invalid"

    sso(client, email=email, verified=case != "unverified")

    assert User.objects.count() == users
    assert client.get(reverse("referrals:home")).status_code == 302  # still logged out
    assert "_auth_user_id" not in client.session
