"""Caseloads that move with people: a team manager moves a leaving or absent worker's whole
caseload on one screen, records their absence (capacity meanwhile, cover for a date range), and
allocation suggests who has room and warns before putting someone over capacity."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from access.grants import absence_record, cover_arrange, covers_start_due
from access.selectors import referrals_visible_to
from accounts.models import Absence, AuditEvent, Role
from caseload import selectors
from caseload.forms import UNALLOCATED, AllocateForm, suggest_by_room, with_open_caseload
from common.london import london_midnight
from referrals.errors import ConflictError
from referrals.models import Allocation, Clock, Referral
from referrals.services import caseload_allocate, contact_record, referral_triage
from referrals.services.allocation import Move, caseload_reassign, caseload_unallocate
from tests.factories import UserFactory, make_eip_policy, make_referral

pytestmark = pytest.mark.django_db


def move_url(worker, team) -> str:
    return f"/team/workers/{worker.pk}/move/?team={team.pk}"


@pytest.fixture
def dee(vcse, north_team):
    return UserFactory(
        username="dee",
        first_name="Dee",
        last_name="Dawson",
        role=Role.LINK_WORKER,
        organisation=vcse,
        teams=[north_team],
    )


@pytest.fixture
def eve(trust, north_team):
    return UserFactory(
        username="eve", first_name="Eve", last_name="Evans", role=Role.CLINICIAN, organisation=trust, teams=[north_team]
    )


def held_by(worker, *, by, practice, count: int, given: str = "Person") -> list[Referral]:
    """``count`` triaged referrals in the practice's team, each allocated to ``worker``."""
    people = []
    for i in range(count):
        referral = make_referral(by=by, practice=practice, given_name=f"{given}{i}", family_name=f"Held{i:02d}")
        referral_triage(referral=referral, by=by, now=timezone.now())
        caseload_allocate(referral=referral, by=by, now=timezone.now(), link_worker=worker)
        referral.refresh_from_db()
        people.append(referral)
    return people


# --- moving a whole caseload --------------------------------------------------------------------


def test_a_manager_moves_a_leaving_workers_caseload_on_one_screen(
    client, tina, bob, dee, eve, alice, north_team, north_practice
):
    first, second, third = held_by(bob, by=alice, practice=north_practice, count=3)
    client.force_login(tina)

    page = client.get(move_url(bob, north_team)).content.decode()
    assert f"Move {escape(str(bob))}" in page  # as the page writes it: O'Connor is O&#x27;Connor
    assert all(r.reference in page for r in (first, second, third))

    response = client.post(
        move_url(bob, north_team),
        {
            "action": "reassign",
            f"to_{first.pk}": str(dee.pk),
            f"to_{second.pk}": str(eve.pk),
            f"note_{second.pk}": "Eve knows the family from before.",
            f"to_{third.pk}": UNALLOCATED,
            "note": "Bob has left the team; his notes are up to date.",
        },
    )

    assert response.status_code == 302
    for referral in (first, second, third):
        referral.refresh_from_db()
    assert (first.allocated_to, second.allocated_to, third.allocated_to) == (dee, eve, None)
    assert Allocation.objects.get(referral=first, ended_at__isnull=True).handover_note == (
        "Bob has left the team; his notes are up to date."
    )
    assert Allocation.objects.get(referral=second, ended_at__isnull=True).handover_note == (
        "Eve knows the family from before."
    )
    released = Allocation.objects.get(referral=third, link_worker=bob)
    assert released.ended_at is not None and released.release_note.startswith("Bob has left")
    assert third.status == Referral.Status.TRIAGED  # back where it waited for a link worker
    assert AuditEvent.objects.filter(action="caseload.reassign", object_id=str(bob.pk)).exists()
    assert AuditEvent.objects.filter(action="caseload.unallocate", person_id=third.person_id).exists()


