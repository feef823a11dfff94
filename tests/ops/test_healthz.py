"""/healthz for load balancers and monitors; /metrics for Prometheus."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Role
from referrals.services.alerts import alert_deliver_next, clocks_sweep
from tests.factories import UserFactory, make_referral

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_broker_sweep_and_delivery(client, intake, north_practice, alice):
    now = timezone.now()
    make_referral(by=intake, practice=north_practice, received_at=now - timedelta(hours=25), now=now)
    clocks_sweep(now=now)

    response = client.get("/healthz")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] and body["checks"]["broker"]["ok"]
    assert body["checks"]["sweep"]["ok"] and body["checks"]["sweep"]["lag_seconds"] == 0
    assert body["checks"]["delivery"]["deliverable"] == 1  # the breach, awaiting a sender
    assert body["checks"]["delivery"]["oldest_unsent_seconds"] >= 0


def test_healthz_fails_and_administrators_hear_once_when_sweeps_stop(client):
    UserFactory(username="ada", role=Role.ADMINISTRATOR, email="ada@staff.invalid")
    clocks_sweep(now=timezone.now() - timedelta(minutes=6))

    first, second = client.get("/healthz"), client.get("/healthz")

    assert first.status_code == second.status_code == 503
    assert first.json()["checks"]["sweep"]["ok"] is False
    assert first.json()["checks"]["sweep"]["seconds_since_last"] > 300
    assert len(mail.outbox) == 1 and "No clock sweep since" in mail.outbox[0].subject


def test_healthz_for_a_load_balancer_checks_only_the_database(client):
    clocks_sweep(now=timezone.now() - timedelta(minutes=6))
    response = client.get("/healthz?only=database")
    assert response.status_code == 200 and list(response.json()["checks"]) == ["database"]


def test_healthz_fails_when_the_broker_is_unreachable(client, settings):
    from celery import current_app

    current_app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        response = client.get("/healthz")
    finally:
        current_app.conf.broker_url = settings.CELERY_BROKER_URL
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["ok"] is False


def test_metrics_count_sweeps_alerts_and_delivery_latency(
    client, intake, north_practice, alice, django_capture_on_commit_callbacks
):
    now = timezone.now()
    make_referral(by=intake, practice=north_practice, received_at=now - timedelta(hours=25), now=now)
    with django_capture_on_commit_callbacks(execute=True):  # alerts are counted once their sweep step commits
        clocks_sweep(now=now)
    assert alert_deliver_next(now=now) is not None

    response = client.get("/metrics")

    assert response.status_code == 200
    text = response.content.decode()
    for name in (
        "caseload_clock_sweep_duration_seconds_count",
        'caseload_alerts_raised_total{level="breach"}',
        'caseload_alerts_delivered_total{level="breach"}',
        "caseload_alert_delivery_latency_seconds_bucket",
        "caseload_clock_sweep_last_finished_timestamp_seconds",
        "caseload_alerts_deliverable 0.0",
        "caseload_clock_sweep_lag_seconds 0.0",
    ):
        assert name in text, name


def test_metrics_need_the_token_when_one_is_set(client, settings):
    settings.METRICS_TOKEN = "s3cret"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer s3cret"}).status_code == 200


def test_metrics_are_not_published_in_production_without_a_token(client, settings):
    settings.METRICS_TOKEN = ""
    settings.PRODUCTION = True
    assert client.get("/metrics").status_code == 403
