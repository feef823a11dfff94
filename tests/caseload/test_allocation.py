"""Allocating a link worker (any partner organisation) and a team; reassigning with a handover note."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.html import escape

from accounts.models import Role
from localities.models import Organisation
from referrals.models import Allocation
from referrals.services import caseload_allocate, referral_triage
from tests.factories import OrganisationFactory, TeamFactory, UserFactory, make_referral

pytestmark = pytest.mark.django_db


def offered(worker) -> str:
    """The radio button that offers this worker (not any other input that happens to share the id)."""
    return f'name="link_worker" type="radio" value="{worker.pk}"'


def _place(body: str, worker) -> int:
    """Where the worker is offered: a radio button on the page, an option in the inline row's list."""
    for marker in (offered(worker), f'<option value="{worker.pk}"'):
        if marker in body:
            return body.index(marker)
    raise AssertionError(f"{worker} is not offered")


def allocate_url(referral) -> str:
    return f"/referrals/{referral.pk}/allocate/"


@pytest.fixture
def referral_received_at():
    """The standing referral (tests/conftest.py) arrived two hours ago; ``triaged_referral`` is
    it triaged in North team, nobody holding it yet."""
    return timezone.now() - timedelta(hours=2)


@pytest.fixture
def recovery_college(db):
    return OrganisationFactory(name="Synthetic Recovery College", kind=Organisation.Kind.VCSE)


@pytest.fixture
def pat(recovery_college):
    """A peer support worker in another organisation, in no team of ours."""
    return UserFactory(
        username="pat",
        first_name="Pat",
        last_name="Peer",
        role=Role.LINK_WORKER,
        organisation=recovery_college,
        job_title="Peer support worker",
    )


def test_the_page_offers_the_teams_workers_with_caseload_against_capacity(
    client, tina, alice, bob, charlie, triaged_referral
):
    held = make_referral(by=alice, practice=triaged_referral.person.gp_practice)
    referral_triage(referral=held, by=alice, now=timezone.now())
    caseload_allocate(referral=held, by=tina, now=timezone.now(), link_worker=bob)
    client.force_login(tina)

    body = client.get(allocate_url(triaged_referral)).content.decode()

    assert "Allocate a link worker" in body and "Nobody yet" in body
    assert offered(bob) in body and offered(alice) in body
    assert "Peer support worker, Synthetic Mind." in body and "Holds 1 of 25." in body
    assert offered(charlie) not in body  # South team; found only by searching
    assert offered(tina) not in body  # a team manager holds no caseload


def test_search_finds_a_worker_in_any_partner_organisation(client, tina, triaged_referral, pat, charlie):
    client.force_login(tina)

    body = client.get(allocate_url(triaged_referral), {"q": "recovery college"}).content.decode()
    assert offered(pat) in body and "Other partner organisations" in body

    body = client.get(allocate_url(triaged_referral), {"q": "nobody-called-this"}).content.decode()
    assert "No worker outside the team matches" in body

    partial = client.get(
        allocate_url(triaged_referral), {"q": "pat"}, headers={"HX-Request": "true", "HX-Target": "worker-choices"}
    ).content.decode()
    assert "<html" not in partial and 'id="worker-choices"' in partial and offered(pat) in partial


def test_allocating_without_js_redirects_to_the_person_page(client, tina, bob, triaged_referral):
    client.force_login(tina)

    response = client.post(allocate_url(triaged_referral), {"link_worker": bob.pk, "team": triaged_referral.team_id})

    assert response.status_code == 302 and response.url == f"/people/{triaged_referral.person_id}/"
    triaged_referral.refresh_from_db()
    assert triaged_referral.allocated_to == bob and triaged_referral.status == "allocated"
    allocation = Allocation.objects.get(referral=triaged_referral)
    assert allocation.team == triaged_referral.team and allocation.started_by == tina


