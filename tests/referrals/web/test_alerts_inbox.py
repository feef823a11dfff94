"""The alerts inbox: my in-app warnings, breaches and escalations; mark as seen (one, or all)."""

import json
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AuditEvent
from referrals.models import Clock, Notification, Referral
from referrals.services.notifications import notification_mark_seen, notifications_mark_all_seen
from tests.factories import make_alert, make_notification, make_referral
from tests.html import without_tokens

from .conftest import allocate

pytestmark = pytest.mark.django_db

INBOX = "/alerts/"
LADDER = (("warning", 0), ("breach", 0), ("escalation", 1), ("escalation", 2))


def notify(user, *, count: int, by, practice=None, start=None, seen: int = 0, **names) -> list[Notification]:
    """``count`` notifications for ``user``, one minute apart (oldest first), ``seen`` of them seen."""
    start = start or timezone.now() - timedelta(days=2)
    made: list[Notification] = []
    while len(made) < count:
        referral = make_referral(by=by, practice=practice, now=start - timedelta(days=1), **names)
        for clock in Clock.objects.filter(referral=referral):
            for level, tier in LADDER:
                if len(made) == count:
                    break
                at = start + timedelta(minutes=len(made))
                alert = make_alert(clock, level=level, tier=tier, at=at)
                made.append(make_notification(alert, to=user, seen=len(made) < seen))
    return made


def test_inbox_asks_for_login(client):
    response = client.get(INBOX)
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_inbox_shows_my_alerts_newest_first_linking_to_the_person(client, alice, bob, north_practice):
    older, newer = notify(bob, count=2, by=alice, practice=north_practice, given_name="Ola", family_name="Newman")
    allocate(newer.alert.referral, by=alice, link_worker=bob)  # bob holds Ola, so may open the record
    notify(alice, count=1, by=alice, practice=north_practice, given_name="Not", family_name="Bobs")
    client.force_login(bob)

    body = client.get(INBOX).content.decode()

    assert body.index(f'id="notification-{newer.pk}"') < body.index(f'id="notification-{older.pk}"')
    assert "Not Bobs" not in body
    assert f'href="/people/{newer.alert.referral.person_id}/"' in body
    assert "Ola Newman" in body and newer.alert.referral.reference in body
    assert "2 not seen yet" in body and body.count(">New<") == 2
    assert "Breach" in body and "Warning" in body


def test_an_alert_on_a_referral_i_cannot_open_names_only_the_referral(client, alice, sam, north_practice):
    [escalation] = notify(sam, count=1, by=alice, practice=north_practice, given_name="Ola", family_name="Newman")
    referral = escalation.alert.referral
    client.force_login(sam)

    body = client.get(INBOX).content.decode()

    assert f'id="notification-{escalation.pk}"' in body
    assert f"Referral {referral.reference}" in body
    assert "Ola" not in without_tokens(body) and "Newman" not in body
    assert f'href="/people/{referral.person_id}/"' not in body
    assert not AuditEvent.objects.filter(actor=sam, person_id=referral.person_id).exists()


def test_an_alert_i_can_open_records_that_i_saw_the_person(client, alice, north_practice):
    [notification] = notify(alice, count=1, by=alice, practice=north_practice)
    client.force_login(alice)

    client.get(INBOX)

    assert AuditEvent.objects.filter(
        actor=alice, action="record.list", person_id=notification.alert.referral.person_id
    ).exists()


def test_seen_alerts_are_not_highlighted(client, alice, bob, north_practice):
    seen, unseen = notify(bob, count=2, by=alice, practice=north_practice, seen=1)
    client.force_login(bob)

    body = client.get(INBOX).content.decode()

    seen_item = body[body.index(f'id="notification-{seen.pk}"') :]
    unseen_item = body[body.index(f'id="notification-{unseen.pk}"') : body.index(f'id="notification-{seen.pk}"')]
    assert "nhsuk-card--secondary" in seen_item.split("</li>")[0] and "Mark as seen" not in seen_item.split("</li>")[0]
    assert ">New<" in unseen_item and "Mark as seen" in unseen_item
    assert "1 not seen yet" in body


