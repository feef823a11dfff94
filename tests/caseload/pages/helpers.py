"""What the caseload page tests share: the pages' addresses, referrals in a known state, signing in."""

from datetime import datetime, time, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from referrals.models import Referral
from referrals.services import (
    caseload_allocate,
    referral_triage,
)
from tests.factories import make_referral

MINE = "/caseload/"
TEAM = "/team/"


def london_midday(*, days_ago: int) -> datetime:
    """Midday in London some calendar days ago: "N days ago" counts calendar days, so a contact
    a fixed number of hours ago would read one day older just after midnight."""
    return timezone.make_aware(datetime.combine(timezone.localdate() - timedelta(days=days_ago), time(12)))


def held_by(worker, *, by, practice, received_hours_ago: float = 1, next_step: str = "", **extra) -> Referral:
    """A referral received some hours ago, triaged and allocated to ``worker``."""
    now = timezone.now()
    referral = make_referral(by=by, practice=practice, now=now - timedelta(hours=received_hours_ago), **extra)
    referral_triage(
        referral=referral,
        by=by,
        now=now - timedelta(hours=received_hours_ago) + timedelta(minutes=1),
        next_step=next_step,
    )
    caseload_allocate(referral=referral, by=by, now=now - timedelta(minutes=5), link_worker=worker)
    referral.refresh_from_db()
    return referral


def waiting(*, by, practice, received_hours_ago: float = 1, **extra) -> Referral:
    """A referral routed to a team and triaged, with nobody allocated."""
    now = timezone.now()
    referral = make_referral(by=by, practice=practice, now=now - timedelta(hours=received_hours_ago), **extra)
    referral_triage(referral=referral, by=by, now=now - timedelta(hours=received_hours_ago) + timedelta(minutes=1))
    referral.refresh_from_db()
    return referral


def login(client, user):
    client.force_login(user)
    return client


def queries_for(client, url, **params) -> int:
    """How many queries one GET of the page makes."""
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params).status_code == 200
    return len(ctx.captured_queries)