def test_allocating_goes_back_to_a_safe_next_page_only(client, tina, bob, alice, triaged_referral):
    client.force_login(tina)

    response = client.post(
        allocate_url(triaged_referral), {"link_worker": bob.pk, "team": triaged_referral.team_id, "next": "/team/"}
    )
    assert response.url == "/team/"

    response = client.post(
        allocate_url(triaged_referral),
        {
            "link_worker": alice.pk,
            "team": triaged_referral.team_id,
            "handover_note": "Leave",
            "next": "https://evil.example/",
        },
    )
    assert response.url == f"/people/{triaged_referral.person_id}/"


def test_a_peer_support_worker_from_another_organisation_can_hold_the_person(client, tina, pat, triaged_referral):
    client.force_login(tina)

    response = client.post(allocate_url(triaged_referral), {"link_worker": pat.pk, "team": triaged_referral.team_id})

    assert response.status_code == 302
    triaged_referral.refresh_from_db()
    assert triaged_referral.allocated_to == pat
    assert Allocation.objects.get(referral=triaged_referral).team == triaged_referral.team


def test_reassigning_needs_a_handover_note(client, tina, alice, bob, triaged_referral):
    caseload_allocate(referral=triaged_referral, by=tina, now=timezone.now(), link_worker=bob)
    client.force_login(tina)

    response = client.post(allocate_url(triaged_referral), {"link_worker": alice.pk, "team": triaged_referral.team_id})

    body = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Reassign link worker" in body
    assert "There is a problem" in body and 'href="#id_handover_note"' in body
    assert "Write a handover note for the new link worker" in body
    triaged_referral.refresh_from_db()
    assert triaged_referral.allocated_to == bob


def test_reassigning_with_a_note_keeps_the_history(client, tina, alice, bob, triaged_referral):
    caseload_allocate(referral=triaged_referral, by=tina, now=timezone.now() - timedelta(minutes=1), link_worker=bob)
    client.force_login(tina)

    response = client.post(
        allocate_url(triaged_referral),
        {
            "link_worker": alice.pk,
            "team": triaged_referral.team_id,
            "handover_note": "Bob on leave; Alice knows the family",
        },
    )

    assert response.status_code == 302
    history = list(
        Allocation.objects.filter(referral=triaged_referral).values_list("link_worker__username", "handover_note")
    )
    assert history == [("bob", ""), ("alice", "Bob on leave; Alice knows the family")]
    body = client.get(allocate_url(triaged_referral)).content.decode()
    assert "Reassign link worker" in body and "Bob on leave; Alice knows the family" in body
    assert "Who has held Alex" in body


def test_choosing_nobody_shows_the_error_next_to_the_radios(client, tina, triaged_referral):
    client.force_login(tina)

    body = client.post(allocate_url(triaged_referral), {"team": triaged_referral.team_id}).content.decode()

    assert 'href="#id_link_worker_0"' in body and 'id="id_link_worker_0"' in body
    assert "Choose who will be the person&#x27;s link worker" in body
    assert "nhsuk-form-group--error" in body


@pytest.mark.parametrize("who", ["inactive", "team_manager"])
def test_only_active_link_workers_and_clinicians_can_be_chosen(client, tina, triaged_referral, north_team, who):
    if who == "inactive":
        other = UserFactory(role=Role.LINK_WORKER, is_active=False, teams=[north_team])
    else:
        other = tina
    client.force_login(tina)

    body = client.post(
        allocate_url(triaged_referral), {"link_worker": other.pk, "team": triaged_referral.team_id}
    ).content.decode()

    assert "Choose a link worker from the list" in body
    assert not Allocation.objects.filter(referral=triaged_referral).exists()


def test_a_team_other_than_the_referrals_must_be_one_the_worker_is_in(
    client, tina, bob, trust, triaged_referral, north
):
    vcse_team = TeamFactory(name="Synthetic Mind Community Team", organisation=trust, locality=north)
    other_team = TeamFactory(name="Somewhere Else", organisation=trust, locality=north)
    bob.memberships.create(team=vcse_team)
    client.force_login(tina)

    body = client.post(allocate_url(triaged_referral), {"link_worker": bob.pk, "team": other_team.pk}).content.decode()
    assert "Choose the referral&#x27;s team or a team the link worker belongs to" in body

    response = client.post(allocate_url(triaged_referral), {"link_worker": bob.pk, "team": vcse_team.pk})
    assert response.status_code == 302
    assert Allocation.objects.get(referral=triaged_referral).team == vcse_team


