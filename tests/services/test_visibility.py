"""Who can see which referral (the everyday rules; consent and break-glass come with access control)."""

import pytest

from accounts.models import Role
from caseload.services import caseload_allocate
from referrals.selectors import alerts_visible_to, people_visible_to, referrals_visible_to
from referrals.services import referral_triage
from tests.factories import TeamFactory, UserFactory, make_referral

pytestmark = pytest.mark.django_db


def test_team_members_see_their_teams_referrals_and_nobody_elses(alice, charlie, north_practice):
    referral = make_referral(by=alice, practice=north_practice)
    assert referral in referrals_visible_to(alice)
    assert referral not in referrals_visible_to(charlie)
    assert referral.person in people_visible_to(alice)
    assert referral.person not in people_visible_to(charlie)


def test_a_partner_team_holding_someone_by_allocation_sees_them(alice, north_practice, vcse):
    wellbeing = TeamFactory(name="Wellbeing hub", organisation=vcse, locality=None, kind="system_service")
    worker = UserFactory(username="wren", role=Role.LINK_WORKER, organisation=vcse, teams=[wellbeing])
    colleague = UserFactory(username="yan", role=Role.LINK_WORKER, organisation=vcse, teams=[wellbeing])
    referral = make_referral(by=alice, practice=north_practice)
    referral_triage(referral=referral, by=alice, now=referral.received_at)
    caseload_allocate(referral=referral, by=alice, now=referral.received_at, link_worker=worker, team=wellbeing)
    assert referral in referrals_visible_to(worker)
    assert referral in referrals_visible_to(colleague)


def test_inactive_and_anonymous_users_see_nothing(alice, north_practice):
    from django.contrib.auth.models import AnonymousUser

    make_referral(by=alice, practice=north_practice)
    alice.is_active = False
    assert not referrals_visible_to(alice).exists()
    assert not referrals_visible_to(AnonymousUser()).exists()
    assert not alerts_visible_to(AnonymousUser()).exists()
