"""A complex emotional needs service (cora is its clinician) holding referrals redirected to it
from North by alice: an adult's (Robin, 30) and a 15-year-old's (Sky)."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from referrals.models import Referral
from referrals.services import referral_redirect
from tests.factories import make_cen_service, make_referral


@pytest.fixture
def cen(trust):
    return make_cen_service(organisation=trust)


def _with_cen(cen, *, alice, practice, birth_date: date, given_name: str) -> Referral:
    received = timezone.now() - timedelta(days=10)
    referral = make_referral(
        by=alice, received_at=received, now=received, practice=practice, birth_date=birth_date, given_name=given_name
    )
    referral_redirect(
        referral=referral,
        by=alice,
        now=received + timedelta(days=1),
        to_team=cen.team,
        note="Complex emotional needs: for the CEN pathway.",
        person_informed=True,
    )
    return Referral.objects.select_related("person").get(pk=referral.pk)


@pytest.fixture
def adult_referral(cen, alice, north_practice):
    today = timezone.localdate()
    return _with_cen(
        cen, alice=alice, practice=north_practice, birth_date=date(today.year - 30, 1, 1), given_name="Robin"
    )


@pytest.fixture
def young_referral(cen, alice, north_practice):
    today = timezone.localdate()
    born = today.replace(year=today.year - 15) - timedelta(days=30)
    return _with_cen(cen, alice=alice, practice=north_practice, birth_date=born, given_name="Sky")