def test_an_untriaged_referral_cannot_be_allocated_and_the_page_says_why(client, tina, bob, alice, north_practice):
    received = make_referral(by=alice, practice=north_practice)
    client.force_login(tina)

    response = client.post(allocate_url(received), {"link_worker": bob.pk, "team": received.team_id})

    assert response.status_code == 200
    assert "cannot become allocated" in response.content.decode()
    assert not Allocation.objects.filter(referral=received).exists()


def test_someone_who_cannot_see_the_referral_gets_404(client, charlie, bob, triaged_referral):
    client.force_login(charlie)

    assert client.get(allocate_url(triaged_referral)).status_code == 404
    assert (
        client.post(
            allocate_url(triaged_referral), {"link_worker": bob.pk, "team": triaged_referral.team_id}
        ).status_code
        == 404
    )
    assert not Allocation.objects.filter(referral=triaged_referral).exists()


def test_allocate_asks_for_login(client, triaged_referral):
    response = client.get(allocate_url(triaged_referral))
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_inline_form_in_the_team_list_with_htmx(client, tina, bob, triaged_referral):
    client.force_login(tina)
    htmx = {"HX-Request": "true", "HX-Target": f"referral-{triaged_referral.pk}"}

    form = client.get(allocate_url(triaged_referral), {"inline": 1}, headers=htmx).content.decode()
    assert form.startswith("\n<tr") or form.lstrip().startswith("<tr")
    assert f'name="r{triaged_referral.pk}-link_worker"' in form and "Holds" not in form
    assert f"{escape(str(bob))} (0 of 25)" in form  # a name may hold an apostrophe

    row = client.post(
        allocate_url(triaged_referral),
        {
            "inline": 1,
            f"r{triaged_referral.pk}-link_worker": bob.pk,
            f"r{triaged_referral.pk}-team": triaged_referral.team_id,
        },
        headers=htmx,
    ).content.decode()

    assert (
        row.lstrip().startswith("<tr") and "Allocated" in row and escape(str(bob)) in row
    )  # a name may hold an apostrophe
    triaged_referral.refresh_from_db()
    assert triaged_referral.allocated_to == bob


def test_inline_form_shows_errors_in_the_row(client, tina, triaged_referral):
    client.force_login(tina)
    htmx = {"HX-Request": "true"}

    row = client.post(allocate_url(triaged_referral), {"inline": 1}, headers=htmx).content.decode()

    assert row.lstrip().startswith("<tr") and "Choose who will be the person" in row
    assert not Allocation.objects.filter(referral=triaged_referral).exists()


def test_the_inline_fragment_without_htmx_is_not_found(client, tina, triaged_referral):
    client.force_login(tina)
    assert client.get(allocate_url(triaged_referral), {"inline": 1}).status_code == 404


