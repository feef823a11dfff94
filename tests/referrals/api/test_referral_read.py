"""GET /api/v1/referrals/ and /api/v1/referrals/{id}/: only what the caller may see."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Role
from referrals.services import caseload_allocate, contact_record, referral_triage
from tests.factories import PostcodeDistrictFactory, UserFactory, make_referral

from .conftest import REFERRALS, T0, clock, instant, referral_body, referral_url

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def north_referral(intake, north_team, north_practice):
    return make_referral(by=intake, practice=north_practice)


@pytest.fixture
def south_referral(intake, south_team, south_practice):
    return make_referral(by=intake, practice=south_practice)


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


# --- one referral --------------------------------------------------------------


def test_a_clinician_in_the_team_sees_the_referral_with_its_clocks(client_for, alice, north_referral, north_team):
    response = client_for(alice).get(referral_url(north_referral.pk))

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == north_referral.pk
    assert body["reference"] == north_referral.reference
    assert body["status"] == "received"
    assert body["team"] == north_team.pk
    assert body["locality"] == north_team.locality_id
    first = clock(body, "first_response")
    assert instant(first["started_at"]) == T0
    assert instant(first["due_at"]) == T0 + timedelta(hours=24)
    assert first["stopped_at"] is None and first["breached"] is False
    assert instant(clock(body, "treatment")["due_at"]) == T0 + timedelta(days=28)


def test_a_link_worker_in_the_team_sees_a_referral_only_once_it_is_allocated_to_them(
    client_for, bob, tina, north_referral
):
    before = client_for(bob).get(referral_url(north_referral.pk))
    referral_triage(referral=north_referral, by=tina, now=timezone.now())
    caseload_allocate(referral=north_referral, by=tina, now=timezone.now(), link_worker=bob)

    after = client_for(bob).get(referral_url(north_referral.pk))

    assert before.status_code == 404
    assert after.status_code == 200


def test_a_link_worker_does_not_see_a_referral_allocated_to_a_colleague(client_for, bob, tina, north_referral):
    colleague = UserFactory(role=Role.LINK_WORKER)
    referral_triage(referral=north_referral, by=tina, now=timezone.now())
    caseload_allocate(referral=north_referral, by=tina, now=timezone.now(), link_worker=colleague)

    assert client_for(colleague).get(referral_url(north_referral.pk)).status_code == 200
    assert client_for(bob).get(referral_url(north_referral.pk)).status_code == 404


def test_whoever_made_the_referral_reads_it_back_once_but_cannot_open_it_afterwards(
    client_for, intake, north_team, north_practice
):
    client = client_for(intake)

    created = client.post(REFERRALS, referral_body(), format="json")
    later = client.get(referral_url(created.json()["id"]))
    listed = client.get(REFERRALS)

    assert created.status_code == 201
    assert created.json()["team"] == north_team.pk
    assert later.status_code == 404
    assert ids(listed) == []


@pytest.mark.parametrize("outsider", ["charlie", "sam"])
def test_someone_outside_the_team_gets_a_404(request, client_for, north_referral, outsider):
    response = client_for(request.getfixturevalue(outsider)).get(referral_url(north_referral.pk))

    assert response.status_code == 404


def test_a_referral_that_does_not_exist_is_the_same_404(client_for, alice, charlie, north_referral):
    missing = client_for(alice).get(referral_url(north_referral.pk + 1000))
    hidden = client_for(charlie).get(referral_url(north_referral.pk))

    assert missing.status_code == hidden.status_code == 404
    assert missing.json() == hidden.json()


def test_a_link_worker_allocated_from_outside_the_team_sees_it(client_for, tina, north_referral):
    outsider = UserFactory(role=Role.LINK_WORKER)
    referral_triage(referral=north_referral, by=tina, now=timezone.now())
    caseload_allocate(referral=north_referral, by=tina, now=timezone.now(), link_worker=outsider)

    assert client_for(outsider).get(referral_url(north_referral.pk)).status_code == 200


def test_a_clock_past_its_due_time_shows_as_breached(client_for, alice, north_referral, frozen):
    frozen.shift(timedelta(hours=25))

    body = client_for(alice).get(referral_url(north_referral.pk)).json()

    assert clock(body, "first_response")["breached"] is True
    assert clock(body, "treatment")["breached"] is False


# --- the list ------------------------------------------------------------------


def test_the_list_holds_only_the_callers_referrals_newest_received_first(
    client_for, alice, charlie, intake, north_team, north_practice, south_referral
):
    older = make_referral(by=intake, practice=north_practice, received_at=T0 - timedelta(hours=2))
    newer = make_referral(by=intake, practice=north_practice, received_at=T0 - timedelta(hours=1))

    alices = client_for(alice).get(REFERRALS)
    charlies = client_for(charlie).get(REFERRALS)

    assert alices.status_code == 200
    assert ids(alices) == [newer.pk, older.pk]
    assert alices.json()["count"] == 2
    assert ids(charlies) == [south_referral.pk]


def test_the_count_is_what_the_caller_sees_once_each_with_a_filter_or_without(
    client_for, alice, intake, north_team, north_practice, south_referral
):
    """Without a filter the count is taken from the caller's visible ids alone (issue 17); it must
    still count a referral that is both on alice's team and held by her once, and a filter's count
    is the filtered list's."""
    made = [make_referral(by=intake, practice=north_practice) for _ in range(3)]
    referral_triage(referral=made[0], by=alice, now=T0)
    caseload_allocate(referral=made[0], by=alice, now=T0, link_worker=alice)
    client = client_for(alice)

    everything = client.get(REFERRALS).json()
    received = client.get(REFERRALS, {"status": "received"}).json()

    assert everything["count"] == 3 == len(everything["results"])
    assert received["count"] == 2 == len(received["results"])


