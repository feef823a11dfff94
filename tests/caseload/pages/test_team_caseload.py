"""The team caseload and waiting list (team manager, MDT), and the workers' capacity."""

from datetime import timedelta

import pytest
from django.utils import timezone

from access.selectors import team_open_referrals_in_two, team_referrals_visible_to
from accounts.models import Role
from caseload import selectors
from referrals.models import Allocation, Clock
from referrals.services import (
    caseload_allocate,
    contact_record,
    referral_discharge,
    referral_triage,
)
from tests.factories import TeamFactory, UserFactory, make_referral

from .helpers import TEAM, held_by, login, queries_for, waiting

pytestmark = pytest.mark.django_db

# --- Team caseload -----------------------------------------------------------------------------


def test_team_page_asks_for_login(client):
    response = client.get(TEAM)
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_team_page_lists_everyone_the_team_holds_and_nobody_else(
    client, alice, bob, tina, charlie, north_practice, south_practice
):
    held = held_by(bob, by=alice, practice=north_practice, given_name="Held", family_name="Person")
    unallocated = waiting(by=alice, practice=north_practice, given_name="Una", family_name="Llocated")
    south = waiting(by=charlie, practice=south_practice, given_name="South", family_name="Side")

    body = login(client, tina).get(TEAM).content.decode()

    assert "North IPCT" in body
    assert held.reference in body and unallocated.reference in body and south.reference not in body
    assert "Everyone held (2)" in body and "Unallocated (1)" in body and "Waiting for treatment (2)" in body
    assert "The team holds 2 people" in body


def held_by_team(user, referral) -> bool:
    team = user.memberships.get().team
    return team_referrals_visible_to(user, team).filter(pk=referral.pk).exists()


def test_an_ended_referral_is_off_the_team_page_even_with_an_allocation_left_open(
    client, alice, bob, tina, charlie, north_practice, south_practice, north_team
):
    """Ending a referral ends its allocations; records from before that rule, whose allocation
    was left open, must not put an ended referral back on the team page. Routed to the south team
    and held by bob, a north worker, it is the north team's by allocation alone."""
    now = timezone.now()
    held = make_referral(by=charlie, practice=south_practice, given_name="Ended", family_name="Elsewhere")
    referral_triage(referral=held, by=charlie, now=now)
    caseload_allocate(referral=held, by=charlie, now=now, link_worker=bob, team=north_team)
    assert held_by_team(tina, held)  # the north team's, by allocation alone, while it is open
    referral_discharge(
        referral=held, by=bob, now=timezone.now(), reason="goals_met", note="Back to self-care", return_route="GP"
    )
    Allocation.objects.filter(referral=held).update(ended_at=None)  # as an old record may have it
    open_one = held_by(bob, by=alice, practice=north_practice, given_name="Still", family_name="Here")

    body = login(client, tina).get(TEAM).content.decode()

    assert open_one.reference in body and held.reference not in body
    assert "Everyone held (1)" in body
    assert not held_by_team(tina, held)


