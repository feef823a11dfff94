"""What /healthz checks: can we reach the database and the broker, and are alerts flowing?"""

from dataclasses import dataclass
from datetime import datetime

from celery import current_app
from django.conf import settings
from django.db import connection

from referrals.selectors import SweepHealth, sweep_health


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: dict[str, object]


def database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return Check(True, {})
    except Exception as exc:  # noqa: BLE001 - reported, not raised: this is the health check
        return Check(False, {"error": f"{type(exc).__name__}: {exc}"})


def broker() -> Check:
    try:
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return Check(True, {})
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return Check(False, {"error": f"{type(exc).__name__}: {exc}"})


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def sweep(health: SweepHealth, now: datetime) -> Check:
    age = (now - health.last_finished_at).total_seconds() if health.last_finished_at else None
    return Check(
        not health.stale,
        {
            "last_finished_at": _iso(health.last_finished_at),
            "seconds_since_last": age,
            "stale_after_seconds": settings.CLOCK_SWEEP_STALE_AFTER.total_seconds(),
            "lag_seconds": health.lag_seconds,
        },
    )


def delivery(health: SweepHealth, now: datetime) -> Check:
    oldest = (now - health.oldest_unsent_at).total_seconds() if health.oldest_unsent_at else None
    # Informational: an alert can wait on a refusing mail server (its in-app copy is delivered).
    return Check(
        True,
        {
            "deliverable": health.deliverable,
            "oldest_unsent_at": _iso(health.oldest_unsent_at),
            "oldest_unsent_seconds": oldest,
        },
    )


def run_all(now: datetime) -> dict[str, Check]:
    db = database()
    checks = {"database": db, "broker": broker()}
    if db.ok:
        health = sweep_health(now=now)
        checks["sweep"] = sweep(health, now)
        checks["delivery"] = delivery(health, now)
    return checks
