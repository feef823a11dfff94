"""The alerts inbox says when new alerts are not being raised (no clock sweep for minutes: beat is down)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Role
from referrals.services.alerts import clocks_sweep
from tests.factories import UserFactory

from .conftest import login

pytestmark = pytest.mark.django_db


def test_the_inbox_warns_when_sweeps_stopped_and_administrators_are_emailed_once(client, alice):
    UserFactory(username="ada", role=Role.ADMINISTRATOR, email="ada@staff.invalid")
    clocks_sweep(now=timezone.now() - timedelta(minutes=10))
    login(client, alice)

    page = client.get("/alerts/").content.decode()
    client.get("/alerts/")

    assert 'id="sweeps-stopped"' in page and "New alerts are not being raised" in page
    assert [m.to for m in mail.outbox] == [["ada@staff.invalid"]]


def test_the_inbox_says_nothing_while_sweeps_run(client, alice):
    clocks_sweep(now=timezone.now() - timedelta(seconds=20))
    page = login(client, alice).get("/alerts/").content.decode()
    assert "sweeps-stopped" not in page
    assert mail.outbox == []
