"""Two-factor authentication with an authenticator app (TOTP).

Off by default for the demo and the tests (REQUIRE_TWO_FACTOR); these tests turn it on."""

import re

import pytest
from django.test import override_settings
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from accounts.models import AuditEvent
from accounts.views import _SETUP_KEY_SESSION_KEY

from .conftest import SETUP, VERIFY, code_for, log_in, wrong_code

pytestmark = pytest.mark.django_db
HOME = reverse("referrals:home")
TRIAGE = reverse("referrals:triage")
API_REFERRALS = "/api/v1/referrals/"

required = override_settings(REQUIRE_TWO_FACTOR=True)


def _actions(user) -> list[str]:
    return list(
        AuditEvent.objects.filter(actor=user, action__startswith="auth.")
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_two_factor_is_off_for_the_demo_and_the_tests(settings):
    assert settings.REQUIRE_TWO_FACTOR is False


def test_without_two_factor_a_password_is_enough(client, alice, with_password):
    with_password(alice)

    log_in(client, "alice")

    assert client.get(HOME).status_code == 200


@required
def test_after_the_password_someone_with_an_app_is_asked_for_a_code(client, alice, with_password, authenticator):
    with_password(alice)
    authenticator(alice)

    response = log_in(client, "alice", follow=True)

    assert response.redirect_chain[-1] == (f"{VERIFY}?next=%2F", 302)
    assert "<h1>Enter your security code</h1>" in response.content.decode()
    assert client.get(TRIAGE)["Location"] == f"{VERIFY}?next=%2Ftriage%2F"


@required
def test_the_right_code_lets_them_in_and_back_to_the_page_they_asked_for(client, alice, with_password, authenticator):
    with_password(alice)
    device = authenticator(alice)
    log_in(client, "alice")

    response = client.post(VERIFY, {"code": code_for(device.key), "next": TRIAGE}, REMOTE_ADDR="198.51.100.7")

    assert response["Location"] == TRIAGE
    assert client.get(TRIAGE).status_code == 200
    assert _actions(alice) == ["auth.login", "auth.two_factor_verified"]
    assert AuditEvent.objects.get(action="auth.two_factor_verified").source_ip == "198.51.100.7"


@required
def test_a_wrong_code_says_what_to_do_and_is_audited(client, alice, with_password, authenticator):
    with_password(alice)
    device = authenticator(alice)
    log_in(client, "alice")

    response = client.post(VERIFY, {"code": wrong_code(device.key)})

    assert response.status_code == 200
    assert "The security code is not right" in response.content.decode()
    assert _actions(alice) == ["auth.login", "auth.two_factor_failed"]
    assert client.get(HOME).status_code == 302


@required
def test_a_code_that_is_not_six_digits_is_refused_before_it_is_checked(client, alice, with_password, authenticator):
    with_password(alice)
    authenticator(alice)
    log_in(client, "alice")

    response = client.post(VERIFY, {"code": "12ab"})

    assert "Enter the security code as 6 digits, like 123456" in response.content.decode()
    assert "auth.two_factor_failed" not in _actions(alice)


@required
def test_verify_never_sends_anyone_off_to_another_site(client, alice, with_password, authenticator):
    with_password(alice)
    device = authenticator(alice)
    log_in(client, "alice")

    response = client.post(VERIFY, {"code": code_for(device.key), "next": "https://phish.example/"})

    assert response["Location"] == HOME


@override_settings(REQUIRE_TWO_FACTOR=False)
def test_someone_who_enrolled_anyway_is_asked_for_a_code_even_when_it_is_optional(
    client, alice, with_password, authenticator
):
    with_password(alice)
    authenticator(alice)

    log_in(client, "alice")

    assert client.get(HOME)["Location"] == f"{VERIFY}?next=%2F"


@required
def test_someone_without_an_app_must_set_one_up(client, alice, with_password):
    with_password(alice)
    log_in(client, "alice")

    response = client.get(HOME, follow=True)

    assert response.redirect_chain[-1] == (f"{SETUP}?next=%2F", 302)
    html = response.content.decode()
    assert "<h1>Set up two-factor authentication</h1>" in html
    assert re.search(r'<svg class="app-qr-code" role="img" aria-label="[^"]+"', html)
    key = client.session[_SETUP_KEY_SESSION_KEY]
    assert "otpauth://totp/Community%20mental%20health%20referrals%3Aalice?secret=" in html
    assert re.search(r'id="totp-secret">([A-Z2-7]{4} ){7}[A-Z2-7]{4}<', html)  # 32 characters in groups of 4
    assert not TOTPDevice.objects.filter(user=alice).exists()  # nothing saved until a code proves the app
    assert len(key) == 40


@required
def test_the_secret_stays_the_same_when_the_set_up_page_is_reloaded(client, alice, with_password):
    with_password(alice)
    log_in(client, "alice")

    first = client.get(SETUP).content.decode()
    second = client.get(SETUP).content.decode()

    secret = re.compile(r'id="totp-secret">([^<]+)<')
    assert secret.search(first).group(1) == secret.search(second).group(1)


@required
def test_a_right_code_confirms_the_app_and_lets_them_in(client, alice, with_password, set_up_code):
    with_password(alice)
    given = set_up_code(alice)
    log_in(client, "alice")
    client.get(SETUP)
    key = client.session[_SETUP_KEY_SESSION_KEY]

    response = client.post(SETUP, {"enrolment_code": given, "code": code_for(key), "next": TRIAGE})

    assert response["Location"] == TRIAGE
    device = TOTPDevice.objects.get(user=alice)
    assert device.confirmed and device.key == key
    assert client.get(TRIAGE).status_code == 200
    assert _actions(alice) == ["auth.login", "auth.enrolment_code_used", "auth.two_factor_enrolled"]
    # Set up once: the set-up page now sends them to verify instead of issuing a second secret.
    assert client.get(SETUP)["Location"].startswith(VERIFY)


@required
def test_a_wrong_code_at_set_up_saves_nothing_and_keeps_the_set_up_code_for_another_try(
    client, alice, with_password, set_up_code
):
    with_password(alice)
    given = set_up_code(alice)
    log_in(client, "alice")
    client.get(SETUP)
    key = client.session[_SETUP_KEY_SESSION_KEY]

    response = client.post(SETUP, {"enrolment_code": given, "code": wrong_code(key)})

    assert "The security code is not right" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=alice).exists()
    assert client.post(SETUP, {"enrolment_code": given, "code": code_for(key)}).status_code == 302


