"""Every login, logout, failed login and lockout lands in the append-only audit log; five
failures for one username from one address lock that pair out for 15 minutes."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent

from .conftest import PASSWORD, log_in

pytestmark = pytest.mark.django_db


def _events(action: str):
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_a_login_is_audited_with_the_person_and_their_address(client, alice, with_password):
    with_password(alice)

    response = log_in(client, "alice", ip="198.51.100.7")

    assert response.status_code == 302
    [event] = _events("auth.login")
    assert (event.actor, event.object_type, event.object_id) == (alice, "accounts.user", str(alice.pk))
    assert event.source_ip == "198.51.100.7"


def test_a_failed_login_records_the_username_tried_and_never_the_password(client, alice, with_password):
    with_password(alice)

    log_in(client, "alice", "the-wrong-password-guess", ip="198.51.100.7")

    [event] = _events("auth.login_failed")
    assert event.actor is None
    assert (event.object_type, event.object_id) == ("accounts.user", str(alice.pk))
    assert event.detail == {"username": "alice", "locked_out": False}
    assert event.source_ip == "198.51.100.7"
    assert "the-wrong-password-guess" not in str(AuditEvent.objects.values_list("detail", flat=True))


def test_a_failed_login_for_a_username_that_names_no_one_is_still_recorded(client, db):
    log_in(client, "mallory", "guess")

    [event] = _events("auth.login_failed")
    assert (event.object_type, event.object_id, event.detail["username"]) == ("accounts.user", "", "mallory")


def test_a_logout_is_audited(client, alice, with_password):
    with_password(alice)
    log_in(client, "alice", ip="198.51.100.7")

    client.post(reverse("accounts:logout"), REMOTE_ADDR="198.51.100.7")

    [event] = _events("auth.logout")
    assert (event.actor, event.source_ip) == (alice, "198.51.100.7")


def test_the_failure_limit_is_five_and_the_cool_off_fifteen_minutes_by_default():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME == timedelta(minutes=15)


def test_the_fifth_wrong_password_locks_out_with_an_nhs_page(client, alice, with_password):
    with_password(alice)
    for _ in range(4):
        assert log_in(client, "alice", "wrong-password").status_code == 200  # the form again, with its error

    response = log_in(client, "alice", "wrong-password")

    assert response.status_code == 429
    html = response.content.decode()
    assert "<h1>You cannot log in for 15 minutes</h1>" in html
    assert "nhsuk-header" in html  # the service's own layout, not axes' plain text
    assert [e.detail["username"] for e in _events("auth.locked_out")] == ["alice"]
    assert _events("auth.locked_out")[0].source_ip == "192.0.2.10"


def test_once_locked_out_even_the_right_password_is_refused_and_audited(client, alice, with_password):
    with_password(alice)
    for _ in range(5):
        log_in(client, "alice", "wrong-password")

    response = log_in(client, "alice", PASSWORD)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert not _events("auth.login")
    assert _events("auth.login_failed")[-1].detail["locked_out"] is True
    assert len(_events("auth.locked_out")) == 2


def test_the_lock_is_on_the_username_and_address_together(client, alice, bob, with_password):
    with_password(alice)
    with_password(bob)
    for _ in range(5):
        log_in(client, "alice", "wrong-password", ip="192.0.2.10")

    # A colleague at the same site, and alice from another address, can still log in.
    assert log_in(client, "bob", ip="192.0.2.10").status_code == 302
    client.logout()
    assert log_in(client, "alice", ip="192.0.2.99").status_code == 302


def test_the_lock_lifts_fifteen_minutes_after_it_started(client, alice, with_password):
    with_password(alice)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        for _ in range(5):
            log_in(client, "alice", "wrong-password")
        traveller.shift(timedelta(minutes=10))
        assert log_in(client, "alice", "wrong-password").status_code == 429  # retrying does not extend it

        traveller.shift(timedelta(minutes=5, seconds=1))
        assert log_in(client, "alice").status_code == 302


def test_a_successful_login_resets_the_count(client, alice, with_password):
    with_password(alice)
    for _ in range(4):
        log_in(client, "alice", "wrong-password")
    log_in(client, "alice")
    client.logout()

    for _ in range(4):
        assert log_in(client, "alice", "wrong-password").status_code == 200
