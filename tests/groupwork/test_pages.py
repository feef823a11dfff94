"""The group pages: the facilitating team's groups, the register on one form, enrolment from the
care plan; a 404 for anyone who may not see the group or the person."""

from datetime import date, timedelta

import pytest
import time_machine

from accounts.models import AuditEvent
from groupwork.models import Attendance, Cohort, Enrolment, Group, GroupSession
from groupwork.services import group_enrol, session_attendance_record
from referrals.models import Contact, Referral
from referrals.services import referral_close
from tests.factories import make_cohort, make_group, make_referral
from tests.html import without_tokens
from tests.reporting.measures.cases import uk

MONDAY = uk(2026, 3, 2, 9)
SESSION = uk(2026, 3, 9, 18)
AFTER = SESSION + timedelta(hours=2)
# Family names no staff name can contain: a random one ("Adams", "Callum") holds "Ada" or "Cal".
PEOPLE = (("Ada", "Quillmoor"), ("Bea", "Thrushwick"), ("Cal", "Marrowdene"))
FAMILY_NAMES = tuple(family for _, family in PEOPLE)


@pytest.fixture
def north_people(alice, north_practice):
    with time_machine.travel(MONDAY, tick=False):
        return [
            make_referral(by=alice, now=MONDAY, practice=north_practice, given_name=given, family_name=family)
            for given, family in PEOPLE
        ]


@pytest.fixture
def session(alice, north_team, north_people):
    group = make_group(by=alice, team=north_team, capacity=8, name="Emotional coping", now=MONDAY)
    cohort = make_cohort(group=group, by=alice, starts_on=date(2026, 3, 9), session_times=[SESSION], now=MONDAY)
    with time_machine.travel(MONDAY, tick=False):
        for referral in north_people:
            group_enrol(group=group, referral=referral, by=alice, now=MONDAY)
    return cohort.sessions.get()


def register_url(session):
    return f"/groups/sessions/{session.pk}/register/"


def test_a_facilitator_sets_up_a_group_and_schedules_its_first_cohort(client, alice, north_team):
    client.force_login(alice)

    response = client.post(
        "/groups/new/",
        {
            "name": "DBT skills",
            "kind": "skills",
            "team": north_team.pk,
            "capacity": "10",
            "consultation_mechanism": "01",
        },
    )
    group = Group.objects.get(name="DBT skills")
    assert response.status_code == 302 and response["Location"] == f"/groups/{group.pk}/"

    response = client.post(
        f"/groups/{group.pk}/cohorts/",
        {
            "cohort-name": "Spring 2027",
            "cohort-starts_on_day": "12",
            "cohort-starts_on_month": "4",
            "cohort-starts_on_year": "2027",
            "cohort-at": "18:00",
            "cohort-weeks": "6",
        },
    )
    assert response.status_code == 302
    cohort = Cohort.objects.get(group=group)
    assert cohort.sessions.count() == 6
    assert cohort.sessions.first().starts_at == uk(2027, 4, 12, 18)  # London time, BST


def test_a_group_that_takes_no_one_is_refused_with_a_clear_message(client, alice, north_team):
    client.force_login(alice)

    response = client.post(
        "/groups/new/",
        {"name": "Empty", "kind": "skills", "team": north_team.pk, "capacity": "0", "consultation_mechanism": "01"},
    )

    assert response.status_code == 200
    assert "A cohort takes at least 1 person." in response.content.decode()
    assert not Group.objects.exists()


def test_the_register_lists_everyone_and_saves_the_whole_session_in_one_submit(client, alice, session, north_people):
    client.force_login(alice)
    enrolments = list(Enrolment.objects.filter(cohort=session.cohort).order_by("pk"))

    with time_machine.travel(AFTER, tick=False):
        page = client.get(register_url(session)).content.decode()
        response = client.post(
            register_url(session),
            {f"person_{enrolments[0].pk}": "5", f"person_{enrolments[1].pk}": "3", f"person_{enrolments[2].pk}": "4"},
        )

    assert all(name in page for name in ("Ada", "Bea", "Cal", *FAMILY_NAMES))
    assert response.status_code == 302
    assert sorted(Contact.objects.filter(referral__in=north_people).values_list("attendance", flat=True)) == [
        "3",
        "4",
        "5",
    ]