@required
def test_the_code_used_to_set_up_cannot_be_used_again(client, alice, with_password, set_up_code):
    with_password(alice)
    given = set_up_code(alice)
    log_in(client, "alice")
    client.get(SETUP)
    code = code_for(client.session[_SETUP_KEY_SESSION_KEY])
    client.post(SETUP, {"enrolment_code": given, "code": code})
    client.post(reverse("accounts:logout"))

    log_in(client, "alice")
    response = client.post(VERIFY, {"code": code})

    assert "The security code is not right" in response.content.decode()


@required
def test_an_htmx_request_is_sent_to_the_verify_page_whole(client, alice, with_password, authenticator):
    with_password(alice)
    authenticator(alice)
    log_in(client, "alice")

    response = client.get(TRIAGE, headers={"HX-Request": "true"})

    assert response.status_code == 200  # django-htmx HttpResponseClientRedirect: htmx follows HX-Redirect
    assert response["HX-Redirect"] == f"{VERIFY}?next=%2Ftriage%2F"


@required
def test_logging_out_needs_no_code(client, alice, with_password, authenticator):
    with_password(alice)
    authenticator(alice)
    log_in(client, "alice")

    response = client.post(reverse("accounts:logout"))

    assert response["Location"] == reverse("accounts:logged-out")


@required
def test_api_tokens_are_issued_to_systems_and_need_no_code(client, intake, authenticator):
    authenticator(intake)
    token = Token.objects.create(user=intake)

    response = client.get(API_REFERRALS, headers={"Authorization": f"Token {token.key}"})

    assert response.status_code == 200


@required
def test_a_browser_session_reaches_the_api_only_after_its_second_factor(client, alice, with_password, authenticator):
    with_password(alice)
    device = authenticator(alice)
    log_in(client, "alice")

    assert client.get(API_REFERRALS).status_code in (401, 403)

    client.post(VERIFY, {"code": code_for(device.key)})
    assert client.get(API_REFERRALS).status_code == 200


@required
def test_unverified_sessions_cannot_reach_the_admin(client, alice, with_password, authenticator):
    alice.is_staff = alice.is_superuser = True
    alice.save()
    with_password(alice)
    authenticator(alice)
    log_in(client, "alice")

    response = client.get(reverse("admin:index"))

    assert response["Location"].startswith(VERIFY)
