"""The information governance lead's audit log: search by person, member of staff, London dates
and kind of action; "who has looked at this person's record?"; the CSV download, itself audited.

Only IG leads reach it: everyone else (superusers too) gets a 404.
"""

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from access.ig import views as ig_views
from accounts.models import AuditEvent, Role
from accounts.services import audit_read, audit_record, auth_login_failed_record
from tests.factories import PersonFactory, UserFactory

AUDIT = reverse("ig:audit")
EXPORT = reverse("ig:export")
# Summer time: London is UTC+1, so a London day starts at 23:00 UTC the evening before.
SUMMER = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
WINTER = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
FROM_SUMMER = {"date_from_day": "1", "date_from_month": "7", "date_from_year": "2026"}


@pytest.fixture
def ig(trust):
    return UserFactory(
        username="iris", first_name="Iris", last_name="Governance", role=Role.IG_LEAD, organisation=trust
    )


@pytest.fixture
def ig_client(client, ig):
    """The IG lead, signed in. Signing in is audited too: pinned here, in the winter before the
    events the tests record, so searches from SUMMER on leave it out."""
    with time_machine.travel(WINTER, tick=False):
        client.force_login(ig)
    return client


@pytest.fixture
def robin(db):
    return PersonFactory(given_name="Robin", family_name="Harbour", nhs_number="9434765919")


@pytest.fixture
def sky(db):
    return PersonFactory(given_name="Sky", family_name="Hillcrest")


def looked(user, person, *, at: datetime, action: str = "record.view", ip: str = "192.0.2.10") -> None:
    audit_read(
        by=user,
        action=action,
        now=at,
        people=[person.pk],
        object_type="referrals.person",
        object_id=str(person.pk),
        source_ip=ip,
    )


def changed(user, person, *, at: datetime, action: str = "contact.record") -> AuditEvent:
    return audit_record(
        by=user, action=action, obj=person, now=at, person_id=person.pk, detail={}, source_ip="192.0.2.20"
    )


TO_JULY = {"date_to_day": "31", "date_to_month": "7", "date_to_year": "2026"}


def event_ids(response) -> list[int]:
    return [int(found) for found in re.findall(r'id="event-(\d+)"', response.content.decode())]


def search(client, /, **params):
    return client.get(AUDIT, params)


# --- Who may use it --------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["alice", "bob", "tina", "sam", "charlie", "intake"])
@pytest.mark.parametrize("url", [AUDIT, EXPORT, reverse("ig:break_glass")])
def test_every_other_role_gets_404_as_if_the_pages_did_not_exist(client, request, who, url):
    client.force_login(request.getfixturevalue(who))

    assert client.get(url).status_code == 404


def test_a_superuser_who_is_not_an_ig_lead_gets_404_too(client, trust):
    root = UserFactory(username="root", role=Role.ADMINISTRATOR, is_superuser=True, is_staff=True)
    client.force_login(root)

    assert client.get(AUDIT).status_code == 404
    assert client.get(EXPORT).status_code == 404


def test_someone_not_signed_in_is_sent_to_log_in(client, db):
    response = client.get(AUDIT)

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


# --- Searching -------------------------------------------------------------------------------


def test_search_by_nhs_number_typed_with_spaces_shows_only_that_persons_rows(ig_client, alice, robin, sky):
    looked(alice, robin, at=SUMMER)
    mine = changed(alice, robin, at=SUMMER + timedelta(minutes=5))
    looked(alice, sky, at=SUMMER + timedelta(minutes=10))

    response = search(ig_client, person="943 476 5919")

    assert response.status_code == 200
    assert event_ids(response) == [mine.pk, mine.pk - 1]  # newest first
    page = response.content.decode()
    assert "Robin Harbour" in page
    assert "NHS number 943 476 5919" in page
    assert "Hillcrest" not in page
    assert "Recorded a contact" in page  # the action in plain English
    assert "Wed 1 Jul 2026, 10:05" in page  # London time (BST)


def test_search_by_person_id_finds_a_person_with_no_nhs_number(ig_client, alice):
    nameless = PersonFactory(nhs_number=None, given_name="Ash", family_name="Unknown")
    event = changed(alice, nameless, at=SUMMER)

    response = search(ig_client, person=str(nameless.pk))

    assert event_ids(response) == [event.pk]