def test_people_left_to_stay_stay_and_a_move_without_any_note_is_refused(
    client, tina, bob, dee, alice, north_team, north_practice
):
    first, second = held_by(bob, by=alice, practice=north_practice, count=2)
    client.force_login(tina)

    response = client.post(move_url(bob, north_team), {"action": "reassign", f"to_{first.pk}": str(dee.pk)})

    assert response.status_code == 200
    assert "Write a handover note for" in response.content.decode()
    first.refresh_from_db()
    assert first.allocated_to == bob

    client.post(
        move_url(bob, north_team), {"action": "reassign", f"to_{first.pk}": str(dee.pk), "note": "Moving teams."}
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.allocated_to, second.allocated_to) == (dee, bob)


def test_the_screen_warns_before_putting_someone_over_capacity(
    client, tina, bob, dee, alice, north_team, north_practice
):
    dee.caseload_capacity = 1
    dee.save()
    first, second = held_by(bob, by=alice, practice=north_practice, count=2)
    client.force_login(tina)
    plan = {"action": "reassign", f"to_{first.pk}": str(dee.pk), f"to_{second.pk}": str(dee.pk), "note": "Handover."}

    warned = client.post(move_url(bob, north_team), plan)

    assert warned.status_code == 200
    assert "Dee Dawson holds 0 of 1: this makes 2" in warned.content.decode()
    assert Referral.objects.filter(allocated_to=dee).count() == 0

    client.post(move_url(bob, north_team), {**plan, "confirm_over_capacity": "on"})
    assert Referral.objects.filter(allocated_to=dee).count() == 2


def test_suggest_shares_people_out_by_room_and_skips_whoever_is_away(
    tina, bob, dee, eve, alice, north_team, north_practice
):
    rows = held_by(bob, by=alice, practice=north_practice, count=4)
    alice.caseload_capacity, dee.caseload_capacity, eve.caseload_capacity = 0, 2, 3
    for worker in (alice, dee, eve):
        worker.save()
    now = timezone.now()

    def candidates():
        in_team = selectors.allocation_candidates(team=north_team, now=now)[0]
        return [w for w in with_open_caseload(in_team) if w != bob]

    # Most room first, one at a time: Eve (3), then Eve or Dee (2 each: Eve, listed first), Dee, Eve.
    assert list(suggest_by_room(rows, candidates()).values()) == [str(eve.pk), str(eve.pk), str(dee.pk), str(eve.pk)]

    absence_record(
        by=tina,
        worker=eve,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=7),
        now=now,
        kind="sickness",
    )

    assert list(suggest_by_room(rows, candidates()).values()) == [str(dee.pk), str(dee.pk), UNALLOCATED, UNALLOCATED]


def test_the_page_fills_in_the_suggested_plan_without_moving_anyone(
    client, tina, bob, dee, alice, north_team, north_practice
):
    [only] = held_by(bob, by=alice, practice=north_practice, count=1)
    client.force_login(tina)

    page = client.get(move_url(bob, north_team) + "&suggest=1").content.decode()

    assert "A plan by room is filled in below" in page
    assert f'<option value="{dee.pk}" selected' in page or f'value="{alice.pk}" selected' in page
    only.refresh_from_db()
    assert only.allocated_to == bob


def test_a_person_moved_by_someone_else_meanwhile_means_nothing_moves(
    tina, bob, dee, eve, alice, north_team, north_practice
):
    first, second = held_by(bob, by=alice, practice=north_practice, count=2)
    stale_second = Referral.objects.get(pk=second.pk)
    caseload_allocate(referral=second, by=tina, now=timezone.now(), link_worker=eve, handover_note="Urgent swap.")

    with pytest.raises(ConflictError):
        caseload_reassign(
            by=tina,
            now=timezone.now(),
            worker=bob,
            team=north_team,
            moves=[Move(first, dee, "Handover."), Move(stale_second, None, "Handover.")],
        )

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.allocated_to, second.allocated_to) == (bob, eve)  # the first move was undone too