def test_the_team_tabs_counted_in_two_parts_add_up_to_the_whole_team(
    client, alice, bob, tina, charlie, north_practice, south_practice, north_team
):
    """A team manager's counts add the referrals routed to the team to those its workers hold for
    other teams (two queries, each through its own index); they must be the counts of the whole
    set as a non-member's path reads it: held, unallocated and still waiting for treatment, with
    an ended referral whose allocation was left open counted nowhere."""
    now = timezone.now()
    held = held_by(bob, by=alice, practice=north_practice, given_name="Routed", family_name="Held")
    waiting(by=alice, practice=north_practice, given_name="Routed", family_name="Unallocated")
    treated = held_by(
        bob, by=alice, practice=north_practice, received_hours_ago=48, given_name="Routed", family_name="Treated"
    )
    for _ in range(2):
        contact_record(
            referral=treated,
            by=bob,
            now=now,
            occurred_at=now - timedelta(hours=1),
            mode="face_to_face",
            outcome="completed",
        )
    elsewhere = make_referral(by=charlie, practice=south_practice, given_name="South", family_name="Held by north")
    referral_triage(referral=elsewhere, by=charlie, now=now)
    caseload_allocate(referral=elsewhere, by=charlie, now=now, link_worker=bob, team=north_team)
    ended = make_referral(by=charlie, practice=south_practice, given_name="Ended", family_name="Left open")
    referral_triage(referral=ended, by=charlie, now=now)
    caseload_allocate(referral=ended, by=charlie, now=now, link_worker=bob, team=north_team)
    referral_discharge(referral=ended, by=bob, now=timezone.now(), reason="goals_met", note="Done", return_route="GP")
    Allocation.objects.filter(referral=ended).update(ended_at=None)  # as an old record may have it
    waiting(by=charlie, practice=south_practice, given_name="South", family_name="Only")  # not the north team's

    parts = team_open_referrals_in_two(tina, north_team)
    assert parts is not None and parts.routed.count() == 3 and parts.held_elsewhere.count() == 1  # both parts used

    counts = selectors.team_caseload_counts(tina, north_team)
    whole = team_referrals_visible_to(tina, north_team)
    assert counts == {
        "held": whole.count(),
        "unallocated": whole.filter(allocated_to__isnull=True).count(),
        "waiting": whole.filter(clocks__kind="treatment", clocks__is_current=True, clocks__stopped_at__isnull=True)
        .distinct()
        .count(),
    }
    assert counts == {"held": 4, "unallocated": 1, "waiting": 3}
    assert held.pk in whole.values_list("pk", flat=True)
    assert team_open_referrals_in_two(bob, north_team) is None  # a link worker sees only what is theirs


def test_unallocated_tab_offers_allocate_inline_and_without_js(client, alice, tina, north_practice):
    referral = waiting(by=alice, practice=north_practice)
    received = make_referral(by=alice, practice=north_practice, given_name="New", family_name="Arrival")

    body = login(client, tina).get(TEAM, {"view": "unallocated"}).content.decode()

    allocate = f"/referrals/{referral.pk}/allocate/"
    assert f'href="{allocate}?next=' in body  # a normal link for no-JS
    assert f'hx-get="{allocate}?inline=1"' in body  # htmx swaps the row for a one-line form
    assert "Triage first" in body and f"/referrals/{received.pk}/triage/" in body


def test_waiting_list_is_ordered_by_breach_risk(client, alice, bob, tina, north_practice):
    later = held_by(bob, by=alice, practice=north_practice, received_hours_ago=24, given_name="Later")
    soonest = waiting(by=alice, practice=north_practice, received_hours_ago=24 * 20, given_name="Soonest")
    middle = held_by(bob, by=alice, practice=north_practice, received_hours_ago=24 * 10, given_name="Middle")
    treated = held_by(bob, by=alice, practice=north_practice, received_hours_ago=24 * 25, given_name="Treated")
    for _ in range(2):
        contact_record(
            referral=treated,
            by=bob,
            now=timezone.now(),
            occurred_at=timezone.now() - timedelta(hours=1),
            mode="face_to_face",
            outcome="completed",
        )
    assert Clock.objects.get(referral=treated, kind="treatment").stopped_at is not None

    body = login(client, tina).get(TEAM, {"view": "waiting"}).content.decode()

    order = [body.index(r.reference) for r in (soonest, middle, later)]
    assert order == sorted(order)
    assert treated.reference not in body
    assert "3 people waiting for treatment" in body


def test_each_worker_shows_caseload_against_capacity(client, alice, bob, tina, north_practice, north_team):
    bob.caseload_capacity = 2
    bob.save()
    for _ in range(3):
        held_by(bob, by=alice, practice=north_practice)
    held_by(alice, by=tina, practice=north_practice)

    body = login(client, tina).get(TEAM).content.decode()

    assert "3 of 2" in body and "Over capacity" in body  # bob
    assert "1 of 25" in body and "Has space" in body  # alice
    # The team manager holds no caseload and is not listed as a worker.
    workers = body[body.index("Workers and capacity") : body.index('id="people"')]
    assert str(tina) not in workers
    # Each worker's row links to moving their caseload, for this team.
    for worker in (alice, bob):
        assert f'href="/team/workers/{worker.pk}/move/?team={north_team.pk}"' in workers