def test_sending_the_register_twice_does_not_record_anyone_twice(client, alice, session):
    client.force_login(alice)
    first = Enrolment.objects.filter(cohort=session.cohort).order_by("pk").first()

    with time_machine.travel(AFTER, tick=False):
        client.post(register_url(session), {f"person_{first.pk}": "5"})
        again = client.post(register_url(session), {f"person_{first.pk}": "5"})

    # Recorded people are shown, not asked again: the repeat has nobody new to record.
    assert again.status_code == 200
    assert "Mark at least one person" in again.content.decode()
    assert Contact.objects.filter(referral=first.referral).count() == 1


@pytest.mark.parametrize("who", ["charlie", "sam"])
def test_someone_outside_the_facilitating_team_cannot_open_the_group_or_its_register(client, request, who, session):
    client.force_login(request.getfixturevalue(who))

    with time_machine.travel(AFTER, tick=False):
        assert client.get(f"/groups/{session.cohort.group_id}/").status_code == 404
        assert client.get(register_url(session)).status_code == 404
        assert client.post(register_url(session), {}).status_code == 404


def test_the_register_never_names_someone_the_facilitator_may_not_see(client, bob, session):
    """Bob, a peer support worker in the team, sees only the people he holds: none of these."""
    client.force_login(bob)
    hidden = Enrolment.objects.filter(cohort=session.cohort).first()

    with time_machine.travel(AFTER, tick=False):
        page = client.get(register_url(session)).content.decode()
        client.post(register_url(session), {f"person_{hidden.pk}": "5"})

    assert not any(name in page for name in FAMILY_NAMES)
    assert "3 more people are enrolled whose records you cannot open" in page
    assert not Attendance.objects.exists()


def test_the_care_plan_links_to_enrolment_and_a_full_group_puts_the_person_on_its_waiting_list(
    client, alice, north_team, referral
):
    group = make_group(by=alice, team=north_team, capacity=1, name="Carers' group", kind="carers")
    client.force_login(alice)

    plan = client.get(f"/referrals/{referral.pk}/care-plan/").content.decode()
    response = client.post(f"/referrals/{referral.pk}/groups/enrol/", {"group": group.pk})

    assert f"/referrals/{referral.pk}/groups/enrol/" in plan
    assert response.status_code == 302 and response["Location"].endswith("#groups")
    assert Enrolment.objects.get(referral=referral).status == Enrolment.Status.WAITING  # no cohort yet
    assert "Carers&#x27; group" in client.get(f"/referrals/{referral.pk}/care-plan/").content.decode()


def test_someone_who_may_not_see_the_person_cannot_enrol_them(client, charlie, alice, north_team, referral):
    group = make_group(by=alice, team=north_team)
    client.force_login(charlie)

    assert client.get(f"/referrals/{referral.pk}/groups/enrol/").status_code == 404
    assert client.post(f"/referrals/{referral.pk}/groups/enrol/", {"group": group.pk}).status_code == 404
    assert not Enrolment.objects.exists()


def test_the_groups_list_costs_the_same_however_many_groups(client, alice, north_team, django_assert_max_num_queries):
    for i in range(12):
        make_group(by=alice, team=north_team, name=f"Group {i}")
    client.force_login(alice)

    with django_assert_max_num_queries(8):
        response = client.get("/groups/")

    assert response.status_code == 200
    assert "Group 11" in response.content.decode()