def test_only_a_manager_of_the_team_moves_its_caseloads(
    client, alice, bob, charlie, tina, north_team, south_team, trust
):
    south_manager = UserFactory(username="sue", role=Role.TEAM_MANAGER, organisation=trust, teams=[south_team])

    client.force_login(alice)  # a clinician in the team
    assert client.get(move_url(bob, north_team)).status_code == 404
    client.force_login(south_manager)  # a manager of another team
    assert client.get(move_url(bob, north_team)).status_code == 404
    client.force_login(tina)
    assert client.get(move_url(charlie, north_team)).status_code == 404  # not in the team
    assert client.get(move_url(bob, north_team)).status_code == 200
    with pytest.raises(ValidationError):
        caseload_reassign(by=alice, now=timezone.now(), worker=bob, team=north_team, moves=[])


def test_the_team_page_links_managers_to_the_screen(client, tina, alice, bob, north_team):
    client.force_login(tina)
    assert f"/team/workers/{bob.pk}/move/?team={north_team.pk}" in client.get("/team/").content.decode()
    client.force_login(alice)
    assert "/move/" not in client.get("/team/").content.decode()


def test_the_screen_costs_the_same_few_queries_for_a_big_caseload(
    client, tina, bob, alice, north_team, north_practice, django_assert_max_num_queries
):
    held_by(bob, by=alice, practice=north_practice, count=3)
    client.force_login(tina)
    client.get(move_url(bob, north_team))
    with django_assert_max_num_queries(40) as few:
        client.get(move_url(bob, north_team))
    held_by(bob, by=alice, practice=north_practice, count=9, given="More")

    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(move_url(bob, north_team))

    assert page.content.decode().count('name="note_') == 12


def test_moving_fifty_people_costs_the_same_queries_as_moving_five(
    tina, bob, dee, eve, alice, north_team, north_practice, django_assert_num_queries
):
    few = held_by(bob, by=alice, practice=north_practice, count=5, given="Few")
    many = held_by(bob, by=alice, practice=north_practice, count=50, given="Many")

    def plan(rows):  # every other person to Dee or Eve, every third back to the team's list
        workers = [dee, eve, None]
        return [Move(row, workers[i % 3], f"Handover {i}.") for i, row in enumerate(rows)]

    with CaptureQueriesContext(connection) as five:
        caseload_reassign(by=tina, now=timezone.now(), worker=bob, team=north_team, moves=plan(few))
    with django_assert_num_queries(len(five.captured_queries)):
        assert caseload_reassign(by=tina, now=timezone.now(), worker=bob, team=north_team, moves=plan(many)) == 50

    assert Referral.objects.filter(allocated_to=bob).count() == 0
    assert Referral.objects.filter(allocated_to=dee).count() == 2 + 17
    assert Referral.objects.filter(allocated_to__isnull=True, status=Referral.Status.TRIAGED).count() == 1 + 16
    assert Allocation.objects.filter(link_worker=bob, ended_at__isnull=True).count() == 0
    assert Allocation.objects.filter(ended_at__isnull=True).count() == 55 - 17
    # Every person's record says what happened to them, as moving them one at a time would.
    assert AuditEvent.objects.filter(action="caseload.allocate", actor=tina).count() == 4 + 34
    assert AuditEvent.objects.filter(action="caseload.unallocate", actor=tina).count() == 1 + 16
    moved = many[4]  # 4 % 3 == 1: to Eve
    current = Allocation.objects.get(referral=moved, ended_at__isnull=True)
    assert (current.link_worker, current.handover_note, current.started_by) == (eve, "Handover 4.", tina)
    ended = Allocation.objects.get(referral=moved, link_worker=bob)
    assert ended.ended_at == current.started_at