def test_search_by_username_finds_their_actions_and_failed_sign_ins_as_them(ig_client, alice, bob, robin):
    theirs = changed(alice, robin, at=SUMMER)
    changed(bob, robin, at=SUMMER)
    attempt = auth_login_failed_record(username="ALICE", now=SUMMER + timedelta(hours=1), source_ip="203.0.113.9")

    response = search(ig_client, user="alice")

    assert event_ids(response) == [attempt.pk, theirs.pk]
    page = response.content.decode()
    assert f"{escape(alice.get_full_name())} (alice)" in page  # a generated name may hold an apostrophe
    assert "Unknown user, tried username “ALICE”" in page
    assert "Failed to sign in (wrong username or password)" in page
    assert "203.0.113.9" in page


def test_date_range_is_whole_london_days_around_midnight_in_summer_time(ig_client, alice, robin):
    last_minute_of_june = changed(alice, robin, at=datetime(2026, 6, 30, 22, 59, tzinfo=UTC))  # 23:59 BST 30 June
    first_of_july = changed(alice, robin, at=datetime(2026, 6, 30, 23, 0, tzinfo=UTC))  # 00:00 BST 1 July
    end_of_july_1 = changed(alice, robin, at=datetime(2026, 7, 1, 22, 59, 59, tzinfo=UTC))  # 23:59:59 BST
    changed(alice, robin, at=datetime(2026, 7, 1, 23, 0, tzinfo=UTC))  # 00:00 BST 2 July

    one_day = {"date_from_day": "1", "date_from_month": "7", "date_from_year": "2026"}
    one_day |= {"date_to_day": "1", "date_to_month": "7", "date_to_year": "2026"}
    response = search(ig_client, **one_day)

    assert event_ids(response) == [end_of_july_1.pk, first_of_july.pk]
    june_30 = {"date_from_day": "30", "date_from_month": "6", "date_from_year": "2026"}
    june_30 |= {"date_to_day": "30", "date_to_month": "6", "date_to_year": "2026"}
    until_june = search(ig_client, **june_30)
    assert event_ids(until_june) == [last_minute_of_june.pk]


def test_action_filter_picks_a_kind_of_event(ig_client, alice, robin):
    looked(alice, robin, at=SUMMER)
    view = AuditEvent.objects.get(action="record.view")
    change = changed(alice, robin, at=SUMMER + timedelta(minutes=1))
    sign_in = audit_record(by=alice, action="auth.login", obj=alice, now=SUMMER + timedelta(minutes=2))
    grant = audit_record(
        by=alice, action="access.break_glass", obj=robin, person_id=robin.pk, now=SUMMER + timedelta(minutes=3)
    )

    assert event_ids(search(ig_client, action="sign_in", **FROM_SUMMER)) == [sign_in.pk]
    assert event_ids(search(ig_client, action="record.view")) == [view.pk]
    assert event_ids(search(ig_client, action="changes")) == [change.pk]
    assert event_ids(search(ig_client, action="access")) == [grant.pk]