def test_the_register_costs_the_same_however_many_people(
    client, alice, session, north_practice, django_assert_max_num_queries
):
    with time_machine.travel(MONDAY, tick=False):
        for _ in range(5):
            group_enrol(
                group=session.cohort.group,
                referral=make_referral(by=alice, now=MONDAY, practice=north_practice),
                by=alice,
                now=MONDAY,
            )
    client.force_login(alice)

    with time_machine.travel(AFTER, tick=False), django_assert_max_num_queries(12):
        response = client.get(register_url(session))

    assert response.status_code == 200


def test_leaving_a_group_asks_first_then_gives_the_place_to_the_first_person_waiting(
    client, alice, north_team, north_people
):
    group = make_group(by=alice, team=north_team, capacity=1, now=MONDAY)
    make_cohort(group=group, by=alice, starts_on=date(2026, 3, 9), now=MONDAY)
    with time_machine.travel(MONDAY, tick=False):
        placed, waiting = (group_enrol(group=group, referral=r, by=alice, now=MONDAY) for r in north_people[:2])
    client.force_login(alice)
    url = f"/groups/enrolments/{placed.pk}/leave/"

    with time_machine.travel(MONDAY + timedelta(days=1), tick=False):
        confirm = client.get(url)
        placed.refresh_from_db()
        assert placed.status == Enrolment.Status.ENROLLED  # asking changes nothing
        response = client.post(url)

    assert "Take Ada out of" in confirm.content.decode()
    assert response.status_code == 302
    placed.refresh_from_db()
    waiting.refresh_from_db()
    assert (placed.status, waiting.status) == (Enrolment.Status.LEFT, Enrolment.Status.ENROLLED)


def test_someone_who_may_not_see_the_person_cannot_take_them_out_of_a_group(client, charlie, session):
    enrolment = Enrolment.objects.filter(cohort=session.cohort).first()
    client.force_login(charlie)

    assert client.get(f"/groups/enrolments/{enrolment.pk}/leave/").status_code == 404
    assert client.post(f"/groups/enrolments/{enrolment.pk}/leave/").status_code == 404
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.ENROLLED


def test_someone_whose_referral_ended_before_the_session_is_not_on_its_register(client, alice, session, north_people):
    closed_at = MONDAY + timedelta(days=3)
    with time_machine.travel(closed_at, tick=False):
        referral_close(referral=north_people[0], by=alice, now=closed_at, reason=Referral.ClosureReason.values[0])
    client.force_login(alice)
    others = Enrolment.objects.filter(cohort=session.cohort).exclude(referral=north_people[0])

    with time_machine.travel(AFTER, tick=False):
        page = client.get(register_url(session)).content.decode()
        response = client.post(register_url(session), {f"person_{e.pk}": "5" for e in others})

    assert "Quillmoor" not in without_tokens(page) and "Thrushwick" in page
    assert response.status_code == 302  # the others' register is not blocked by Ada's ended referral
    assert Attendance.objects.filter(session=session).count() == 2


# --- one session: move it, or cancel it with a reason ----------------------------------------


def session_page(session, what="change"):
    return f"/groups/sessions/{session.pk}/{what}/"


def test_a_facilitator_moves_a_session_to_another_evening_and_the_audit_keeps_both_times(client, alice, session):
    client.force_login(alice)
    with time_machine.travel(MONDAY, tick=False):
        form = client.get(session_page(session)).content.decode()
        assert 'value="18:00"' in form and "Distress" not in form

        response = client.post(
            session_page(session),
            {"day_day": "10", "day_month": "3", "day_year": "2026", "at": "17:30", "topic": "Distress tolerance"},
        )

    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.starts_at, session.topic) == (uk(2026, 3, 10, 17, 30), "Distress tolerance")
    event = AuditEvent.objects.get(action="group_session.change", object_id=str(session.pk))
    assert event.detail["before"]["starts_at"] == SESSION.isoformat()