def test_a_moved_early_intervention_person_keeps_their_clock_until_they_are_seen(
    tina, bob, dee, alice, north_team, north_practice
):
    make_eip_policy(north_team)
    [referral] = held_by(bob, by=alice, practice=north_practice, count=1)
    clock = referral.clocks.get(kind=Clock.Kind.TREATMENT, is_current=True)
    assert clock.stop_rule == "eip"

    caseload_reassign(
        by=tina, now=timezone.now(), worker=bob, team=north_team, moves=[Move(referral, dee, "Bob is away.")]
    )
    clock.refresh_from_db()
    assert clock.stopped_at is None  # a care coordinator alone is not treatment

    seen_at = timezone.now()
    contact_record(
        referral=referral, by=dee, now=seen_at, occurred_at=seen_at, consultation_mechanism="01", attendance="5"
    )
    clock.refresh_from_db()
    assert clock.stopped_at == seen_at


def test_a_list_naming_someone_twice_or_an_inactive_worker_moves_nobody(
    tina, bob, dee, eve, alice, north_team, north_practice
):
    first, second = held_by(bob, by=alice, practice=north_practice, count=2)
    eve.is_active = False
    eve.save()

    with pytest.raises(ValidationError) as twice:
        caseload_reassign(
            by=tina,
            now=timezone.now(),
            worker=bob,
            team=north_team,
            moves=[Move(first, dee, "Handover."), Move(first, None, "Handover.")],
        )
    with pytest.raises(ValidationError) as inactive:
        caseload_reassign(
            by=tina, now=timezone.now(), worker=bob, team=north_team, moves=[Move(second, eve, "Handover.")]
        )

    assert "on the list twice" in str(twice.value) and "is not active" in str(inactive.value)
    assert Referral.objects.filter(allocated_to=bob).count() == 2


def test_unallocating_someone_in_treatment_keeps_them_in_treatment(tina, bob, alice, north_practice):
    [referral] = held_by(bob, by=alice, practice=north_practice, count=1)
    Referral.objects.filter(pk=referral.pk).update(
        status=Referral.Status.IN_TREATMENT, treatment_started_at=timezone.now()
    )
    referral.refresh_from_db()

    caseload_unallocate(referral=referral, by=tina, now=timezone.now(), note="Back to the team.", held_by=bob)

    referral.refresh_from_db()
    assert referral.status == Referral.Status.IN_TREATMENT and referral.allocated_to is None


# --- absence: capacity and cover for a date range -----------------------------------------------


def test_absence_lowers_capacity_and_allocation_warns_before_giving_the_absent_worker_more(
    tina, bob, dee, alice, north_team, triaged_referral
):
    now = timezone.now()
    absence_record(
        by=tina, worker=dee, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=3), now=now, kind="leave"
    )

    in_team, _ = selectors.allocation_candidates(team=north_team, now=now)
    by_pk = {w.pk: w for w in in_team}
    assert by_pk[dee.pk].capacity_now == 0 and by_pk[dee.pk].absent_until == now + timedelta(days=3)
    assert by_pk[bob.pk].capacity_now == 25
    assert [w.pk for w in in_team].index(dee.pk) > [w.pk for w in in_team].index(bob.pk)  # least room last

    form = AllocateForm({"link_worker": dee.pk, "team": north_team.pk}, referral=triaged_referral)
    assert not form.is_valid()
    assert "against a capacity of 0 while away until" in form.errors["confirm_over_capacity"][0]

    after = now + timedelta(days=4)
    in_team, _ = selectors.allocation_candidates(team=north_team, now=after)
    assert {w.pk: w for w in in_team}[dee.pk].capacity_now == 25


def test_a_phased_return_allows_a_few(tina, dee, north_team):
    now = timezone.now()
    absence_record(
        by=tina,
        worker=dee,
        starts_at=now,
        ends_at=now + timedelta(days=28),
        now=now,
        kind="sickness",
        capacity_during=5,
    )
    [worker] = [w for w in selectors.team_workers(north_team, now=now) if w.pk == dee.pk]
    assert worker.capacity_now == 5