def test_results_are_newest_first_fifty_to_a_page(ig_client, alice, robin):
    for minute in range(51):
        changed(alice, robin, at=SUMMER + timedelta(minutes=minute))
    oldest = AuditEvent.objects.filter(action="contact.record").order_by("at").first()

    first = search(ig_client, **FROM_SUMMER)
    second = search(ig_client, page="2", **FROM_SUMMER)

    assert len(event_ids(first)) == 50
    assert event_ids(second) == [oldest.pk]
    assert "51 events" in first.content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"person": "robin"}, "Enter an NHS number (10 digits) or a person ID (a number)"),
        ({"person": "943 476 5918"}, "943 476 5918 is not a valid NHS number: check the digits"),
        ({"person": "123 456 7806"}, "No one with NHS number 123 456 7806 is on the system"),
        ({"person": "943 476 591"}, "An NHS number is 10 digits, for example 943 476 5919"),
        ({"person": "99999999"}, "No one with person ID 99999999 is on the system"),
        ({"person": "1" * 30}, "Enter an NHS number (10 digits) or a person ID"),
        ({"date_from_day": "31", "date_from_month": "2", "date_from_year": "2026"}, "must be a real date"),
        ({"date_from_day": "1", "date_from_month": "", "date_from_year": ""}, "must be a real date"),
        ({"date_to_day": "x", "date_to_month": "y", "date_to_year": "z"}, "must be a real date"),
        ({"date_to_day": "31", "date_to_month": "12", "date_to_year": "9999"}, "must be between 2000 and 2100"),
        (
            {"date_from_day": "2", "date_from_month": "7", "date_from_year": "2026"}
            | {"date_to_day": "1", "date_to_month": "7", "date_to_year": "2026"},
            "The ‘to’ date must be the same as or after the ‘from’ date",
        ),
        ({"action": "'; drop table"}, "Choose what they did from the list"),
        ({"user": "u" * 151}, "A username has at most 150 characters"),
    ],
)
def test_input_we_cannot_read_is_explained_beside_the_form_never_a_500(ig_client, alice, robin, params, message):
    changed(alice, robin, at=SUMMER)

    response = search(ig_client, **params)

    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert message in page
    assert "<title>Error: Audit log" in page
    assert event_ids(response) == []  # no results for a search we could not read


def test_rows_say_who_did_what_to_which_record_and_from_where(ig_client, alice, robin):
    audit_record(by=None, action="clock.stop", obj=robin, person_id=robin.pk, now=SUMMER)
    changed(alice, robin, at=SUMMER + timedelta(minutes=1), action="referral.triage")

    page = search(ig_client, person=str(robin.pk)).content.decode()

    assert "No one signed in (the system)" in page
    assert "Stopped a waiting-time clock" in page
    assert "Triaged a referral" in page
    assert f"Person {robin.pk}" in page  # the record: the model's name and its id
    assert "192.0.2.20" in page


# --- Who has looked at this person's record? --------------------------------------------------


def test_who_looked_counts_each_member_of_staffs_looks_at_the_record(ig_client, alice, bob, charlie, robin, sky):
    for minutes in (0, 30, 60):
        looked(alice, robin, at=SUMMER + timedelta(minutes=minutes))
    looked(alice, robin, at=SUMMER + timedelta(hours=2), action="record.list")
    looked(bob, robin, at=SUMMER + timedelta(hours=3), action="record.export")
    changed(alice, robin, at=SUMMER + timedelta(hours=4))  # a change, not a look
    looked(charlie, sky, at=SUMMER)  # someone else's record

    response = search(ig_client, person="9434765919")

    viewers = {viewer.username: viewer for viewer in response.context["viewers"]}
    assert set(viewers) == {"alice", "bob"}
    assert (viewers["alice"].times, viewers["alice"].views, viewers["alice"].lists) == (4, 3, 1)
    assert viewers["alice"].first_at == SUMMER
    assert viewers["alice"].last_at == SUMMER + timedelta(hours=2)
    assert (viewers["bob"].times, viewers["bob"].exports) == (1, 1)
    assert [viewer.username for viewer in response.context["viewers"]] == ["bob", "alice"]  # latest first
    table = response.content.decode().split('id="who-looked"')[1].split("</table>")[0]
    assert "Link worker" in table and "Synthetic Mind" in table  # bob's role and organisation
    assert "Clinician" in table and "Synthetic Partnership NHS Trust" in table
    assert "3 views, 1 in list" in table
    assert "Wed 1 Jul 2026, 10:00" in table and "Wed 1 Jul 2026, 12:00" in table


def test_who_looked_keeps_to_the_searched_dates(ig_client, alice, bob, robin):
    looked(alice, robin, at=datetime(2026, 6, 30, 12, 0, tzinfo=UTC))
    looked(bob, robin, at=datetime(2026, 7, 1, 12, 0, tzinfo=UTC))

    response = search(ig_client, person=str(robin.pk), date_from_day="1", date_from_month="7", date_from_year="2026")

    assert [viewer.username for viewer in response.context["viewers"]] == ["bob"]