def test_filter_by_level_and_unseen(client, alice, bob, north_practice):
    notify(bob, count=4, by=alice, practice=north_practice, seen=1)  # warning (seen), breach, escalation 1 and 2
    client.force_login(bob)

    assert "1 alert matches these filters" in client.get(INBOX, {"level": "breach"}).content.decode()
    assert "2 alerts match these filters" in client.get(INBOX, {"level": "escalation"}).content.decode()
    assert "3 alerts match these filters" in client.get(INBOX, {"unseen": "on"}).content.decode()
    assert "0 alerts match" in client.get(INBOX, {"level": "warning", "unseen": "on"}).content.decode()
    assert client.get(INBOX, {"level": "bogus"}).status_code == 200  # ignored


def test_inbox_is_paginated(client, alice, bob, north_practice):
    notify(bob, count=23, by=alice, practice=north_practice)
    client.force_login(bob)

    first = client.get(INBOX).content.decode()
    second = client.get(INBOX, {"page": 2}).content.decode()

    assert first.count('id="notification-') == 20 and second.count('id="notification-') == 3
    assert 'aria-label="Page 2"' in first


def test_htmx_filter_returns_only_the_results(client, alice, bob, north_practice):
    notify(bob, count=2, by=alice, practice=north_practice)
    client.force_login(bob)

    body = client.get(
        INBOX, {"level": "breach"}, headers={"HX-Request": "true", "HX-Target": "alerts-results"}
    ).content.decode()

    assert "<html" not in body and "1 alert matches these filters" in body


def test_mark_as_seen_without_js_redirects_back(client, alice, bob, north_practice):
    [notification] = notify(bob, count=1, by=alice, practice=north_practice)
    client.force_login(bob)

    response = client.post(f"/alerts/{notification.pk}/seen/", {"next": "/alerts/?level=warning"})

    assert response.status_code == 302 and response.url == "/alerts/?level=warning"
    notification.refresh_from_db()
    assert notification.seen_at is not None


def test_mark_as_seen_never_goes_off_site(client, alice, bob, north_practice):
    [notification] = notify(bob, count=1, by=alice, practice=north_practice)
    client.force_login(bob)

    response = client.post(f"/alerts/{notification.pk}/seen/", {"next": "https://evil.example/"})

    assert response.url == "/alerts/"


def test_mark_as_seen_with_htmx_swaps_the_item_and_the_count(client, alice, bob, north_practice):
    first, second = notify(bob, count=2, by=alice, practice=north_practice)
    client.force_login(bob)

    response = client.post(f"/alerts/{first.pk}/seen/", headers={"HX-Request": "true"})

    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert f'<li id="notification-{first.pk}">' in body and "nhsuk-card--secondary" in body
    assert "Mark as seen" not in body
    assert 'id="alerts-unseen-count" hx-swap-oob="true"' in body and "1 not seen yet" in body


def test_only_the_recipient_can_mark_a_notification(client, alice, bob, north_practice):
    [notification] = notify(bob, count=1, by=alice, practice=north_practice)
    client.force_login(alice)

    assert client.post(f"/alerts/{notification.pk}/seen/").status_code == 404
    notification.refresh_from_db()
    assert notification.seen_at is None


def test_mark_as_seen_is_a_post(client, alice, bob, north_practice):
    [notification] = notify(bob, count=1, by=alice, practice=north_practice)
    client.force_login(bob)

    assert client.get(f"/alerts/{notification.pk}/seen/").status_code == 405
    assert client.get("/alerts/seen/").status_code == 405


def test_mark_all_as_seen_marks_only_mine(client, alice, bob, north_practice):
    notify(bob, count=3, by=alice, practice=north_practice, seen=1)
    [alices] = notify(alice, count=1, by=alice, practice=north_practice)
    client.force_login(bob)

    response = client.post("/alerts/seen/", {"next": "/alerts/?level=breach"}, follow=True)

    assert response.redirect_chain == [("/alerts/?level=breach", 302)]
    assert "2 alerts marked as seen." in response.content.decode()
    assert not Notification.objects.filter(recipient=bob, seen_at__isnull=True).exists()
    alices.refresh_from_db()
    assert alices.seen_at is None