def test_cover_for_a_date_range_opens_the_records_only_on_those_days(tina, bob, dee, alice, north_practice):
    [held] = held_by(bob, by=alice, practice=north_practice, count=1)
    now = timezone.now()
    starts, ends = now + timedelta(days=7), now + timedelta(days=21)

    covered = cover_arrange(
        by=tina,
        absent=bob,
        covering=dee,
        starts=starts,
        until=ends,
        now=now,
        reason="Annual leave: Dee covers his people.",
    )

    assert covered == 0  # nothing opens before the first day
    assert held not in referrals_visible_to(dee)
    assert covers_start_due(now=now) == 0
    with time_machine.travel(starts + timedelta(minutes=5), tick=False):
        assert covers_start_due(now=timezone.now()) == 1
        assert covers_start_due(now=timezone.now()) == 0  # started once
        assert held in referrals_visible_to(dee)
    with time_machine.travel(ends + timedelta(seconds=1), tick=False):
        assert held not in referrals_visible_to(dee)
    absence = Absence.objects.get(user=bob)
    assert absence.covering == dee and absence.cover_started_at is not None
    assert AuditEvent.objects.filter(action="access.cover", person_id=held.person_id).exists()


def test_a_cover_whose_range_has_ended_before_the_task_ran_never_opens(tina, bob, dee, alice, north_practice):
    held_by(bob, by=alice, practice=north_practice, count=1)
    now = timezone.now()
    cover_arrange(
        by=tina,
        absent=bob,
        covering=dee,
        starts=now + timedelta(days=1),
        until=now + timedelta(days=2),
        now=now,
        reason="Training day: Dee covers his people.",
    )

    assert covers_start_due(now=now + timedelta(days=3)) == 0


def test_the_absence_form_records_whole_london_days_with_cover(client, tina, bob, dee, north_team):
    client.force_login(tina)
    first, last = date(2026, 3, 27), date(2026, 3, 30)  # the clocks go forward on the 29th
    with time_machine.travel("2026-03-20 10:00:00+00:00", tick=False):
        response = client.post(
            move_url(bob, north_team),
            {
                "action": "absence",
                "absence-first_day_day": "27",
                "absence-first_day_month": "3",
                "absence-first_day_year": "2026",
                "absence-last_day_day": "30",
                "absence-last_day_month": "3",
                "absence-last_day_year": "2026",
                "absence-kind": "leave",
                "absence-capacity_during": "0",
                "absence-covering": str(dee.pk),
                "absence-reason": "Annual leave: Dee covers his caseload.",
            },
        )

    assert response.status_code == 302, response.content.decode()[:3000]
    absence = Absence.objects.get(user=bob)
    assert absence.starts_at == london_midnight(first)
    assert absence.ends_at == london_midnight(last + timedelta(days=1))
    assert absence.covering == dee and absence.cover_started_at is None


def test_the_absence_form_explains_what_is_wrong(client, tina, bob, north_team):
    client.force_login(tina)

    response = client.post(
        move_url(bob, north_team),
        {
            "action": "absence",
            "absence-first_day_day": "10",
            "absence-first_day_month": "3",
            "absence-first_day_year": "2030",
            "absence-last_day_day": "9",
            "absence-last_day_month": "3",
            "absence-last_day_year": "2030",
            "absence-kind": "leave",
            "absence-capacity_during": "0",
        },
    )

    assert response.status_code == 200
    assert "The last day away must be the same as or after the first day" in response.content.decode()
    assert not Absence.objects.exists()


def test_cover_needs_a_reason_and_a_colleague_in_the_team(tina, bob, charlie, dee):
    now = timezone.now()
    with pytest.raises(ValidationError, match="reason"):
        absence_record(by=tina, worker=bob, starts_at=now, ends_at=now + timedelta(days=1), now=now, covering=dee)
    with pytest.raises(ValidationError, match="both workers"):
        absence_record(
            by=tina,
            worker=bob,
            starts_at=now,
            ends_at=now + timedelta(days=1),
            now=now,
            covering=charlie,
            reason="Covering while he is on leave.",
        )
    assert not Absence.objects.exists()