def test_no_summary_without_a_person_and_a_plain_message_when_no_one_looked(ig_client, alice, robin):
    changed(alice, robin, at=SUMMER)

    assert "Who has looked" not in search(ig_client, **FROM_SUMMER).content.decode()
    assert "No one has looked at this record." in search(ig_client, person=str(robin.pk)).content.decode()


def test_the_page_costs_the_same_queries_for_two_rows_or_fifty(ig_client, alice, bob, django_assert_num_queries):
    people = PersonFactory.create_batch(25)
    looked(alice, people[0], at=SUMMER)
    changed(bob, people[0], at=SUMMER)
    # Up to the end of July: each search by person is itself recorded (now), and must not count.
    params = {"person": str(people[0].pk), **FROM_SUMMER, **TO_JULY}
    ig_client.get(AUDIT, params)
    with CaptureQueriesContext(connection) as few:
        assert len(event_ids(ig_client.get(AUDIT, params))) == 2
    with CaptureQueriesContext(connection) as unfiltered_few:
        ig_client.get(AUDIT)

    staff = UserFactory.create_batch(10, organisation=alice.organisation)
    for index in range(60):
        looked(staff[index % 10], people[0], at=SUMMER + timedelta(minutes=index), action="record.list")
        changed(staff[index % 10], people[index % 25], at=SUMMER + timedelta(minutes=index))

    with django_assert_num_queries(len(few.captured_queries)):
        response = ig_client.get(AUDIT, params)
    assert len(event_ids(response)) == 50
    assert len(response.context["viewers"]) == 11
    with django_assert_num_queries(len(unfiltered_few.captured_queries)):
        assert len(event_ids(ig_client.get(AUDIT))) == 50


# --- The CSV download ---------------------------------------------------------------------------


def read_csv(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content if response.streaming else [response.content]).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_the_download_holds_exactly_the_rows_the_search_shows_and_is_audited(ig_client, ig, alice, bob, robin, sky):
    for minutes in range(5):
        looked(alice, robin, at=SUMMER + timedelta(minutes=minutes))
    changed(bob, robin, at=SUMMER + timedelta(hours=1))
    looked(alice, sky, at=SUMMER)  # not this person
    auth_login_failed_record(username="alice", now=SUMMER, source_ip="203.0.113.9")  # no person
    params = {
        "person": "943 476 5919",
        "date_from_day": "1",
        "date_from_month": "7",
        "date_from_year": "2026",
        **TO_JULY,
    }
    shown = search(ig_client, **params)
    assert AuditEvent.objects.filter(action="audit.search", person_id=robin.pk).exists()  # the look itself

    response = ig_client.get(EXPORT, params, REMOTE_ADDR="198.51.100.7")

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="audit-log-')
    header, *rows = read_csv(response)
    assert header[:5] == ["Event ID", "When (UK time)", "When (UTC)", "Who", "What they did"]
    assert [int(row[0]) for row in rows] == event_ids(shown)
    assert rows[0][1:5] == [
        "Wed 1 Jul 2026, 11:00",
        "2026-07-01T10:00:00+00:00",
        f"{bob.get_full_name()} (bob)",
        "Recorded a contact",
    ]
    assert rows[0][7:10] == ["Robin Harbour", "943 476 5919", str(robin.pk)]
    export = AuditEvent.objects.get(action="audit.export")
    assert export.actor == ig
    assert (export.object_type, export.person_id, export.source_ip) == ("accounts.auditevent", robin.pk, "198.51.100.7")
    assert export.detail == {
        "filters": {"person_id": robin.pk, "date_from": "2026-07-01", "date_to": "2026-07-31"},
        "rows": 6,
        "capped": False,
    }


def test_a_download_stops_at_the_cap_and_says_so(ig_client, alice, robin, monkeypatch):
    monkeypatch.setattr(ig_views, "EXPORT_CAP", 3)
    monkeypatch.setattr(ig_views, "EXPORT_CHUNK", 2)
    events = [changed(alice, robin, at=SUMMER + timedelta(minutes=minute)) for minute in range(5)]

    assert "A download holds at most 3 events" in search(ig_client, **FROM_SUMMER).content.decode()
    header, *rows = read_csv(ig_client.get(EXPORT, FROM_SUMMER))

    assert [int(row[0]) for row in rows[:-1]] == [event.pk for event in reversed(events[2:])]
    assert rows[-1] == ["Only the newest 3 events are in this file: narrow the search to get the rest."]
    export = AuditEvent.objects.get(action="audit.export")
    assert (export.detail["rows"], export.detail["capped"]) == (3, True)


