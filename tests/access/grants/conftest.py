from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Role
from tests.factories import UserFactory, make_allocated_referral


@pytest.fixture
def ig(trust):
    return UserFactory(username="iggy", role=Role.IG_LEAD, organisation=trust, email="ig@trust.invalid")


@pytest.fixture
def referral_received_at():
    """The standing referral (tests/conftest.py) arrived two days ago."""
    return timezone.now() - timedelta(days=2)


@pytest.fixture
def held_by_bob(triaged_referral, alice, bob, north_team):
    """The standing referral, triaged by alice (trust) and held by bob (VCSE)."""
    return make_allocated_referral(
        referral=triaged_referral, by=alice, now=triaged_referral.received_at, link_worker=bob, team=north_team
    )


@pytest.fixture
def person(triaged_referral):
    return triaged_referral.person