def test_each_row_has_the_same_shape_as_the_detail(client_for, alice, north_referral):
    listed = client_for(alice).get(REFERRALS).json()["results"][0]
    detail = client_for(alice).get(referral_url(north_referral.pk)).json()

    assert listed == detail


def test_the_list_is_paginated_fifty_to_a_page(client_for, alice, intake, north_team, north_practice):
    for _ in range(51):
        make_referral(by=intake, practice=north_practice)
    client = client_for(alice)

    first = client.get(REFERRALS).json()
    second = client.get(first["next"]).json()

    assert first["count"] == 51
    assert len(first["results"]) == 50
    assert first["previous"] is None
    assert len(second["results"]) == 1
    assert second["next"] is None
    assert {r["id"] for r in first["results"]}.isdisjoint({r["id"] for r in second["results"]})


def test_a_caller_may_ask_for_smaller_pages(client_for, alice, intake, north_team, north_practice):
    made = [make_referral(by=intake, practice=north_practice, received_at=T0 - timedelta(minutes=n)) for n in range(3)]

    response = client_for(alice).get(REFERRALS, {"page_size": 2, "page": 2})

    assert ids(response) == [made[2].pk]
    assert response.json()["previous"] is not None


def test_a_page_past_the_end_is_a_404(client_for, alice, north_referral):
    assert client_for(alice).get(REFERRALS, {"page": 9}).status_code == 404


@pytest.mark.parametrize("page", ["0", "-1", "first"])
def test_a_page_before_the_first_is_the_same_documented_404(client_for, alice, north_referral, page):
    response = client_for(alice).get(REFERRALS, {"page": page})

    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid page."}


def test_a_person_without_a_gp_practice_reads_back_as_null(client_for, alice, intake, north_team, north):
    PostcodeDistrictFactory(outward_code="BS1", locality=north)
    body = referral_body(person={"gp_practice": None, "postcode": "BS1 4XX"})
    created = client_for(intake).post(REFERRALS, body, format="json").json()

    shown = client_for(alice).get(referral_url(created["id"])).json()

    assert shown["person"]["gp_practice"] is None


@pytest.mark.parametrize("how_many", [3, 30])
def test_the_list_takes_the_same_number_of_queries_however_many_rows(
    client_for, alice, intake, north_team, north_practice, django_assert_num_queries, how_many
):
    for _ in range(how_many):
        make_referral(by=intake, practice=north_practice)
    client = client_for(alice)

    # A count, the page's ids (chosen on the referral's own columns), those referrals with their
    # people and practices, their clocks, and one INSERT into the audit log for the people listed.
    with django_assert_num_queries(5):
        response = client.get(REFERRALS)

    assert len(response.json()["results"]) == how_many


@pytest.mark.parametrize("how_many", [3, 30])
def test_a_filtered_list_takes_no_more_queries_either(
    client_for, alice, intake, north_team, north_practice, django_assert_max_num_queries, how_many
):
    for _ in range(how_many):
        make_referral(by=intake, practice=north_practice)

    with django_assert_max_num_queries(5):
        client_for(alice).get(REFERRALS, {"breached": "false", "status": "received", "urgency": "routine"})


