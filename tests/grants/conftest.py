from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Role
from referrals.services import caseload_allocate, referral_triage
from tests.factories import UserFactory, make_referral


@pytest.fixture
def ig(trust):
    return UserFactory(username="iggy", role=Role.IG_LEAD, organisation=trust, email="ig@trust.invalid")


@pytest.fixture
def referral(alice, north_practice):
    """A North referral, triaged by alice (trust) and held by bob (VCSE)."""
    referral = make_referral(
        by=alice, practice=north_practice, nhs_number="9434765919", now=timezone.now() - timedelta(days=2)
    )
    referral_triage(referral=referral, by=alice, now=referral.received_at)
    return referral


@pytest.fixture
def held_by_bob(referral, alice, bob, north_team):
    caseload_allocate(referral=referral, by=alice, now=referral.received_at, link_worker=bob, team=north_team)
    referral.refresh_from_db()
    return referral


@pytest.fixture
def person(referral):
    return referral.person
