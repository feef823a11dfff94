"""The triage queue, triage, and redirect with a warm handover."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from referrals.models import Handoff, Referral
from referrals.services import contact_record, referral_triage
from tests.factories import UserFactory, make_referral

from .conftest import count_queries, login

pytestmark = pytest.mark.django_db
QUEUE = "/triage/"


def test_queue_url_is_fixed():
    assert reverse("referrals:triage") == QUEUE


def test_queue_lists_referrals_awaiting_first_response_least_time_left_first(
    client, alice, intake, north_practice, south_practice
):
    now = timezone.now()
    routine = make_referral(by=intake, practice=north_practice, family_name="Plainfield", now=now)
    very_urgent = make_referral(
        by=intake, practice=north_practice, family_name="Quickley", urgency=Referral.Urgency.VERY_URGENT, now=now
    )
    older = make_referral(
        by=intake, practice=north_practice, family_name="Oldacre", now=now, received_at=now - timedelta(hours=22)
    )
    answered = make_referral(by=intake, practice=north_practice, family_name="Answered", now=now)
    contact_record(referral=answered, by=alice, now=now, occurred_at=now, mode="telephone", outcome="completed")
    make_referral(by=intake, practice=south_practice, family_name="Southerner", now=now)

    html = login(client, alice).get(QUEUE).content.decode()

    assert "Answered" not in html  # responded to: no longer waiting
    assert "Southerner" not in html  # another team's queue
    positions = [html.index(name) for name in ("Oldacre", "Quickley", "Plainfield")]
    assert positions == sorted(positions)
    assert "GP or primary care" in html  # the source
    assert "nhsuk-tag--" in html  # clock badges
    for referral in (routine, very_urgent, older):
        assert reverse("referrals:contact_new", args=[referral.pk]) in html


def test_queue_filters_by_team_and_searches_by_reference_or_name(client, alice, intake, north_practice):
    robin = make_referral(by=intake, practice=north_practice, given_name="Robin", family_name="Harbour")
    make_referral(by=intake, practice=north_practice, given_name="Sam", family_name="Quayside")
    login(client, alice)

    by_name = client.get(QUEUE, {"q": "harb"}).content.decode()
    by_reference = client.get(QUEUE, {"q": robin.reference.lower()}).content.decode()
    by_team = client.get(QUEUE, {"team": robin.team_id}).content.decode()

    assert "Robin Harbour" in by_name and "Quayside" not in by_name
    assert "Robin Harbour" in by_reference and "Quayside" not in by_reference
    assert "Robin Harbour" in by_team and "Quayside" in by_team


def test_queue_finds_an_nhs_number_typed_with_any_spacing(client, alice, intake, north_practice):
    robin = make_referral(by=intake, practice=north_practice, given_name="Robin", family_name="Harbour")
    make_referral(by=intake, practice=north_practice, given_name="Sam", family_name="Quayside")
    number = robin.person.nhs_number
    login(client, alice)

    for typed in (f"{number[:3]} {number[3:6]} {number[6:]}", f"{number[:3]}-{number[3:6]}-{number[6:]}", number):
        body = client.get(QUEUE, {"q": typed}).content.decode()
        assert "Robin Harbour" in body and "Quayside" not in body, typed


def test_queue_ignores_a_team_filter_outside_the_users_scope(
    client, alice, charlie, intake, north_practice, south_team
):
    make_referral(by=intake, practice=north_practice, family_name="Harbour")

    response = login(client, alice).get(QUEUE, {"team": south_team.pk})

    assert response.status_code == 200
    assert "Harbour" in response.content.decode()  # the invalid filter is dropped, not obeyed


def test_queue_is_paginated_25_a_page_with_constant_queries(client, alice, intake, north_practice):
    make_referral(by=intake, practice=north_practice)
    login(client, alice)
    client.get(QUEUE)
    few = count_queries(client, QUEUE)
    for _ in range(29):
        make_referral(by=intake, practice=north_practice)

    many = count_queries(client, QUEUE)
    page_two = client.get(QUEUE, {"page": 2}).content.decode()

    assert many == few
    assert "30 referrals waiting (page 1 of 2)" in client.get(QUEUE).content.decode()
    assert page_two.count('<tr class="nhsuk-table__row" id="referral-') == 5


def test_queue_shows_whether_triaged_the_thrive_grouping_and_the_contact_attempts(
    client, alice, intake, north_practice
):
    now = timezone.now()
    untouched = make_referral(by=intake, practice=north_practice, family_name="Untouched", now=now)
    triaged = make_referral(
        by=intake, practice=north_practice, family_name="Triaged", now=now, received_at=now - timedelta(hours=1)
    )
    referral_triage(
        referral=triaged, by=alice, now=now, thrive_grouping=Referral.Thrive.GETTING_HELP, next_step="Call."
    )
    for minutes in (30, 20):
        contact_record(
            referral=triaged,
            by=alice,
            now=now,
            occurred_at=now - timedelta(minutes=minutes),
            mode="telephone",
            outcome="attempted",
        )

    html = login(client, alice).get(QUEUE).content.decode()
    rows = {r.pk: html[html.index(f'id="referral-{r.pk}"') :] for r in (untouched, triaged)}
    untouched_row = rows[untouched.pk][: rows[untouched.pk].index("</tr>")]
    triaged_row = rows[triaged.pk][: rows[triaged.pk].index("</tr>")]

    assert "Not triaged" in untouched_row and "0 contact attempts" in untouched_row
    assert "THRIVE" not in untouched_row
    assert ">Triaged<" in triaged_row and "Not triaged" not in triaged_row
    assert "THRIVE: Getting help" in triaged_row
    assert "2 contact attempts" in triaged_row


def test_each_queue_row_links_to_its_own_person_contact_triage_and_redirect_and_comes_back(
    client, alice, intake, north_practice
):
    now = timezone.now()
    first = make_referral(by=intake, practice=north_practice, given_name="Ash", family_name="First", now=now)
    second = make_referral(by=intake, practice=north_practice, given_name="Bo", family_name="Second", now=now)

    html = login(client, alice).get(QUEUE, {"q": ""}).content.decode()

    for referral in (first, second):
        row = html[html.index(f'id="referral-{referral.pk}"') :]
        row = row[: row.index("</tr>")]
        assert f'href="/people/{referral.person_id}/">{referral.person}</a>' in row
        assert f'href="/referrals/{referral.pk}/contacts/new/?next=/triage/%3Fq%3D"' in row
        assert f'hx-get="/referrals/{referral.pk}/contacts/new/?next=/triage/%3Fq%3D"' in row
        assert f'href="/referrals/{referral.pk}/triage/?next=/triage/%3Fq%3D"' in row
        assert f'href="/referrals/{referral.pk}/redirect/"' in row
        assert f"{referral.person}, {referral.reference}" in row  # what the links say to a screen reader


def test_queue_contact_form_slot_is_a_row_of_its_own_and_attendance_has_no_default(client, alice, north_referral):
    html = login(client, alice).get(QUEUE).content.decode()
    row = html[html.index(f'id="referral-{north_referral.pk}"') :]
    own_row, after = row[: row.index("</tr>")], row[row.index("</tr>") :]

    assert f'id="contact-slot-{north_referral.pk}"' not in own_row  # not squeezed into Actions
    assert f'id="contact-slot-{north_referral.pk}"' in after[: after.index("</tr>", 10)]
    assert 'colspan="6"' in after[: after.index("</tr>", 10)]

    form = client.get(
        reverse("referrals:contact_new", args=[north_referral.pk]), {"next": QUEUE}, headers={"HX-Request": "true"}
    ).content.decode()
    attendance = re.findall(rf'<input[^>]*name="contact-{north_referral.pk}-attendance"[^>]*>', form)
    assert len(attendance) == 6 and not any("checked" in radio for radio in attendance)


def test_triage_records_urgency_thrive_and_next_step(client, alice, north_referral):
    url = reverse("referrals:triage_referral", args=[north_referral.pk])

    response = login(client, alice).post(
        url,
        {
            "urgency": "urgent",
            "thrive_grouping": "getting_more_help",
            "next_step": "Call today; offer assessment this week.",
            "note": "Spoke to GP.",
            "next": QUEUE,
        },
    )

    assert response.status_code == 302 and response["Location"] == QUEUE
    north_referral.refresh_from_db()
    assert north_referral.status == Referral.Status.TRIAGED
    assert north_referral.urgency == "urgent"
    assert north_referral.thrive_grouping == "getting_more_help"
    assert north_referral.triage_next_step == "Call today; offer assessment this week."


def test_next_step_shows_its_limit_and_more_is_refused(client, alice, north_referral):
    url = reverse("referrals:triage_referral", args=[north_referral.pk])
    login(client, alice)

    form = client.get(url).content.decode()
    response = client.post(
        url, {"urgency": "routine", "thrive_grouping": "getting_help", "next_step": "y" * 1001, "note": ""}
    )

    assert 'data-module="nhsuk-character-count" data-maxlength="1000"' in form
    assert "maxlength" not in form.split('name="next_step"')[1].split(">")[0]
    assert "The next step must be 1,000 characters or fewer (you entered 1001)" in response.content.decode()
    north_referral.refresh_from_db()
    assert north_referral.status == Referral.Status.RECEIVED


def test_triage_shows_an_error_summary_and_inline_errors(client, alice, north_referral):
    url = reverse("referrals:triage_referral", args=[north_referral.pk])

    response = login(client, alice).post(url, {"urgency": "urgent"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in html
    assert "There is a problem" in html
    assert 'href="#id_thrive_grouping_0"' in html and 'href="#id_next_step"' in html
    assert "nhsuk-error-message" in html
    north_referral.refresh_from_db()
    assert north_referral.status == Referral.Status.RECEIVED


def test_triage_refused_by_the_lifecycle_is_shown_not_crashed(client, alice, north_referral):
    from referrals.services import referral_close

    referral_close(referral=north_referral, by=alice, now=timezone.now(), reason="duplicate")
    url = reverse("referrals:triage_referral", args=[north_referral.pk])

    response = login(client, alice).post(
        url, {"urgency": "routine", "thrive_grouping": "getting_help", "next_step": "x"}
    )

    assert response.status_code == 200
    assert "cannot become triaged" in response.content.decode()


def test_triage_and_redirect_of_a_referral_the_user_cannot_see_are_404(client, charlie, north_referral):
    login(client, charlie)
    for name in ("referrals:triage_referral", "referrals:redirect"):
        url = reverse(name, args=[north_referral.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {}).status_code == 404


def test_redirect_offers_every_other_team_and_needs_a_note(client, alice, sequoia, south_team, north_referral):
    url = reverse("referrals:redirect", args=[north_referral.pk])
    login(client, alice)

    page = client.get(url).content.decode()
    response = client.post(url, {"to_team": sequoia.pk, "note": "  "})

    assert "Sequoia Tree Service" in page and "South IPCT" in page
    assert f'value="{north_referral.team_id}"' not in page  # not the team it is with now
    assert "Write a handover note for the receiving team" in response.content.decode()
    assert not Handoff.objects.exists()


def test_redirect_hands_over_with_a_note_and_the_person_record_shows_where(
    client, trust, north_team, sequoia, north_referral
):
    in_both = UserFactory(role=Role.CLINICIAN, organisation=trust, teams=[north_team, sequoia])
    url = reverse("referrals:redirect", args=[north_referral.pk])

    response = login(client, in_both).post(
        url, {"to_team": sequoia.pk, "note": "Complex emotional needs.", "person_informed": "on"}
    )

    handoff = Handoff.objects.get()
    assert (handoff.from_team.name, handoff.to_team, handoff.person_informed) == ("North IPCT", sequoia, True)
    north_referral.refresh_from_db()
    assert north_referral.status == Referral.Status.REDIRECTED and north_referral.team == sequoia
    # They also work in Sequoia, so still see the person: back to the record, at the hand-offs.
    assert response["Location"] == reverse("referrals:person", args=[north_referral.person_id]) + "#handoffs"


def test_whoever_sent_the_referral_in_cannot_redirect_it(client, intake, sequoia, north_referral):
    response = login(client, intake).post(
        reverse("referrals:redirect", args=[north_referral.pk]), {"to_team": sequoia.pk, "note": "Over to you."}
    )

    assert response.status_code == 404
    assert not Handoff.objects.exists()


def test_redirect_by_a_team_that_loses_sight_goes_back_to_the_queue(client, alice, sequoia, north_referral):
    response = login(client, alice).post(
        reverse("referrals:redirect", args=[north_referral.pk]), {"to_team": sequoia.pk, "note": "Over to you."}
    )

    assert response.status_code == 302 and response["Location"] == QUEUE


def test_the_queue_is_read_from_the_clinicians_own_referrals_not_every_open_clock(
    alice, intake, north_practice, south_practice
):
    """Her visible referrals' ids, each looked up in the open first-response clocks, then only the
    referrals waiting read, each step planned as the short list it is (common.ids). Written as
    IN (subquery), PostgreSQL hashed every open clock in the trust: one locality's backlog of
    150,000 cost every clinician's queue 245 ms for its count and rows (issue 17;
    scripts/bench_triage_backlog.py)."""
    from django.db import connection

    from referrals.web.triage.queries import triage_queue

    mine = [make_referral(by=intake, practice=north_practice, family_name=f"North{n}") for n in range(3)]
    make_referral(by=intake, practice=south_practice, family_name="South")
    queue = triage_queue(alice)
    sql, params = queue.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert sorted(r.pk for r in queue) == sorted(r.pk for r in mine)
    assert '"referrals_referral"."id" = ANY(ARRAY(SELECT' in sql  # the queue's ids...
    assert '"referral_id" = ANY(ARRAY((SELECT' in sql  # ...looked up from her visible ids (a UNION)
    assert '"referrals_referral"."id" IN (' not in sql  # no semi-join with a table-sized set
    assert plan.count("InitPlan") >= 2  # each list made once, before the referrals are read


def test_the_queue_reads_a_page_and_how_many_are_waiting_in_one_query(client, alice, intake, north_practice):
    # The queue's conditions (the user's visible referrals, their open first-response clocks) are
    # written and run once for the page and its count, not once for each (issue 17).
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(27):
        make_referral(by=intake, practice=north_practice)
    login(client, alice).get(QUEUE)
    with CaptureQueriesContext(connection) as ctx:
        page_two = client.get(QUEUE, {"page": 2}).content.decode()
    referral_reads = [q["sql"] for q in ctx.captured_queries if 'FROM "referrals_referral"' in q["sql"]]

    assert "27 referrals waiting (page 2 of 2)" in page_two
    assert page_two.count('<tr class="nhsuk-table__row" id="referral-') == 2
    assert len(referral_reads) == 1 and "COUNT(*) OVER ()" in referral_reads[0]