def test_inbox_query_count_does_not_grow_with_alerts(client, alice, bob, north_practice, django_assert_num_queries):
    notify(bob, count=1, by=alice, practice=north_practice)
    client.force_login(bob)
    client.get(INBOX)
    with CaptureQueriesContext(connection) as few:
        client.get(INBOX)

    notify(bob, count=30, by=alice, practice=north_practice, start=timezone.now() - timedelta(days=1))

    with django_assert_num_queries(len(few.captured_queries)):
        assert client.get(INBOX).status_code == 200


# --- the services ------------------------------------------------------------------------------


def test_mark_seen_counts_once_and_keeps_the_first_time(alice, bob, north_practice):
    [notification] = notify(bob, count=1, by=alice, practice=north_practice)
    first, later = timezone.now(), timezone.now() + timedelta(minutes=5)

    assert notification_mark_seen(notification=notification, by=bob, now=first) == 1
    assert notification_mark_seen(notification=notification, by=bob, now=later) == 0
    notification.refresh_from_db()
    assert notification.seen_at == first


def test_mark_seen_refuses_anyone_but_the_recipient(alice, bob, north_practice):
    [notification] = notify(bob, count=1, by=alice, practice=north_practice)

    with pytest.raises(PermissionDenied):
        notification_mark_seen(notification=notification, by=alice, now=timezone.now())
    notification.refresh_from_db()
    assert notification.seen_at is None


def test_mark_all_seen_returns_how_many_it_marked(alice, bob, north_practice):
    notify(bob, count=5, by=alice, practice=north_practice, seen=2)
    notify(alice, count=1, by=alice, practice=north_practice)

    assert notifications_mark_all_seen(user=bob, now=timezone.now()) == 3
    assert notifications_mark_all_seen(user=bob, now=timezone.now()) == 0
    assert Notification.objects.filter(recipient=alice, seen_at__isnull=True).count() == 1


def test_mark_as_seen_with_htmx_tells_the_header_the_new_unread_count(client, alice, bob, north_practice):
    first, second, _ = notify(bob, count=3, by=alice, practice=north_practice)
    client.force_login(bob)

    response = client.post(f"/alerts/{first.pk}/seen/", headers={"HX-Request": "true"})

    assert json.loads(response["HX-Trigger"]) == {"appUnreadAlerts": {"count": 2}}


def test_an_alert_card_gives_the_urgency_and_one_click_to_record_a_contact(client, alice, bob, north_practice):
    [notification] = notify(bob, count=1, by=alice, practice=north_practice, urgency=Referral.Urgency.URGENT)
    referral = notification.alert.referral
    allocate(referral, by=alice, link_worker=bob)  # bob holds the person, so may record a contact
    client.force_login(bob)

    body = client.get(INBOX, {"level": "warning"}).content.decode()

    card = body[body.index(f'id="notification-{notification.pk}"') :]
    card = card[: card.index("</li>")]
    assert (
        '<strong class="nhsuk-tag nhsuk-tag--orange">Urgent<span class="nhsuk-u-visually-hidden"> referral</span>'
        in card
    )
    contact = f'href="/referrals/{referral.pk}/contacts/new/?next=/alerts/%3Flevel%3Dwarning"'
    assert contact in card and 'class="nhsuk-button nhsuk-button--small' in card

    swapped = client.post(f"/alerts/{notification.pk}/seen/", headers={"HX-Request": "true"}).content.decode()
    assert f'href="/referrals/{referral.pk}/contacts/new/?next=/alerts/"' in swapped


def test_no_record_a_contact_on_an_alert_i_cannot_open(client, alice, sam, north_practice):
    [notification] = notify(sam, count=1, by=alice, practice=north_practice)
    client.force_login(sam)

    body = client.get(INBOX).content.decode()

    assert "/contacts/new/" not in body and "Routine" in body
