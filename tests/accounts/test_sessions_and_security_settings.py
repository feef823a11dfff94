"""Idle timeout, cookies, security headers and the production deployment check."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db
HOME = reverse("referrals:home")
ROOT = Path(__file__).resolve().parents[2]


def test_the_session_ends_after_thirty_idle_minutes_and_when_the_browser_closes():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True


def test_the_session_cookie_has_no_expiry_so_closing_the_browser_ends_it(client, alice):
    client.force_login(alice)

    response = client.get(HOME)

    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == "" and cookie["expires"] == ""
    assert cookie["httponly"] is True


# Time travel cannot age keys in Redis, so these two use database sessions, which check their
# expiry against timezone.now(); the idle rule (cookie age, renewed on every request) is the same.
@override_settings(SESSION_ENGINE="django.contrib.sessions.backends.db")
def test_activity_keeps_the_session_alive(client, alice):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.force_login(alice)
        for _ in range(4):
            traveller.shift(timedelta(minutes=25))
            assert client.get(HOME).status_code == 200  # 100 minutes in all, never 30 idle


@override_settings(SESSION_ENGINE="django.contrib.sessions.backends.db")
def test_thirty_one_idle_minutes_log_you_out(client, alice):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.force_login(alice)
        assert client.get(HOME).status_code == 200

        traveller.shift(timedelta(minutes=31))
        response = client.get(HOME)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_pages_carry_a_strict_content_security_policy(client):
    response = client.get(reverse("accounts:login"))

    policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["font-src"] == "'self' https://assets.nhs.uk"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_swagger_page_loads_swagger_from_this_site_not_a_cdn(client, alice):
    client.force_login(alice)

    docs = client.get(reverse("api-docs"))["Content-Security-Policy"]

    # More in tests/config/test_security_headers.py.
    assert "https://cdn.jsdelivr.net" not in docs
    assert "unsafe-inline" not in docs


@pytest.mark.slow
def test_the_production_settings_pass_the_deployment_check():
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")},
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_PRODUCTION": "true",
        "DJANGO_SECRET_KEY": "synthetic-" + "k3y-for-the-deploy-check-only-" * 3,
        "DJANGO_ALLOWED_HOSTS": "referrals.example.nhs.uk",
        "DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/caseload"),
    }
    code = (
        "import django; django.setup(); from django.core.management import call_command; "
        "call_command('check', deploy=True, fail_level='WARNING')"
    )

    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout
