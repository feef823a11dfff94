"""My caseload: a link worker's people, their filters, search and paging."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from caseload import selectors
from referrals.models import Referral
from referrals.services import (
    care_plan_goal_add,
    care_plan_record,
    contact_record,
    intervention_record,
    referral_discharge,
)

from .helpers import MINE, held_by, login, london_midday, queries_for

pytestmark = pytest.mark.django_db

# --- My caseload -----------------------------------------------------------------------------


def test_my_caseload_asks_for_login(client):
    response = client.get(MINE)
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_my_caseload_lists_only_the_open_referrals_i_hold(client, alice, bob, tina, north_practice):
    mine = held_by(bob, by=alice, practice=north_practice, given_name="Priya", family_name="Shah")
    held_by(alice, by=tina, practice=north_practice, given_name="Sol", family_name="Other")
    ended = held_by(bob, by=alice, practice=north_practice, given_name="Dee", family_name="Discharged")
    referral_discharge(
        referral=ended, by=bob, now=timezone.now(), reason="goals_met", note="Back to self-care", return_route="Call us"
    )

    response = login(client, bob).get(MINE)

    assert response.status_code == 200
    body = response.content.decode()
    assert "Priya Shah" in body and mine.reference in body
    assert "Sol Other" not in body and "Dee Discharged" not in body
    assert "You hold 1 person" in body
    assert f'href="/people/{mine.person_id}/"' in body


def test_two_workers_pages_in_turn_each_show_their_own_people_from_the_one_shared_query(
    client, alice, bob, tina, north_practice
):
    # The query with the caseload columns is built once per process and filtered per page
    # (issue 17): each page gets its own rows, and the shared query is never read whole.
    held_by(bob, by=alice, practice=north_practice, given_name="Priya", family_name="Shah")
    held_by(tina, by=alice, practice=north_practice, given_name="Sol", family_name="Other")

    bobs = login(client, bob).get(MINE).content.decode()
    tinas = login(client, tina).get(MINE).content.decode()
    bobs_again = login(client, bob).get(MINE).content.decode()

    assert "Priya Shah" in bobs and "Sol Other" not in bobs
    assert "Sol Other" in tinas and "Priya Shah" not in tinas
    assert "Priya Shah" in bobs_again and "Sol Other" not in bobs_again
    assert selectors._caseload_columns()._result_cache is None


def test_a_row_shows_next_action_clocks_and_days_since_last_contact(client, alice, bob, north_practice):
    referral = held_by(
        bob, by=alice, practice=north_practice, received_hours_ago=96, next_step="Offer a peer support group"
    )
    contact_record(
        referral=referral,
        by=bob,
        now=timezone.now(),
        occurred_at=london_midday(days_ago=3),
        mode="telephone",
        outcome="completed",
    )

    body = login(client, bob).get(MINE).content.decode()

    assert "Offer a peer support group" in body
    assert "3 days ago" in body
    assert "First response:" in body and "Treatment:" in body
    assert "Met" in body  # the completed contact stopped the first-response clock
    assert "left" in body  # the 4-week clock is still running
    assert f"/referrals/{referral.pk}/contacts/new/" in body  # record a contact from the row


def test_a_row_names_the_person_spaces_their_nhs_number_and_says_an_urgent_referral_is_urgent(
    client, alice, bob, north_practice
):
    referral = held_by(
        bob,
        by=alice,
        practice=north_practice,
        received_hours_ago=72,
        urgency=Referral.Urgency.URGENT,
        nhs_number="9434765919",
        given_name="Rhi <b>",
        family_name="O'Neill",
        next_step="Call back about the carers' group " + "x" * 100,
    )
    contact_record(
        referral=referral,
        by=bob,
        now=timezone.now(),
        occurred_at=london_midday(days_ago=1),
        mode="telephone",
        outcome="completed",
    )

    body = login(client, bob).get(MINE).content.decode()

    assert "Rhi &lt;b&gt; O&#x27;Neill" in body and "Rhi <b>" not in body  # escaped, as every name
    assert "NHS 943 476 5919" in body
    assert f"{referral.reference}" in body and "Allocated to a link worker, urgent" in body
    assert "Call back about the carers&#x27; group " + "x" * 55 + "…" in body  # cut at 90 characters
    assert "1 day ago" in body


def test_no_contact_yet_says_so_and_suggests_first_contact(client, alice, bob, north_practice):
    held_by(bob, by=alice, practice=north_practice)

    body = login(client, bob).get(MINE).content.decode()

    assert "No contact yet" in body and "Make first contact" in body


def test_the_next_action_is_the_soonest_care_plan_review_and_says_when_overdue(client, alice, bob, north_practice):
    referral = held_by(bob, by=alice, practice=north_practice, received_hours_ago=24 * 20, next_step="Old triage step")
    earlier = timezone.now() - timedelta(days=12)
    plan = care_plan_record(referral=referral, by=bob, now=earlier, agreed_at=earlier, summary="Weekly peer support")
    today = timezone.localdate()
    care_plan_goal_add(
        care_plan=plan, by=bob, now=earlier, description="Walk to the shops", review_date=today - timedelta(days=2)
    )
    intervention_record(
        referral=referral,
        by=bob,
        now=earlier,
        started_at=earlier,
        description="Peer support group",
        review_date=today + timedelta(days=5),
    )

    body = login(client, bob).get(MINE).content.decode()

    assert "Review care plan goals" in body and "Review overdue" in body
    assert "Old triage step" not in body


def test_filter_breached_and_at_risk(client, alice, bob, north_practice):
    breached = held_by(
        bob, by=alice, practice=north_practice, received_hours_ago=30, given_name="Bea", family_name="Late"
    )
    at_risk = held_by(
        bob, by=alice, practice=north_practice, received_hours_ago=20, given_name="Ria", family_name="Soon"
    )
    calm = held_by(bob, by=alice, practice=north_practice, received_hours_ago=1, given_name="Cal", family_name="Fine")
    client = login(client, bob)

    body = client.get(MINE, {"clock": "breached"}).content.decode()
    assert breached.reference in body and at_risk.reference not in body and calm.reference not in body

    body = client.get(MINE, {"clock": "at_risk"}).content.decode()
    assert at_risk.reference in body and breached.reference not in body and calm.reference not in body
    assert "1 person matches these filters" in body


def test_filter_by_status_and_search_by_name_or_reference(client, alice, bob, north_practice):
    one = held_by(bob, by=alice, practice=north_practice, given_name="Morgan", family_name="Reyes")
    two = held_by(bob, by=alice, practice=north_practice, given_name="Jo", family_name="Kettle")
    Referral.objects.filter(pk=two.pk).update(status="in_treatment", treatment_started_at=timezone.now())
    client = login(client, bob)

    assert two.reference not in client.get(MINE, {"status": "allocated"}).content.decode()
    assert one.reference not in client.get(MINE, {"status": "in_treatment"}).content.decode()
    body = client.get(MINE, {"q": "morgan rey"}).content.decode()
    assert one.reference in body and two.reference not in body
    body = client.get(MINE, {"q": two.reference.lower()}).content.decode()
    assert two.reference in body and one.reference not in body
    body = client.get(MINE, {"q": two.person.nhs_number}).content.decode()
    assert two.reference in body and one.reference not in body


@pytest.mark.parametrize("typed", ["{0} {1} {2}", "{0}-{1}-{2}", " {0}  {1}{2} ", "kettle {0} {1} {2}"])
def test_search_finds_an_nhs_number_typed_with_any_spacing(client, alice, bob, north_practice, typed):
    one = held_by(bob, by=alice, practice=north_practice, given_name="Morgan", family_name="Reyes")
    two = held_by(bob, by=alice, practice=north_practice, given_name="Jo", family_name="Kettle")
    number = two.person.nhs_number
    query = typed.format(number[:3], number[3:6], number[6:])

    body = login(client, bob).get(MINE, {"q": query}).content.decode()

    assert two.reference in body and one.reference not in body


def _held_with_last_contact(bob, *, by, practice, received_days_ago: int, contact_days_ago: int, name: str):
    referral = held_by(bob, by=by, practice=practice, received_hours_ago=24 * received_days_ago, family_name=name)
    now = timezone.now()
    contact_record(
        referral=referral,
        by=by,
        now=now,
        occurred_at=now - timedelta(days=contact_days_ago),
        mode="telephone",
        outcome="completed",
    )
    return referral


def test_due_this_week_and_no_contact_for_14_days_filters(client, alice, bob, north_practice):
    # The four-week clock runs from receipt: due in about 26, 6 and 12 days.
    calm = _held_with_last_contact(
        bob, by=alice, practice=north_practice, received_days_ago=2, contact_days_ago=1, name="Calm"
    )
    due_soon = _held_with_last_contact(
        bob, by=alice, practice=north_practice, received_days_ago=22, contact_days_ago=21, name="Duesoon"
    )
    quiet = _held_with_last_contact(
        bob, by=alice, practice=north_practice, received_days_ago=16, contact_days_ago=15, name="Quiet"
    )
    client = login(client, bob)

    due = client.get(MINE, {"attention": "due_this_week"}).content.decode()
    stale = client.get(MINE, {"attention": "no_recent_contact"}).content.decode()
    page = client.get(MINE).content.decode()

    assert due_soon.reference in due and calm.reference not in due and quiet.reference not in due
    assert "1 person matches these filters" in due
    assert quiet.reference in stale and due_soon.reference in stale and calm.reference not in stale
    assert '<option value="due_this_week">Due this week</option>' in page
    assert '<option value="no_recent_contact">No contact for 14 days</option>' in page


def test_filters_survive_paging_and_query_count_stays_flat(client, alice, bob, north_practice):
    held_by(bob, by=alice, practice=north_practice)
    client = login(client, bob)
    params = {"attention": "no_recent_contact"}
    client.get(MINE, params)
    with CaptureQueriesContext(connection) as few:
        client.get(MINE, params)
    for i in range(26):
        held_by(bob, by=alice, practice=north_practice, received_hours_ago=2 + i)

    with CaptureQueriesContext(connection) as many:
        first = client.get(MINE, params).content.decode()

    assert len(many) == len(few)
    assert "27 people match these filters" in first
    assert "?attention=no_recent_contact&amp;page=2" in first


def test_record_a_contact_is_a_button_that_comes_back_to_the_list(client, alice, bob, north_practice):
    referral = held_by(bob, by=alice, practice=north_practice)

    body = login(client, bob).get(MINE, {"attention": "no_recent_contact"}).content.decode()

    row = body[body.index(f'id="referral-{referral.pk}"') :]
    row = row[: row.index("</tr>")]
    assert 'class="nhsuk-button nhsuk-button--secondary nhsuk-button--small' in row
    assert 'role="button"' in row and "Record a contact" in row
    assert "?next=/caseload/%3Fattention%3Dno_recent_contact" in row


def test_tampered_filters_do_not_break_the_page(client, alice, bob, north_practice):
    referral = held_by(bob, by=alice, practice=north_practice)

    response = login(client, bob).get(MINE, {"status": "nonsense", "clock": "<script>", "page": "999"})

    assert response.status_code == 200
    assert referral.reference in response.content.decode()  # invalid filters are ignored, the last page shown


def test_my_caseload_is_paginated(client, alice, bob, north_practice):
    for i in range(27):
        held_by(bob, by=alice, practice=north_practice, received_hours_ago=1 + i)
    client = login(client, bob)

    first = client.get(MINE).content.decode()
    second = client.get(MINE, {"page": 2}).content.decode()

    assert "You hold 27 people" in first
    assert first.count('id="referral-') == 25 and second.count('id="referral-') == 2
    assert 'aria-label="Page 2"' in first


def test_my_caseload_reads_a_page_and_how_many_are_held_in_one_query(client, alice, bob, north_practice):
    # The list's conditions (the worker's open referrals they may open) are written and run once
    # for the page and the count together, not once more for a COUNT of their own (issue 17).
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for i in range(27):
        held_by(bob, by=alice, practice=north_practice, received_hours_ago=1 + i)
    client = login(client, bob)
    client.get(MINE)
    with CaptureQueriesContext(connection) as ctx:
        second = client.get(MINE, {"page": 2}).content.decode()
    lists = [q["sql"] for q in ctx.captured_queries if 'FROM "referrals_referral"' in q["sql"]]

    assert "You hold 27 people" in second and second.count('id="referral-') == 2
    assert not [sql for sql in lists if sql.startswith("SELECT COUNT(*)")]
    assert len([sql for sql in lists if "COUNT(*) OVER ()" in sql]) == 1


def test_htmx_filter_returns_only_the_results(client, alice, bob, north_practice):
    held_by(bob, by=alice, practice=north_practice)

    response = login(client, bob).get(
        MINE, {"q": "Alex"}, headers={"HX-Request": "true", "HX-Target": "caseload-results"}
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and "<table" in body and "1 person matches these filters" in body


def test_my_caseload_query_count_does_not_grow_with_rows(client, alice, bob, north_practice, django_assert_num_queries):
    held_by(bob, by=alice, practice=north_practice)
    client = login(client, bob)
    client.get(MINE)  # warm the session
    few = queries_for(client, MINE)

    for i in range(30):
        referral = held_by(bob, by=alice, practice=north_practice, received_hours_ago=2 + i)
        now = timezone.now()
        contact_record(referral=referral, by=bob, now=now, occurred_at=now, mode="video", outcome="attempted")

    with django_assert_num_queries(few):
        assert client.get(MINE).status_code == 200
    with django_assert_num_queries(few):
        assert client.get(MINE, {"clock": "breached", "q": "Alex"}).status_code == 200