def test_allocate_page_query_count_does_not_grow_with_workers(
    client, tina, triaged_referral, north_team, vcse, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(tina)
    client.get(allocate_url(triaged_referral))
    with CaptureQueriesContext(connection) as few:
        client.get(allocate_url(triaged_referral), {"q": "mind"})

    for _ in range(15):
        UserFactory(role=Role.LINK_WORKER, organisation=vcse, teams=[north_team])
        UserFactory(role=Role.LINK_WORKER, organisation=vcse)

    with django_assert_num_queries(len(few.captured_queries)):
        body = client.get(allocate_url(triaged_referral), {"q": "mind"}).content.decode()
    assert body.count('name="link_worker"') > 30


def _holding(worker, n: int, *, by, practice) -> None:
    """Give ``worker`` ``n`` open referrals to hold."""
    for _ in range(n):
        referral = make_referral(by=by, practice=practice)
        referral_triage(referral=referral, by=by, now=timezone.now())
        caseload_allocate(referral=referral, by=by, now=timezone.now(), link_worker=worker)


def test_candidates_come_most_room_first_even_when_everyone_is_over(
    client, tina, alice, bob, north_team, vcse, triaged_referral
):
    practice = triaged_referral.person.gp_practice
    roomy = UserFactory(
        first_name="Rae",
        last_name="Roomy",
        role=Role.LINK_WORKER,
        organisation=vcse,
        teams=[north_team],
        caseload_capacity=3,
    )
    bob.caseload_capacity = 1
    bob.save(update_fields=["caseload_capacity"])
    alice.caseload_capacity = 1
    alice.save(update_fields=["caseload_capacity"])
    _holding(bob, 3, by=tina, practice=practice)  # 2 over
    _holding(alice, 2, by=tina, practice=practice)  # 1 over
    _holding(roomy, 1, by=tina, practice=practice)  # room for 2
    client.force_login(tina)
    htmx = {"HX-Request": "true", "HX-Target": f"referral-{triaged_referral.pk}"}

    page = client.get(allocate_url(triaged_referral)).content.decode()
    inline = client.get(allocate_url(triaged_referral), {"inline": 1}, headers=htmx).content.decode()

    for body in (page, inline):
        positions = [_place(body, w) for w in (roomy, alice, bob)]
        assert positions == sorted(positions)


def test_allocating_over_capacity_warns_first_and_goes_ahead_only_when_confirmed(
    client, tina, alice, bob, triaged_referral
):
    bob.caseload_capacity = 2
    bob.save(update_fields=["caseload_capacity"])
    _holding(bob, 2, by=tina, practice=triaged_referral.person.gp_practice)
    client.force_login(tina)
    data = {"link_worker": bob.pk, "team": triaged_referral.team_id}

    warned = client.post(allocate_url(triaged_referral), data)

    body = warned.content.decode()
    assert warned.status_code == 200
    assert f"{escape(str(bob))} holds 2 people against a capacity of 2: this makes 3" in body
    assert 'name="confirm_over_capacity"' in body
    triaged_referral.refresh_from_db()
    assert triaged_referral.allocated_to is None

    confirmed = client.post(allocate_url(triaged_referral), data | {"confirm_over_capacity": "on"})

    assert confirmed.status_code == 302
    triaged_referral.refresh_from_db()
    assert triaged_referral.allocated_to == bob


def test_allocating_someone_with_room_asks_nothing_more(client, tina, bob, triaged_referral):
    client.force_login(tina)
    page = client.get(allocate_url(triaged_referral)).content.decode()

    response = client.post(allocate_url(triaged_referral), {"link_worker": bob.pk, "team": triaged_referral.team_id})

    assert 'name="confirm_over_capacity"' not in page
    assert response.status_code == 302


def test_inline_reassign_on_the_team_page_asks_for_and_keeps_a_handover_note(
    client, tina, alice, bob, triaged_referral
):
    caseload_allocate(referral=triaged_referral, by=tina, now=timezone.now(), link_worker=bob)
    client.force_login(tina)
    htmx = {"HX-Request": "true", "HX-Target": f"referral-{triaged_referral.pk}"}
    prefix = f"r{triaged_referral.pk}"
    team_page = client.get("/team/").content.decode()
    assert f'hx-get="{allocate_url(triaged_referral)}?inline=1"' in team_page  # Reassign opens in the row

    form = client.get(allocate_url(triaged_referral), {"inline": 1}, headers=htmx).content.decode()
    assert f'name="{prefix}-handover_note"' in form and "Reassign" in form
    data = {"inline": 1, f"{prefix}-link_worker": alice.pk, f"{prefix}-team": triaged_referral.team_id}
    refused = client.post(allocate_url(triaged_referral), data, headers=htmx).content.decode()
    assert "Write a handover note for the new link worker" in refused
    assert f'name="{prefix}-handover_note"' in refused

    row = client.post(
        allocate_url(triaged_referral), data | {f"{prefix}-handover_note": "Prefers mornings."}, headers=htmx
    ).content.decode()

    assert "Allocated" in row and escape(str(alice)) in row
    current = Allocation.objects.get(referral=triaged_referral, ended_at__isnull=True)
    assert (current.link_worker, current.handover_note) == (alice, "Prefers mornings.")