def test_a_session_cannot_move_before_its_cohort_or_onto_another_session(client, alice, session):
    later = session.cohort.sessions.create(starts_at=SESSION + timedelta(weeks=1))
    client.force_login(alice)
    with time_machine.travel(MONDAY, tick=False):
        early = client.post(
            session_page(session), {"day_day": "1", "day_month": "3", "day_year": "2026", "at": "18:00"}
        )
        clash = client.post(
            session_page(session), {"day_day": "16", "day_month": "3", "day_year": "2026", "at": "18:00"}
        )

    assert "A session cannot be before the cohort starts." in early.content.decode()
    assert "This cohort already meets at that time." in clash.content.decode()
    session.refresh_from_db()
    assert session.starts_at == SESSION and later.starts_at == SESSION + timedelta(weeks=1)


def test_cancelling_a_session_asks_for_a_reason_and_confirmation_first(client, alice, session):
    client.force_login(alice)
    with time_machine.travel(MONDAY, tick=False):
        confirm = client.get(session_page(session, "cancel")).content.decode()
        refused = client.post(session_page(session, "cancel"), {"reason": " "})
        assert GroupSession.objects.filter(pk=session.pk).exists()

        done = client.post(session_page(session, "cancel"), {"reason": "Facilitator unwell."})

    assert "Cancel the session on" in confirm and "Keep the session" in confirm
    assert refused.status_code == 200 and "Say why the session is cancelled" in refused.content.decode()
    assert done.status_code == 302
    assert not GroupSession.objects.filter(pk=session.pk).exists()
    event = AuditEvent.objects.get(action="group_session.cancel", object_id=str(session.pk))
    assert event.detail["reason"] == "Facilitator unwell." and event.detail["starts_at"] == SESSION.isoformat()


def test_a_session_whose_register_is_recorded_can_be_neither_moved_nor_cancelled(client, alice, session):
    client.force_login(alice)
    enrolment = session.cohort.enrolments.first()
    with time_machine.travel(AFTER, tick=False):
        session_attendance_record(session=session, by=alice, now=AFTER, marks={enrolment.pk: "5"})
        moved = client.post(
            session_page(session), {"day_day": "10", "day_month": "3", "day_year": "2026", "at": "18:00"}
        )
        cancelled = client.post(session_page(session, "cancel"), {"reason": "Wrong day."})
        detail = client.get(f"/groups/{session.cohort.group_id}/").content.decode()

    for response in (moved, cancelled):
        assert "register is recorded, each attendance a contact" in response.content.decode()
    session.refresh_from_db()
    assert session.starts_at == SESSION
    assert session_page(session) not in detail  # only sessions still to be recorded offer the change


def test_another_teams_staff_get_404_for_a_sessions_pages(client, charlie, session):
    client.force_login(charlie)
    assert client.get(session_page(session)).status_code == 404
    assert client.post(session_page(session, "cancel"), {"reason": "x"}).status_code == 404
    assert GroupSession.objects.filter(pk=session.pk).exists()


def test_every_group_page_says_where_it_sits_in_a_breadcrumb(client, alice, session):
    client.force_login(alice)
    group = session.cohort.group

    def crumbs(url):
        body = client.get(url).content.decode()
        nav = body[body.index('aria-label="Breadcrumb"') : body.index("</nav>", body.index('aria-label="Breadcrumb"'))]
        return [part.split("</a>")[0] for part in nav.split('class="nhsuk-breadcrumb__link" href="')[1:]]

    with time_machine.travel(AFTER, tick=False):
        assert crumbs("/groups/") == ['/">Home']
        assert crumbs(f"/groups/{group.pk}/") == ['/">Home', '/groups/">Groups']
        expected = ['/">Home', '/groups/">Groups', f'/groups/{group.pk}/">Emotional coping']
        assert crumbs(register_url(session)) == expected
        assert crumbs(session_page(session)) == expected


