"""A password alone does not set up a second factor (issue 10, item 7).

With two factors required, anyone holding the password of an account with no authenticator app
yet could set one up and so pass every later check. Now setting up the app also needs a
one-time set-up code that an administrator issued to that account: kept only as a hash, used
once, before it expires, and each issue, use and refusal audited.
"""

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEvent, EnrolmentCode, Role
from accounts.services import ENROLMENT_CODE_VALIDITY
from accounts.views import _SETUP_KEY_SESSION_KEY
from tests.factories import UserFactory

from .conftest import SETUP, code_for, log_in

pytestmark = pytest.mark.django_db
required = override_settings(REQUIRE_TWO_FACTOR=True)


def _start_set_up(client, user, with_password) -> str:
    with_password(user)
    log_in(client, user.username)
    client.get(SETUP)
    return client.session[_SETUP_KEY_SESSION_KEY]


@required
def test_a_password_alone_cannot_set_up_an_app(client, alice, with_password):
    key = _start_set_up(client, alice, with_password)

    response = client.post(SETUP, {"enrolment_code": "", "code": code_for(key)})

    assert response.status_code == 200
    assert "Enter the set-up code your administrator gave you" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=alice).exists()
    assert client.get(reverse("referrals:home")).status_code == 302  # still owes a second factor


@required
def test_a_guessed_set_up_code_is_refused_and_audited(client, alice, with_password):
    key = _start_set_up(client, alice, with_password)

    response = client.post(SETUP, {"enrolment_code": "ABCD-EFGH-JKMN-PQRS", "code": code_for(key)})

    assert "The set-up code is not right" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=alice).exists()
    refused = AuditEvent.objects.get(action="auth.enrolment_code_refused")
    assert (refused.actor, refused.object_id) == (alice, str(alice.pk))


@required
def test_a_code_issued_to_someone_else_does_not_set_up_my_app(client, alice, bob, with_password, set_up_code):
    bobs = set_up_code(bob)
    key = _start_set_up(client, alice, with_password)

    client.post(SETUP, {"enrolment_code": bobs, "code": code_for(key)})

    assert not TOTPDevice.objects.filter(user=alice).exists()


@required
def test_a_set_up_code_works_once(client, alice, with_password, set_up_code):
    given = set_up_code(alice)
    key = _start_set_up(client, alice, with_password)
    assert client.post(SETUP, {"enrolment_code": given, "code": code_for(key)}).status_code == 302
    # The administrator deletes the app (a lost phone); the old code does not set up another.
    TOTPDevice.objects.filter(user=alice).delete()
    client.post(reverse("accounts:logout"))
    key = _start_set_up(client, alice, with_password)

    response = client.post(SETUP, {"enrolment_code": given, "code": code_for(key)})

    assert "The set-up code is not right, has been used or has expired" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=alice).exists()


@required
def test_a_set_up_code_expires(client, alice, with_password, set_up_code):
    issued_at = timezone.now() - ENROLMENT_CODE_VALIDITY - timedelta(minutes=1)
    with time_machine.travel(issued_at, tick=False):
        given = set_up_code(alice, now=issued_at)
    key = _start_set_up(client, alice, with_password)

    client.post(SETUP, {"enrolment_code": given, "code": code_for(key)})

    assert not TOTPDevice.objects.filter(user=alice).exists()


def test_only_a_hash_of_the_code_is_kept_and_a_new_code_replaces_the_old(alice, set_up_code):
    first = set_up_code(alice)
    second = set_up_code(alice)

    stored = " ".join(EnrolmentCode.objects.values_list("code_hash", flat=True))
    for code in (first, second):
        assert code.replace("-", "") not in stored and code not in stored
    assert EnrolmentCode.objects.filter(user=alice, expires_at__gt=timezone.now()).count() == 1


def test_an_administrator_issues_a_code_from_the_staff_list_and_sees_it_once(client, alice, trust, with_password):
    administrator = UserFactory(
        username="root", role=Role.ADMINISTRATOR, organisation=trust, is_staff=True, is_superuser=True
    )
    client.force_login(administrator)

    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "issue_enrolment_codes", "_selected_action": [alice.pk]},
    )

    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert "alice" in page and "cannot be shown again" in page
    issued = AuditEvent.objects.get(action="auth.enrolment_code_issued")
    assert (issued.actor, issued.object_id) == (administrator, str(alice.pk))
    (row,) = EnrolmentCode.objects.filter(user=alice)
    assert row.issued_by == administrator and row.used_at is None
    # The person types the code they were given, and sets up their app.
    given = re.search(r'<code class="enrolment-code">([A-Z0-9-]+)</code>', page).group(1)
    client.post(reverse("accounts:logout"))
    key = _start_set_up(client, alice, with_password)
    assert client.post(SETUP, {"enrolment_code": given.lower(), "code": code_for(key)}).status_code == 302
    assert TOTPDevice.objects.get(user=alice).confirmed
