"""Who can see which referral: the everyday rules by record scope (docs/adr/0006)."""

import pytest

from access.selectors import alerts_visible_to, people_visible_to, referrals_visible_to
from accounts.models import Role
from referrals.services import caseload_allocate, referral_triage
from tests.factories import TeamFactory, UserFactory, make_referral

pytestmark = pytest.mark.django_db


def test_team_members_see_their_teams_referrals_and_nobody_elses(alice, charlie, north_practice):
    referral = make_referral(by=alice, practice=north_practice)
    assert referral in referrals_visible_to(alice)
    assert referral not in referrals_visible_to(charlie)
    assert referral.person in people_visible_to(alice)
    assert referral.person not in people_visible_to(charlie)


def test_a_partner_team_holding_someone_by_allocation_lets_its_clinical_staff_see_them(alice, north_practice, vcse):
    wellbeing = TeamFactory(name="Wellbeing hub", organisation=vcse, locality=None, kind="system_service")
    worker = UserFactory(username="wren", role=Role.LINK_WORKER, organisation=vcse, teams=[wellbeing])
    clinician = UserFactory(username="xia", role=Role.CLINICIAN, organisation=vcse, teams=[wellbeing])
    manager = UserFactory(username="zed", role=Role.TEAM_MANAGER, organisation=vcse, teams=[wellbeing])
    referral = make_referral(by=alice, practice=north_practice)
    referral_triage(referral=referral, by=alice, now=referral.received_at)
    assert referral not in referrals_visible_to(clinician)

    caseload_allocate(referral=referral, by=alice, now=referral.received_at, link_worker=worker, team=wellbeing)

    assert referral in referrals_visible_to(worker)
    assert referral in referrals_visible_to(clinician)
    assert referral in referrals_visible_to(manager)
    assert referral.person in people_visible_to(clinician)


def test_a_link_worker_in_the_partner_team_sees_only_the_people_allocated_to_them(alice, north_practice, vcse):
    wellbeing = TeamFactory(name="Wellbeing hub", organisation=vcse, locality=None, kind="system_service")
    worker = UserFactory(username="wren", role=Role.LINK_WORKER, organisation=vcse, teams=[wellbeing])
    colleague = UserFactory(username="yan", role=Role.LINK_WORKER, organisation=vcse, teams=[wellbeing])
    referral = make_referral(by=alice, practice=north_practice)
    referral_triage(referral=referral, by=alice, now=referral.received_at)
    caseload_allocate(referral=referral, by=alice, now=referral.received_at, link_worker=worker, team=wellbeing)

    assert referral in referrals_visible_to(worker)
    assert referral not in referrals_visible_to(colleague)
    assert referral.person not in people_visible_to(colleague)


def test_a_link_worker_in_the_team_sees_a_referral_only_while_it_is_allocated_to_them(alice, bob, north_practice):
    referral = make_referral(by=alice, practice=north_practice)
    referral_triage(referral=referral, by=alice, now=referral.received_at)
    assert referral not in referrals_visible_to(bob)

    caseload_allocate(referral=referral, by=alice, now=referral.received_at, link_worker=bob)

    assert referral in referrals_visible_to(bob)
    assert referral.person in people_visible_to(bob)


@pytest.mark.parametrize("role", [Role.SERVICE_MANAGER, Role.IG_LEAD, Role.ADMINISTRATOR])
def test_roles_without_a_record_scope_see_no_one_even_in_the_team_or_as_the_referrer(
    alice, north_team, north_practice, role
):
    someone = UserFactory(role=role, teams=[north_team])
    referral = make_referral(by=someone, practice=north_practice)

    assert referral in referrals_visible_to(alice)
    assert not referrals_visible_to(someone).exists()
    assert not people_visible_to(someone).exists()


def test_inactive_and_anonymous_users_see_nothing(alice, north_practice):
    from django.contrib.auth.models import AnonymousUser

    make_referral(by=alice, practice=north_practice)
    alice.is_active = False
    assert not referrals_visible_to(alice).exists()
    assert not referrals_visible_to(AnonymousUser()).exists()
    assert not alerts_visible_to(AnonymousUser()).exists()