def test_a_worker_outside_the_team_holding_its_people_is_listed(client, alice, tina, north_practice, north_team, vcse):
    outsider = UserFactory(role=Role.LINK_WORKER, organisation=vcse, first_name="Val", last_name="Outreach")
    referral = waiting(by=alice, practice=north_practice)
    caseload_allocate(referral=referral, by=tina, now=timezone.now(), link_worker=outsider)

    body = login(client, tina).get(TEAM).content.decode()

    workers = body[body.index("Workers and capacity") : body.index('id="people"')]
    assert "Val Outreach" in workers and "1 of 25" in workers


def test_another_teams_caseload_is_not_found(client, tina, south_team):
    client = login(client, tina)

    assert client.get(TEAM, {"team": south_team.pk}).status_code == 404
    assert client.get(TEAM, {"team": "not-a-number"}).status_code == 404


def test_a_member_of_several_teams_chooses_which(client, alice, trust, north_team, south_practice, charlie):
    crisis = TeamFactory(name="Crisis Team", organisation=trust, locality=north_team.locality)
    alice.memberships.create(team=crisis)
    south_team = south_practice.locality.intake_team
    alice.memberships.create(team=south_team)
    south = waiting(by=charlie, practice=south_practice)
    client = login(client, alice)

    default = client.get(TEAM).content.decode()
    chosen = client.get(TEAM, {"team": south_team.pk}).content.decode()

    assert "Crisis Team" in default.split("</h1>")[0]  # alphabetical first
    assert "Show another of your teams" in default
    assert south.reference in chosen and south.reference not in default


def test_someone_in_no_team_is_told_so(client, sam):
    body = login(client, sam).get(TEAM).content.decode()
    assert "You are not a member of a team" in body


def test_team_search_and_htmx_partial(client, alice, bob, tina, north_practice):
    one = held_by(bob, by=alice, practice=north_practice, given_name="Findme", family_name="Please")
    two = waiting(by=alice, practice=north_practice, given_name="Other", family_name="Person")
    client = login(client, tina)

    body = client.get(TEAM, {"q": "findme"}).content.decode()
    assert one.reference in body and two.reference not in body

    response = client.get(TEAM, {"q": "other"}, headers={"HX-Request": "true", "HX-Target": "team-results"})
    body = response.content.decode()
    assert "<html" not in body and two.reference in body and one.reference not in body


def test_team_page_is_paginated(client, alice, bob, tina, north_practice):
    for i in range(26):
        waiting(by=alice, practice=north_practice, received_hours_ago=1 + i)
    client = login(client, tina)

    first = client.get(TEAM, {"view": "unallocated"}).content.decode()
    second = client.get(TEAM, {"view": "unallocated", "page": 2}).content.decode()

    assert first.count('id="referral-') == 25 and second.count('id="referral-') == 1


@pytest.mark.parametrize("view", ["held", "unallocated", "waiting"])
def test_team_page_query_count_does_not_grow_with_rows_or_workers(
    client, alice, bob, tina, north_practice, north_team, vcse, django_assert_num_queries, view
):
    held_by(bob, by=alice, practice=north_practice)
    waiting(by=alice, practice=north_practice)
    client = login(client, tina)
    client.get(TEAM)
    few = queries_for(client, TEAM, view=view)

    workers = [UserFactory(role=Role.LINK_WORKER, organisation=vcse, teams=[north_team]) for _ in range(6)]
    for i in range(30):
        held_by(workers[i % 6], by=alice, practice=north_practice, received_hours_ago=2 + i)
        waiting(by=alice, practice=north_practice, received_hours_ago=2 + i)

    with django_assert_num_queries(few):
        assert client.get(TEAM, {"view": view}).status_code == 200