# --- filters -------------------------------------------------------------------


def test_filter_by_status(client_for, alice, north_referral, intake, north_practice):
    triaged = make_referral(by=intake, practice=north_practice)
    referral_triage(referral=triaged, by=alice, now=timezone.now())
    client = client_for(alice)

    assert ids(client.get(REFERRALS, {"status": "triaged"})) == [triaged.pk]
    assert ids(client.get(REFERRALS, {"status": "received"})) == [north_referral.pk]


def test_filter_by_urgency(client_for, alice, intake, north_team, north_practice):
    routine = make_referral(by=intake, practice=north_practice, urgency="routine")
    emergency = make_referral(by=intake, practice=north_practice, urgency="emergency")
    client = client_for(alice)

    assert ids(client.get(REFERRALS, {"urgency": "emergency"})) == [emergency.pk]
    assert ids(client.get(REFERRALS, {"urgency": "routine"})) == [routine.pk]
    assert ids(client.get(REFERRALS, {"urgency": "urgent"})) == []


def test_filter_by_locality_and_team(
    client_for, trust, north, south, north_team, south_team, north_referral, south_referral
):
    in_both = UserFactory(role=Role.CLINICIAN, organisation=trust, teams=[north_team, south_team])
    client = client_for(in_both)  # a clinician in both teams, so sees both

    assert ids(client.get(REFERRALS, {"locality": north.pk})) == [north_referral.pk]
    assert ids(client.get(REFERRALS, {"locality": south.pk})) == [south_referral.pk]
    assert ids(client.get(REFERRALS, {"team": south_team.pk})) == [south_referral.pk]
    assert ids(client.get(REFERRALS, {"team": north_team.pk, "locality": south.pk})) == []


def test_filters_never_widen_what_the_caller_sees(client_for, charlie, north_team, north_referral):
    assert ids(client_for(charlie).get(REFERRALS, {"team": north_team.pk})) == []


def test_filter_by_breached(client_for, alice, intake, north_team, north_practice, frozen):
    routine = make_referral(by=intake, practice=north_practice, urgency="routine")
    emergency = make_referral(by=intake, practice=north_practice, urgency="emergency")
    answered = make_referral(by=intake, practice=north_practice, urgency="emergency")
    frozen.shift(timedelta(minutes=30))
    contact_record(
        referral=answered,
        by=alice,
        now=timezone.now(),
        occurred_at=timezone.now(),
        mode="telephone",
        outcome="completed",
    )
    frozen.shift(timedelta(hours=1))  # T0 + 90 minutes: past the emergency target of one hour
    client = client_for(alice)

    assert ids(client.get(REFERRALS, {"breached": "true"})) == [emergency.pk]
    assert sorted(ids(client.get(REFERRALS, {"breached": "false"}))) == sorted([routine.pk, answered.pk])
    assert len(ids(client.get(REFERRALS))) == 3


def test_breached_counts_a_clock_that_stopped_late(client_for, alice, intake, north_team, north_practice, frozen):
    late = make_referral(by=intake, practice=north_practice, urgency="emergency")
    frozen.shift(timedelta(hours=2))
    contact_record(
        referral=late, by=alice, now=timezone.now(), occurred_at=timezone.now(), mode="video", outcome="completed"
    )

    assert ids(client_for(alice).get(REFERRALS, {"breached": "true"})) == [late.pk]


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("status", "lost"),
        ("urgency", "whenever"),
        ("breached", "maybe"),
        ("locality", "north"),
        ("team", "1.5"),
    ],
)
def test_a_filter_value_that_cannot_be_read_is_a_400_naming_it(client_for, alice, north_referral, param, value):
    response = client_for(alice).get(REFERRALS, {param: value})

    assert response.status_code == 400
    assert param in response.json()


def test_the_postcode_route_shows_in_the_list(client_for, intake, charlie, south, south_team):
    PostcodeDistrictFactory(outward_code="BS5", locality=south)
    referral = make_referral(by=intake, postcode="BS5 6XX")

    [row] = client_for(charlie).get(REFERRALS, {"team": south_team.pk}).json()["results"]

    assert row["id"] == referral.pk
    assert row["routing_reason"] == "postcode district BS5"
