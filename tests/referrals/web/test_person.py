"""The person page (the hub) and the person's timeline."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from access.consent import consent_record, consent_withdraw
from accounts.models import Role
from common.london import london
from referrals.models import Carer, RiskFlag, SharingConsent
from referrals.services import carer_add, contact_record, referral_redirect, risk_flag_raise, risk_flag_resolve
from tests.factories import UserFactory, make_referral

from .conftest import allocate, count_queries, login

pytestmark = pytest.mark.django_db


def person_url(referral):
    return reverse("referrals:person", args=[referral.person_id])


def test_person_page_shows_details_risks_carers_consent_and_who_holds_them(client, alice, bob, tina, north_referral):
    person = north_referral.person
    now = timezone.now()
    risk_flag_raise(person=person, by=alice, now=now, kind=RiskFlag.Kind.SELF_HARM, note="Cuts when distressed.")
    resolved = risk_flag_raise(person=person, by=alice, now=now, kind=RiskFlag.Kind.LONE_WORKING, note="Dog.")
    risk_flag_resolve(flag=resolved, by=alice, now=now, note="Dog rehomed.")
    carer_add(
        person=person,
        by=alice,
        now=now,
        name="Jo Harbour",
        relationship="sister",
        involved_with_consent=True,
        carers_assessment=Carer.CarersAssessment.OFFERED,
    )
    consent_record(person=person, by=alice, now=now, decision="given", scope=SharingConsent.Scope.CARE_TEAM)
    allocate(north_referral, by=tina, now=now, link_worker=bob)

    response = login(client, alice).get(person_url(north_referral))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Robin Harbour" in html
    formatted = f"{person.nhs_number[:3]} {person.nhs_number[3:6]} {person.nhs_number[6:]}"
    assert formatted in html
    assert "Consent to share: given" in html
    assert "nhsuk-card--warning" in html and "Cuts when distressed." in html
    assert "Dog." not in html  # resolved risks are history, not warnings
    assert "Jo Harbour (sister)" in html and "Offered" in html
    assert f"<strong>{escape(str(bob))}</strong>" in html  # a name may hold an apostrophe
    # Who holds it now, from their open allocation: with their team and since when.
    holder = (
        f"{escape(str(bob))}</strong>, {escape(bob.job_title) + ', ' if bob.job_title else ''}{north_referral.team}<br>"
    )
    assert holder in html
    assert f"since {london(now)}" in html
    assert reverse("referrals:contact_new", args=[north_referral.pk]) in html
    assert reverse("referrals:timeline", args=[person.pk]) in html
    assert north_referral.reference in html


def test_record_a_contact_on_the_person_page_comes_back_to_it(client, alice, north_referral):
    page = person_url(north_referral)

    html = login(client, alice).get(page, {"tab": "x"}).content.decode()

    record = reverse("referrals:contact_new", args=[north_referral.pk])
    back = f"{page}%3Ftab%3Dx"  # the page's own address, query string and all, encoded once
    assert f'href="{record}?next={back}"' in html and f'hx-get="{record}?next={back}"' in html


def test_withdrawn_consent_is_shown_as_withdrawn(client, alice, north_referral):
    now = timezone.now()
    consent = consent_record(
        person=north_referral.person, by=alice, now=now, decision="given", scope=SharingConsent.Scope.CARE_TEAM
    )
    consent_withdraw(consent=consent, by=alice, now=now)

    html = login(client, alice).get(person_url(north_referral)).content.decode()

    assert "Consent to share: withdrawn" in html


def test_person_page_shows_where_a_redirected_referral_went(client, alice, trust, sequoia, north_referral):
    referral_redirect(
        referral=north_referral,
        by=alice,
        now=timezone.now(),
        to_team=sequoia,
        note="Complex emotional needs: Sequoia is the right place.",
        person_informed=True,
    )
    sequoia_clinician = UserFactory(role=Role.CLINICIAN, organisation=trust, teams=[sequoia])

    html = login(client, sequoia_clinician).get(person_url(north_referral)).content.decode()

    assert "Handed over from North IPCT to Sequoia Tree Service" in html
    assert "Complex emotional needs: Sequoia is the right place." in html
    assert "The person was told." in html
    # North handed the person over, so no longer opens the record: alice is shown where they went.
    response = login(client, alice).get(person_url(north_referral))
    assert response.status_code == 302
    assert response.url == reverse("referrals:handoff", args=[north_referral.handoffs.get().pk])


def test_someone_outside_the_team_gets_404(client, charlie, north_referral):
    response = login(client, charlie).get(person_url(north_referral))

    assert response.status_code == 404


def test_anonymous_users_are_sent_to_log_in(client, north_referral):
    response = client.get(person_url(north_referral))

    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_referral_address_redirects_to_its_place_on_the_person_page(client, alice, charlie, north_referral):
    url = reverse("referrals:referral", args=[north_referral.pk])

    response = login(client, alice).get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{person_url(north_referral)}#referral-{north_referral.pk}"
    assert login(client, charlie).get(url).status_code == 404


def test_person_page_query_count_does_not_grow_with_referrals(
    client, alice, bob, tina, intake, north_practice, north_referral
):
    person = north_referral.person
    url = person_url(north_referral)
    login(client, alice)
    client.get(url)  # the session is read and saved once
    few = count_queries(client, url)

    for _ in range(6):
        make_referral(by=intake, practice=north_practice, nhs_number=person.nhs_number)
    for referral in person.referrals.all():
        allocate(referral, by=tina, link_worker=bob)
        now = timezone.now()
        contact_record(referral=referral, by=bob, now=now, occurred_at=now, mode="telephone", outcome="completed")
    many = count_queries(client, url)

    assert many == few
    assert client.get(url).content.decode().count('class="nhsuk-card" id="referral-') == 7


@pytest.mark.parametrize("page", ["referrals:person", "referrals:timeline"])
def test_the_person_page_asks_who_may_open_the_record_once(client, alice, north_referral, page):
    # The person's referrals decide whether the person may be opened: the access condition (for a
    # clinician, it reads the referrals they took without access, a table nothing else on the page
    # reads) is written into one query, not one for the person and another for their referrals
    # (issue 17: writing it costs a clinician's page about 5 ms).
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from access.models import IntakeReceipt

    receipts = IntakeReceipt._meta.db_table

    url = reverse(page, args=[north_referral.person_id])
    login(client, alice).get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    assert len([q for q in ctx.captured_queries if receipts in q["sql"]]) == 1


def test_timeline_lists_everything_newest_first(client, alice, bob, tina, sequoia, north_referral):
    person = north_referral.person
    start = north_referral.received_at
    contact_record(
        referral=north_referral,
        by=alice,
        now=start + timedelta(minutes=5),
        occurred_at=start + timedelta(minutes=5),
        mode="telephone",
        outcome="attempted",
    )
    risk_flag_raise(person=person, by=alice, now=start + timedelta(minutes=6), kind="suicide", note="Plans.")
    allocate(north_referral, by=tina, now=start + timedelta(minutes=7), link_worker=bob)
    consent_record(person=person, by=alice, now=start + timedelta(minutes=8), decision="given", scope="care_team")

    response = login(client, alice).get(reverse("referrals:timeline", args=[person.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    order = [
        "Consent to share: consent given",
        f"Allocated to {escape(str(bob))}",
        "Risk flag raised: Risk of suicide",
        "Telephone contact: did not attend",
        f"Referral {north_referral.reference} received",
    ]
    positions = [html.index(text) for text in order]
    assert positions == sorted(positions)
    assert "First response clock started" in html


def test_timeline_pages_are_exact_and_constant_in_queries(client, alice, north_referral, django_assert_max_num_queries):
    start = north_referral.received_at
    for minute in range(1, 60):
        contact_record(
            referral=north_referral,
            by=alice,
            now=start + timedelta(minutes=minute),
            occurred_at=start + timedelta(minutes=minute),
            mode="telephone",
            outcome="attempted",
            note=f"Try {minute}",
        )
    login(client, alice)
    url = reverse("referrals:timeline", args=[north_referral.person_id])
    seen = []
    for page in (1, 2, 3):
        # One query per timeline source (ten, missed targets included) and the page's own.
        with django_assert_max_num_queries(17):
            response = client.get(url, {"page": page})
        html = response.content.decode()
        seen += [m for m in range(1, 60) if f">Try {m}<" in html]
    # 59 contacts + referral + 2 clocks started = 62 entries over 3 pages, none twice, none lost.
    assert sorted(seen) == list(range(1, 60))
    assert len(seen) == len(set(seen))
    assert client.get(url, {"page": 4}).status_code == 404
    assert login(client, alice).get(url, {"page": "x"}).status_code == 404


def test_missed_targets_appear_on_the_timeline_at_the_moment_they_were_missed(client, alice, north_referral):
    """A routine referral first contacted a day after its response target, and still untreated
    after four weeks, shows two breaches; a clock stopped in time shows none."""
    response_clock = north_referral.clocks.get(kind="first_response", is_current=True)
    late = response_clock.due_at + timedelta(days=1)
    contact_record(
        referral=north_referral, by=alice, now=late, occurred_at=late, mode="face_to_face", outcome="completed"
    )
    treatment_clock = north_referral.clocks.get(kind="treatment", is_current=True)

    with time_machine.travel(treatment_clock.due_at + timedelta(days=2), tick=False):
        html = login(client, alice).get(reverse("referrals:timeline", args=[north_referral.person_id])).content.decode()

    assert html.count(">Breach</strong>") == 2
    assert "First response target missed" in html
    assert f"Stopped {london(late)}, after the target." in html
    assert "Treatment (4-week wait) target missed" in html
    assert "Still waiting when this page was shown." in html
    # Newest first: the treatment breach (later due time) above the response breach.
    assert html.index("Treatment (4-week wait) target missed") < html.index("First response target missed")


def test_a_clock_stopped_in_time_shows_no_breach(client, alice, north_referral):
    response_clock = north_referral.clocks.get(kind="first_response", is_current=True)
    soon = response_clock.started_at + timedelta(hours=1)
    contact_record(
        referral=north_referral, by=alice, now=soon, occurred_at=soon, mode="face_to_face", outcome="completed"
    )

    with time_machine.travel(response_clock.due_at + timedelta(days=1), tick=False):
        html = login(client, alice).get(reverse("referrals:timeline", args=[north_referral.person_id])).content.decode()

    assert "First response target missed" not in html
    assert ">Breach</strong>" not in html


def test_each_open_referral_on_the_person_page_records_a_contact_against_itself(
    client, alice, intake, north_practice, north_referral
):
    person = north_referral.person
    second = make_referral(
        by=intake,
        source="self",
        practice=north_practice,
        nhs_number=person.nhs_number,
        given_name=person.given_name,
        family_name=person.family_name,
    )
    assert second.person_id == person.pk and second.pk != north_referral.pk

    html = login(client, alice).get(person_url(north_referral)).content.decode()

    for referral in (north_referral, second):
        address = reverse("referrals:contact_new", args=[referral.pk])
        link = f'href="{address}?next='
        assert html.count(link) == 1
        opened = html.index(link)
        end = html.index("</a>", opened)
        assert f'hx-get="{address}?next=' in html[opened:end]
        assert f'hx-target="#contact-slot-{referral.pk}"' in html[opened:end]
        assert referral.reference in html[opened:end]
        assert f'id="contact-slot-{referral.pk}"' in html
