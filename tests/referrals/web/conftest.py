"""Shared by the page tests in tests/referrals/web/ (the standing cast lives in tests/conftest.py).

* ``login(client, user)`` signs a user in for the Django test client;
* ``north_referral``: a referral received now from the North GP practice, so it sits with
  North IPCT (alice, bob, tina) and charlie (South) must not see it;
* ``sequoia``: a system-level service to redirect to.
"""

import pytest

from localities.models import Team
from tests.factories import TeamFactory, make_referral


def login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def north_referral(intake, north_practice, north_team):
    return make_referral(by=intake, practice=north_practice, given_name="Robin", family_name="Harbour")


@pytest.fixture
def sequoia(trust):
    return TeamFactory(name="Sequoia Tree Service", organisation=trust, locality=None, kind=Team.Kind.SYSTEM_SERVICE)


def allocate(referral, *, by, link_worker, now=None):
    """Triage (if still new) and allocate a link worker, as a team would."""
    from django.utils import timezone

    from referrals.models import Referral
    from referrals.services import caseload_allocate, referral_triage

    now = now or timezone.now()
    referral.refresh_from_db()
    if referral.status == Referral.Status.RECEIVED:
        referral_triage(referral=referral, by=by, now=now, next_step="Allocate a link worker.")
    return caseload_allocate(referral=referral, by=by, now=now, link_worker=link_worker)


def count_queries(client, url, **params) -> int:
    """How many queries one GET of a page runs (for few-versus-many-rows checks)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    return len(ctx.captured_queries)