def test_text_that_looks_like_a_formula_cannot_run_in_a_spreadsheet(ig_client, alice):
    # Names arrive from referrers' systems; a failed sign-in's username is whatever was typed.
    crafted = PersonFactory(given_name='=HYPERLINK("http://evil.invalid")', family_name="X")
    changed(alice, crafted, at=SUMMER)
    auth_login_failed_record(username="@SUM(1)", now=SUMMER, source_ip=None)

    header, *rows = read_csv(ig_client.get(EXPORT, FROM_SUMMER))

    person = header.index("Person")
    assert [row[person] for row in rows] == ["", '\'=HYPERLINK("http://evil.invalid") X']
    assert not any(cell.startswith(("=", "@", "+", "-")) for row in rows for cell in row)


def test_a_download_with_a_search_we_cannot_read_goes_back_to_the_errors(ig_client):
    response = ig_client.get(EXPORT, {"person": "not a number"}, follow=True)

    assert response.redirect_chain == [(f"{AUDIT}?person=not+a+number", 302)]
    assert "Enter an NHS number (10 digits) or a person ID (a number)" in response.content.decode()
    assert not AuditEvent.objects.filter(action="audit.export").exists()


def _by_name_and_birth(person, **extra) -> dict[str, str]:
    born = person.birth_date
    return {
        "family_name": person.family_name.upper(),
        "birth_date_day": str(born.day),
        "birth_date_month": str(born.month),
        "birth_date_year": str(born.year),
    } | extra


def test_who_has_looked_found_by_family_name_and_date_of_birth_and_the_search_is_recorded(
    ig_client, ig, alice, robin, sky
):
    looked(alice, robin, at=SUMMER)
    looked(alice, sky, at=SUMMER)

    response = ig_client.get(AUDIT, _by_name_and_birth(robin))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Who has looked at Robin Harbour’s record?" in body
    assert 'id="who-looked"' in body and "Sky Hillcrest" not in body
    search = AuditEvent.objects.get(action="audit.search")
    assert (search.actor, search.person_id) == (ig, robin.pk)


def test_several_people_with_that_name_and_birth_date_are_offered_to_choose_and_the_search_recorded(
    ig_client, ig, robin
):
    twin = PersonFactory(given_name="Robyn", family_name="Harbour", birth_date=robin.birth_date, nhs_number=None)

    body = ig_client.get(AUDIT, _by_name_and_birth(robin)).content.decode()

    assert "2 people match: choose one" in body
    assert f"?person={robin.pk}" in body and f"?person={twin.pk}" in body
    assert 'id="events"' not in body  # nothing listed until one is chosen
    search = AuditEvent.objects.filter(action="record.search", actor=ig)
    assert {event.person_id for event in search} == {robin.pk, twin.pk}


def test_a_name_and_birth_date_nobody_has_is_an_error_and_recorded(ig_client, ig, robin):
    body = ig_client.get(AUDIT, _by_name_and_birth(robin, family_name="Nobody")).content.decode()

    assert "No one called Nobody born" in body and "is on the system: check both" in body
    assert AuditEvent.objects.filter(action="record.search", actor=ig, person_id__isnull=True).exists()


def test_a_family_name_needs_a_date_of_birth(ig_client, robin):
    body = ig_client.get(AUDIT, {"family_name": "Harbour"}).content.decode()

    assert "Enter their date of birth as well as the family name" in body


def test_rows_without_a_record_or_person_never_say_none(ig_client, ig):
    auth_login_failed_record(username="someone", now=SUMMER, source_ip="192.0.2.30")

    body = ig_client.get(AUDIT, FROM_SUMMER).content.decode()

    events = body[body.index('id="events"') :]
    assert ">None<" not in events and "None" not in events
    assert "192.0.2.30" in events
