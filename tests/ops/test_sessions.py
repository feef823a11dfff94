"""Sessions survive a Redis restart (cached_db), and the dev server keeps no connection per thread."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_a_signed_in_user_stays_signed_in_when_redis_loses_everything(client, alice):
    client.force_login(alice)
    assert client.get("/alerts/").status_code == 200

    cache.clear()  # what a Redis restart (no persistence) or a flush does to the cache

    response = client.get("/alerts/")
    assert response.status_code == 200  # not a redirect to the login page
    assert response.wsgi_request.user == alice


@pytest.mark.django_db
def test_a_page_view_slides_the_session_in_the_cache_and_the_database_at_most_once_a_minute(client, alice):
    from django.contrib.sessions.models import Session

    assert settings.SESSION_ENGINE == "ops.sessions"
    client.force_login(alice)
    client.get("/alerts/")
    row = Session.objects.get()
    with time_machine.travel(timezone.now() + timedelta(seconds=30)):
        client.get("/alerts/")
    assert Session.objects.get().expire_date == row.expire_date  # renewed in the cache only
    with time_machine.travel(timezone.now() + timedelta(seconds=90)):
        client.get("/alerts/")
        assert Session.objects.get().expire_date > row.expire_date  # the database copy caught up
        cache.clear()
        assert client.get("/alerts/").status_code == 200


@pytest.mark.parametrize(("command", "expected"), [("runserver", "0"), ("migrate", "60")])
def test_the_development_server_keeps_no_database_connection_per_thread(command, expected):
    code = (
        f"import sys; sys.argv = ['manage.py', {command!r}]; import config.settings as s; "
        "print(s.DATABASES['default']['CONN_MAX_AGE'], s.DATABASES['default']['CONN_HEALTH_CHECKS'])"
    )
    env = {k: v for k, v in os.environ.items() if k != "DB_CONN_MAX_AGE"}
    env["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/unused"
    out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
    assert out.stdout.split() == [expected, "True"], out.stderr
