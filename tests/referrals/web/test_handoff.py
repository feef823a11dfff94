"""After a redirect: the sender (and their team) follow where the person went, read-only and
audited; anyone else gets a 404, as for any record they may not see."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, Role
from referrals.services import contact_record, referral_redirect
from tests.factories import UserFactory

from .conftest import allocate, login


@pytest.fixture
def handed_off(north_referral, alice, sequoia):
    """alice (North IPCT) redirects Robin Harbour to the Sequoia Tree Service, telling them."""
    return referral_redirect(
        referral=north_referral,
        by=alice,
        now=timezone.now(),
        to_team=sequoia,
        note="Complex emotional needs: Sequoia's brief intervention pathway.",
        person_informed=True,
    )


def test_the_sender_opening_the_person_is_shown_where_they_went_not_a_404(client, alice, handed_off):
    response = login(client, alice).get(reverse("referrals:person", args=[handed_off.referral.person_id]))
    assert response.status_code == 302
    assert response.url == reverse("referrals:handoff", args=[handed_off.pk])

    page = client.get(response.url).content.decode()
    assert "Where Robin Harbour went" in page
    assert "Sequoia Tree Service" in page
    assert "Not yet" in page  # the receiving team has not seen them
    assert "brief intervention pathway" not in page  # the handover note is for the receiving team


def test_the_page_says_when_the_receiving_team_first_saw_them(client, alice, handed_off, sequoia, trust):
    worker = UserFactory(username="sequoia-clinician", role=Role.CLINICIAN, organisation=trust, teams=[sequoia])
    now = timezone.now()
    contact_record(
        referral=handed_off.referral,
        by=worker,
        now=now,
        occurred_at=now,
        consultation_mechanism="01",
        attendance="5",
        note="First session; nothing of this reaches the sender.",
    )
    page = login(client, alice).get(reverse("referrals:handoff", args=[handed_off.pk])).content.decode()
    assert "Yes, first on" in page
    assert "nothing of this reaches the sender" not in page


def test_the_senders_team_manager_may_follow_it_too(client, tina, handed_off):
    assert login(client, tina).get(reverse("referrals:handoff", args=[handed_off.pk])).status_code == 200


def test_the_link_worker_who_held_them_may_follow_it(client, north_referral, alice, bob, sequoia):
    allocate(north_referral, by=alice, link_worker=bob)
    handoff = referral_redirect(
        referral=north_referral, by=alice, now=timezone.now(), to_team=sequoia, note="Moving on.", person_informed=False
    )
    page = login(client, bob).get(reverse("referrals:handoff", args=[handoff.pk]))
    assert page.status_code == 200
    assert "Not recorded" in page.content.decode()  # the person was not told


def test_a_link_worker_given_them_after_the_hand_off_does_not_follow_it(client, handed_off, sequoia, trust):
    """Holding the referral later, in the receiving team, is not having held it before it left."""
    worker = UserFactory(username="sequoia-worker", role=Role.LINK_WORKER, organisation=trust, teams=[sequoia])
    manager = UserFactory(username="sequoia-manager", role=Role.TEAM_MANAGER, organisation=trust, teams=[sequoia])
    allocate(handed_off.referral, by=manager, link_worker=worker)

    login(client, worker)
    assert client.get(reverse("referrals:handoff", args=[handed_off.pk])).status_code == 404
    assert (
        reverse("referrals:handoff", args=[handed_off.pk])
        not in client.get(reverse("referrals:handoffs")).content.decode()
    )


@pytest.mark.parametrize("who", ["bob", "charlie", "intake", "sam"])
def test_anyone_else_gets_a_404(client, request, handed_off, who):
    user = request.getfixturevalue(who)
    login(client, user)
    assert client.get(reverse("referrals:handoff", args=[handed_off.pk])).status_code == 404
    assert client.get(reverse("referrals:person", args=[handed_off.referral.person_id])).status_code == 404
    assert handed_off.referral.reference not in client.get(reverse("referrals:handoffs")).content.decode()


def test_reading_where_they_went_is_audited(client, alice, handed_off):
    login(client, alice).get(reverse("referrals:handoff", args=[handed_off.pk]))
    event = AuditEvent.objects.get(action="record.view", object_type="referrals.handoff")
    assert event.actor == alice
    assert event.person_id == handed_off.referral.person_id
    assert event.object_id == str(handed_off.pk)


def test_the_list_shows_the_senders_hand_offs_and_is_audited(client, alice, handed_off):
    page = login(client, alice).get(reverse("referrals:handoffs")).content.decode()
    assert reverse("referrals:handoff", args=[handed_off.pk]) in page
    assert AuditEvent.objects.filter(
        action="record.list", object_type="referrals.handoff", person_id=handed_off.referral.person_id
    ).exists()


def test_the_flow_dashboard_links_to_the_hand_offs(client, tina):
    page = login(client, tina).get(reverse("dashboard:flow"))
    assert reverse("referrals:handoffs") in page.content.decode()


def test_the_list_is_the_newest_hand_offs_first_each_with_where_it_went(client, alice, trust, sequoia, north_practice):
    """The page is chosen on the hand-offs alone, then read whole: the same rows, in the same
    order, with the same details as the whole followed set."""
    from datetime import timedelta

    from access.selectors import handoffs_followed_by, handoffs_followed_newest
    from tests.factories import make_referral

    start = timezone.now() - timedelta(days=3)
    for n in range(3):
        referral = make_referral(by=alice, practice=north_practice, family_name=f"Moved{n}")
        referral_redirect(
            referral=referral,
            by=alice,
            now=start + timedelta(hours=n),
            to_team=sequoia,
            note="On.",
            person_informed=True,
        )

    newest = handoffs_followed_newest(alice, limit=2)
    whole = list(handoffs_followed_by(alice)[:2])

    assert [h.pk for h in newest] == [h.pk for h in whole] and len(newest) == 2
    assert [h.referral.person.family_name for h in newest] == ["Moved2", "Moved1"]
    assert [(h.to_team, h.first_contact_at) for h in newest] == [(h.to_team, h.first_contact_at) for h in whole]
    assert handoffs_followed_newest(UserFactory(username="nobody-here", role=Role.CLINICIAN), limit=2) == []