def test_a_facilitator_adds_a_make_up_session_to_a_cohort(client, alice, session):
    cohort = session.cohort
    client.force_login(alice)
    url = f"/groups/cohorts/{cohort.pk}/sessions/new/"
    with time_machine.travel(MONDAY, tick=False):
        assert url in client.get(f"/groups/{cohort.group_id}/").content.decode()
        clash = client.post(url, {"day_day": "9", "day_month": "3", "day_year": "2026", "at": "18:00"})
        added = client.post(
            url, {"day_day": "12", "day_month": "3", "day_year": "2026", "at": "18:30", "topic": "Catch-up"}
        )

    assert "This cohort already meets at that time." in clash.content.decode()
    assert added.status_code == 302
    extra = cohort.sessions.get(topic="Catch-up")
    assert extra.starts_at == uk(2026, 3, 12, 18, 30)
    assert AuditEvent.objects.filter(action="group_session.add", object_id=str(extra.pk)).exists()


def test_another_teams_staff_cannot_add_a_session(client, charlie, session):
    client.force_login(charlie)
    url = f"/groups/cohorts/{session.cohort_id}/sessions/new/"
    response = client.post(url, {"day_day": "12", "day_month": "3", "day_year": "2026", "at": "18:30"})
    assert response.status_code == 404
    assert session.cohort.sessions.count() == 1


# --- changing a group ------------------------------------------------------------------------


def test_a_facilitator_renames_a_group_and_the_audit_keeps_before_and_after(client, alice, session):
    group = session.cohort.group
    client.force_login(alice)
    url = f"/groups/{group.pk}/change/"

    with time_machine.travel(MONDAY + timedelta(days=1), tick=False):
        form = client.get(url)
        response = client.post(
            url, {"name": "Coping with emotions", "capacity": "8", "consultation_mechanism": "11", "description": ""}
        )

    assert 'value="Emotional coping"' in form.content.decode()
    assert response.status_code == 302 and response["Location"] == f"/groups/{group.pk}/"
    group.refresh_from_db()
    assert (group.name, group.consultation_mechanism, group.kind) == ("Coping with emotions", "11", "skills")
    event = AuditEvent.objects.get(action="group.change")
    assert event.detail["changed"]["name"] == ["Emotional coping", "Coping with emotions"]
    assert set(event.detail["changed"]) == {"name", "consultation_mechanism"}


def test_fewer_places_than_a_cohort_already_holds_are_refused_and_nothing_changes(client, alice, session):
    group = session.cohort.group  # three people enrolled in a cohort still to meet
    client.force_login(alice)

    with time_machine.travel(MONDAY + timedelta(days=1), tick=False):
        response = client.post(
            f"/groups/{group.pk}/change/",
            {"name": group.name, "capacity": "2", "consultation_mechanism": "01", "description": ""},
        )

    assert response.status_code == 200
    assert "already has 3 people enrolled" in response.content.decode()
    assert "Error: Change" in response.content.decode()
    group.refresh_from_db()
    assert group.capacity == 8
    assert not AuditEvent.objects.filter(action="group.change").exists()


def test_more_places_go_at_once_to_the_waiting_list_in_the_order_people_joined(client, alice, north_team, north_people):
    group = make_group(by=alice, team=north_team, capacity=1, now=MONDAY)
    cohort = make_cohort(group=group, by=alice, starts_on=date(2026, 3, 9), now=MONDAY)
    with time_machine.travel(MONDAY, tick=False):
        placed, first, second = (
            group_enrol(group=group, referral=r, by=alice, now=MONDAY + timedelta(minutes=i))
            for i, r in enumerate(north_people)
        )
    client.force_login(alice)

    with time_machine.travel(MONDAY + timedelta(days=1), tick=False):
        client.post(
            f"/groups/{group.pk}/change/",
            {"name": group.name, "capacity": "2", "consultation_mechanism": "01", "description": ""},
        )

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.cohort_id) == (Enrolment.Status.ENROLLED, cohort.pk)
    assert second.status == Enrolment.Status.WAITING


def test_another_teams_staff_get_404_for_changing_a_group(client, charlie, session):
    client.force_login(charlie)
    url = f"/groups/{session.cohort.group_id}/change/"

    assert client.get(url).status_code == 404
    assert client.post(url, {"name": "Mine now", "capacity": "8", "consultation_mechanism": "01"}).status_code == 404
