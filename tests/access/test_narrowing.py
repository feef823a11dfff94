"""Narrowing the visible referrals (``referrals_visible_to(user, among=...)``) changes what is
read, never what is seen: for every reader and every condition, the rows are exactly those of the
whole visible set filtered by it (docs/adr/0006, "Performance").

The permission-matrix world (tests/access/conftest.py) gives every role its own, same-team,
other-team, consent and taken-outside records. Here it gets every other relationship too, so that
each branch of the rules has something to open or to refuse:

* the triage queue: a referral still *received* in North, and those each reader took
  (``taken_outside``, a receipt, never access);
* grants: charlie's break-glass on a North person, ada's break-glass that has expired, wendy's
  cover for bob's people, a consent-based share of a person with the VCSE;
* a partner team: a North referral allocated to wren in the Wellbeing hub (vera's team);
* an ended referral: one of bob's, closed (the team keeps it, bob does not).
"""

from datetime import timedelta

import pytest
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from access.grants import break_glass_open, cover_arrange, share_with_organisation
from access.selectors import (
    alerts_visible_to,
    each_referral_tested,
    people_visible_to,
    person_and_referrals_for_user,
    person_get_for_user,
    person_visible_condition,
    referral_ids_visible_to,
    referral_visible_condition,
    referrals_visible_count,
    referrals_visible_newest_first,
    referrals_visible_to,
)
from accounts.models import Role, User
from interchange.fhir.search import _owner_condition
from localities.models import Team
from referrals.api.filters import ReferralFilter
from referrals.models import Alert, Clock, Person, Referral
from referrals.services import caseload_allocate, referral_close, referral_triage
from tests.factories import UserFactory, make_alert, make_notification, make_referral

REASON = "Found in crisis at A&E; the record is needed now."


@pytest.fixture(scope="module")
def varied(world, django_db_blocker):
    """The world, with every other relationship (module docstring). Inside the world's own
    transaction, so it is rolled back with it."""
    w = world
    with django_db_blocker.unblock():
        now = timezone.now()
        admin, ada, tina = w.users["administrator"], w.users["ada"], w.users["team_manager"]
        queued = make_referral(by=admin, practice=w.practices["north"], family_name="Zqqueuedx")
        break_glass_open(user=w.users["charlie"], person=w.record("clinician", "own").person, reason=REASON, now=now)
        break_glass_open(
            user=ada, person=w.record("clinician", "other_team").person, reason=REASON, now=now - timedelta(hours=9)
        )
        cover_arrange(
            by=tina,
            absent=w.users["link_worker"],
            covering=w.users["wendy"],
            until=now + timedelta(days=2),
            now=now,
            reason="Bob is on leave this week.",
        )
        shared = w.record("team_manager", "consent_given").person
        share_with_organisation(person=shared, organisation=w.orgs["vcse"], by=ada, now=now, reason=REASON)
        wren = UserFactory(
            username="wren", role=Role.LINK_WORKER, organisation=w.orgs["vcse"], teams=[w.teams["wellbeing"]]
        )
        partner = make_referral(by=admin, practice=w.practices["north"], family_name="Zqpartnerx")
        referral_triage(referral=partner, by=ada, now=now)
        caseload_allocate(referral=partner, by=ada, now=now, link_worker=wren, team=w.teams["wellbeing"])
        ended = w.record("link_worker", "consent_none").referral
        referral_close(referral=ended, by=ada, now=timezone.now(), reason="no_contact")
        readers = {**w.users, "wren": wren}
        yield {
            "world": w,
            "readers": readers,
            "queued": queued,
            "shared": shared,
            "partner": partner,
            "ended": ended,
        }


def _conditions(varied) -> list[tuple[str, Q]]:
    """Every person, referral, team, worker and FHIR owner, and a few broader conditions."""
    people = list(Person.objects.values_list("pk", flat=True).order_by("pk"))
    referrals = list(Referral.objects.values_list("pk", flat=True).order_by("pk"))
    teams = list(Team.objects.values_list("pk", flat=True).order_by("pk"))
    workers = list(User.objects.values_list("pk", flat=True).order_by("pk"))
    numbers = list(Person.objects.exclude(nhs_number=None).values_list("nhs_number", flat=True)[:5])
    return [
        *[(f"person {p}", Q(person_id=p)) for p in people],
        *[(f"referral {r}", Q(pk=r)) for r in referrals],
        *[(f"team {t}", Q(team_id=t)) for t in teams],
        *[(f"HealthcareService/{t}", _owner_condition([f"HealthcareService/{t}"])) for t in teams],
        *[(f"allocated to {u}", Q(allocated_to_id=u)) for u in workers],
        *[(f"Practitioner/{u}", _owner_condition([f"Practitioner/{u}"])) for u in workers],
        ("some people", Q(person_id__in=people[::3])),
        ("some referrals", Q(pk__in=referrals[1::4])),
        ("by NHS number", Q(person__nhs_number__in=numbers)),
        ("received", Q(status=Referral.Status.RECEIVED)),
        ("ended", Q(ended_at__isnull=False)),
        ("everything", Q()),
    ]


READERS = (
    "clinician",
    "link_worker",
    "team_manager",
    "service_manager",
    "ig_lead",
    "administrator",
    "service_manager_clinical",
    "intake",
    "ada",
    "wendy",
    "charlie",
    "vera",
    "wren",
)


@pytest.mark.parametrize("open_only", [False, True], ids=["all", "open only"])
@pytest.mark.parametrize("reader", READERS)
def test_narrowed_referrals_are_exactly_the_visible_ones_filtered(varied, db, reader, open_only):
    user = varied["readers"][reader]
    everything = set(referrals_visible_to(user, open_only=open_only).values_list("pk", flat=True))
    for label, condition in _conditions(varied):
        filtered = sorted(
            referrals_visible_to(user, open_only=open_only).filter(condition).values_list("pk", flat=True)
        )
        narrowed = sorted(referrals_visible_to(user, open_only=open_only, among=condition).values_list("pk", flat=True))
        assert narrowed == filtered, f"{reader}, {label}"
        assert set(narrowed) <= everything, f"{reader}, {label}"
        ids = sorted(referral_ids_visible_to(user, among=condition, open_only=open_only).values_list("pk", flat=True))
        assert ids == filtered, f"{reader}, {label} (ids)"
    all_ids = set(referral_ids_visible_to(user, open_only=open_only).values_list("pk", flat=True))
    assert all_ids <= set(referral_ids_visible_to(user).values_list("pk", flat=True))
    # Open only, the ids may hold an ended referral a partner's open allocation points to: the
    # referrals themselves are filtered on ended_at too (the triage queue does).
    kept = Referral.objects.filter(pk__in=all_ids, **({"ended_at__isnull": True} if open_only else {}))
    assert sorted(kept.values_list("pk", flat=True)) == sorted(everything)


@pytest.mark.parametrize("reader", READERS)
def test_another_tables_rows_are_kept_exactly_when_their_referral_is_visible(varied, db, reader):
    """``referral_visible_condition`` (the data-quality lists): a team's reader has each row's
    referral tested on its own, the others the short visible set; either way, the rows of the
    visible referrals and no others, on another table (the clocks) and on the referrals."""
    user = varied["readers"][reader]
    visible = referrals_visible_to(user)
    clocks = Clock.objects.filter(referral_visible_condition(user, column="referral_id"))
    assert sorted(clocks.values_list("pk", flat=True)) == sorted(
        Clock.objects.filter(referral__in=visible).values_list("pk", flat=True)
    ), reader
    referrals = Referral.objects.filter(referral_visible_condition(user, column="pk"))
    assert sorted(referrals.values_list("pk", flat=True)) == sorted(visible.values_list("pk", flat=True)), reader
    # Not vacuous: every referral of the world has its clocks, and most readers see some.
    assert Clock.objects.filter(referral__in=visible).exists() == visible.exists(), reader


def test_a_teams_reader_has_each_rows_referral_tested_and_the_others_the_short_set(varied, db):
    """How the condition is written (above: both give the same rows). For a team's reader the set
    is their teams' whole history, built again for each row tested when given as a set (a 3.6 s
    list at a million referrals, docs/performance.md); a link worker's set is their own caseload."""
    readers = varied["readers"]
    for reader, per_row in (("team_manager", True), ("clinician", True), ("link_worker", False), ("intake", False)):
        sql = str(Clock.objects.filter(referral_visible_condition(readers[reader], column="referral_id")).query)
        assert ("EXISTS" in sql) is per_row, reader
        assert ("UNION" in sql) is not per_row, reader


@pytest.mark.parametrize("reader", READERS)
def test_people_are_kept_exactly_when_one_of_their_referrals_is_visible(varied, db, reader):
    """``person_visible_condition`` (the FHIR Patient search walked in name order): the people of
    ``people_visible_to`` and no others, each person tested on their own for a team's reader."""
    user = varied["readers"][reader]
    kept = Person.objects.filter(person_visible_condition(user))
    expected = sorted(people_visible_to(user).values_list("pk", flat=True))
    assert sorted(kept.values_list("pk", flat=True)) == expected, reader
    assert bool(expected) == referrals_visible_to(user).exists(), reader  # not vacuous for most readers
    sql = str(kept.query)
    assert ("EXISTS" in sql) is each_referral_tested(user), reader


@pytest.mark.parametrize("reader", READERS)
def test_the_count_of_visible_ids_is_the_count_of_visible_referrals(varied, db, reader):
    """The API list's count with no filter (``referrals_visible_count``) counts the UNION of ids
    alone; a referral opened by two relationships at once (on the team and held, say) counts once."""
    user = varied["readers"][reader]
    assert referrals_visible_count(user) == referrals_visible_to(user).count()


@pytest.mark.parametrize("reader", READERS)
def test_the_api_lists_newest_first_order_is_the_visible_referrals_own(varied, db, reader):
    """The API list with no filter pages through ``referrals_visible_newest_first`` (the UNION's
    ids with their received times): the same referrals, each once, in the same order as the
    visible set sorted newest received first."""
    user = varied["readers"][reader]
    expected = list(referrals_visible_to(user).order_by("-received_at", "-pk").values_list("pk", "received_at"))
    newest = referrals_visible_newest_first(user)
    assert [(row["pk"], row["received_at"]) for row in newest] == expected
    assert [row["pk"] for row in newest[1:3]] == [pk for pk, _ in expected[1:3]]  # a later page's slice


@pytest.mark.parametrize("reader", READERS)
def test_each_relationship_narrowed_by_a_condition_gives_the_visible_referrals_filtered(varied, db, reader):
    """The API list's filters are applied inside each relationship (``where``), not to the whole
    visible set: the count and the newest-first ids are still exactly the visible referrals'
    filtered by them, for every condition, every reader and every filter the list takes (the
    partner team's branch tests the referrals its allocations point to)."""
    user = varied["readers"][reader]
    conditions = [*_conditions(varied), ("not received", ~Q(status=Referral.Status.RECEIVED))]
    for label, condition in conditions:

        def where(qs, condition=condition):
            return qs.filter(condition)

        expected = list(
            referrals_visible_to(user)
            .filter(condition)
            .order_by("-received_at", "-pk")
            .values_list("pk", "received_at")
        )
        newest = referrals_visible_newest_first(user, where=where)
        assert [(row["pk"], row["received_at"]) for row in newest] == expected, f"{reader}, {label}"
        assert referrals_visible_count(user, where=where) == len(expected), f"{reader}, {label}"
    teams = list(Team.objects.values_list("pk", "locality_id").order_by("pk"))
    queries = [
        {"breached": "true"},
        {"breached": "false"},
        {"urgency": "urgent"},
        {"urgency": "routine", "status": "triaged"},
        {"status": "received"},
        *[{"team": str(team)} for team, _ in teams],
        *[{"locality": str(locality)} for _, locality in teams if locality is not None],
    ]
    for query in queries:
        filters = ReferralFilter(query, queryset=Referral.objects.none())
        assert filters.is_valid(), query
        expected = list(
            filters.filter_queryset(referrals_visible_to(user))
            .order_by("-received_at", "-pk")
            .values_list("pk", flat=True)
        )
        newest = referrals_visible_newest_first(user, where=filters.filter_queryset)
        assert [row["pk"] for row in newest] == expected, f"{reader}, {query}"
        assert referrals_visible_count(user, where=filters.filter_queryset) == len(expected), f"{reader}, {query}"


def test_the_partner_teams_branch_is_narrowed_by_the_referral_it_points_to(varied, db):
    """Not vacuous: vera sees the partner referral only through her team's allocation, and a
    filter on the referral's own row keeps it or drops it."""
    vera, partner = varied["readers"]["vera"], varied["partner"]

    def keeping(qs):
        return qs.filter(pk=partner.pk)

    def dropping(qs):
        return qs.exclude(pk=partner.pk)

    assert [row["pk"] for row in referrals_visible_newest_first(vera, where=keeping)] == [partner.pk]
    assert partner.pk not in [row["pk"] for row in referrals_visible_newest_first(vera, where=dropping)]
    assert not Referral.objects.filter(pk=partner.pk, team__memberships__user=vera).exists()


def test_the_alerts_a_reader_sees_are_those_of_their_referrals_and_those_sent_to_them(varied, db):
    """``alerts_visible_to`` reads the reader's own lists (their visible referrals' ids, their
    notifications), not every alert in the trust: the same alerts as the rule says, for every
    reader. Every referral of the world has a warning; a service manager and a link worker are
    each sent one on a referral they cannot open (an escalation reaches a manager who does not
    hold it), and must see that one and no other of its referral."""
    now = timezone.now()
    users = varied["readers"]

    def alert(referral, level, tier=0):
        return make_alert(referral.clocks.order_by("pk").first(), level=level, tier=tier, at=now)

    for referral in Referral.objects.order_by("pk"):
        alert(referral, Alert.Level.WARNING)
    escalation_for = {}
    for tier, reader in ((2, "service_manager"), (1, "link_worker")):
        user = users[reader]
        hidden = Referral.objects.exclude(pk__in=referrals_visible_to(user).values("pk")).order_by("pk").first()
        escalation = alert(hidden, Alert.Level.ESCALATION, tier)
        make_notification(escalation, to=user)
        escalation_for[reader] = (escalation, hidden)
    for reader in READERS:
        user = users[reader]
        visible = set(referrals_visible_to(user).values_list("pk", flat=True))
        expected = {
            a.pk
            for a in Alert.objects.all()
            if a.referral_id in visible or a.notifications.filter(recipient=user).exists()
        }
        assert set(alerts_visible_to(user).values_list("pk", flat=True)) == expected, reader
    for reader, (escalation, hidden) in escalation_for.items():
        seen = set(alerts_visible_to(users[reader]).filter(referral=hidden).values_list("pk", flat=True))
        assert seen == {escalation.pk}, reader  # the escalation sent to them, not the referral's warning


def test_a_referral_opened_twice_counts_once(varied, db):
    """Not vacuous: the clinician's own referral is on their team and held by them, so more than
    one relationship gives it; it is counted once, as the list shows it once."""
    clinician = varied["readers"]["clinician"]
    own = varied["world"].record("clinician", "own").referral
    assert own.allocated_to_id == clinician.pk
    assert clinician.memberships.filter(team_id=own.team_id).exists()
    ids = list(referral_ids_visible_to(clinician).values_list("pk", flat=True))
    assert ids.count(own.pk) == 1
    assert referrals_visible_count(clinician) == len(ids) == referrals_visible_to(clinician).count()


@pytest.mark.parametrize("reader", READERS)
def test_a_person_is_opened_by_their_own_referrals_exactly_when_the_whole_set_would_open_them(varied, db, reader):
    user = varied["readers"][reader]
    visible = set(people_visible_to(user).values_list("pk", flat=True))
    for person in Person.objects.values_list("pk", flat=True):
        narrowed = list(people_visible_to(user, among=Q(person_id=person)).values_list("pk", flat=True))
        assert narrowed == ([person] if person in visible else []), f"{reader}, person {person}"
        try:
            person_get_for_user(user, person)
            opened = True
        except Http404:
            opened = False
        assert opened == (person in visible), f"{reader}, person {person}"


@pytest.mark.parametrize("reader", READERS)
def test_a_person_read_with_their_referrals_is_opened_exactly_as_alone(varied, db, reader):
    # The person page reads the person's referrals first and lets them decide the person, writing
    # the access condition once (issue 17): the same people open, with the same referrals.
    user = varied["readers"][reader]
    for person in Person.objects.values_list("pk", flat=True):
        try:
            expected = person_get_for_user(user, person)
        except Http404:
            expected = None
        try:
            got, referrals = person_and_referrals_for_user(user, person, shape=lambda qs: qs.select_related("team"))
        except Http404:
            got, referrals = None, []
        assert got == expected, f"{reader}, person {person}"
        visible = referrals_visible_to(user).filter(person_id=person)
        assert sorted(r.pk for r in referrals) == sorted(visible.values_list("pk", flat=True)), f"{reader}, {person}"
        assert all(r.person is got for r in referrals)


def test_every_relationship_opens_something_here_so_the_sameness_above_is_not_vacuous(varied, db):
    """Each branch of the rules decides at least one answer of the narrowed selector."""
    w, users = varied["world"], varied["readers"]

    def opens(reader: str, referral: Referral) -> bool:
        user = users[reader]
        return referrals_visible_to(user, among=Q(person_id=referral.person_id)).filter(pk=referral.pk).exists()

    assert opens("clinician", w.record("clinician", "same_team").referral), "team"
    assert opens("link_worker", w.record("link_worker", "own").referral), "held"
    assert not opens("link_worker", varied["ended"]), "held, but ended"
    assert opens("clinician", varied["ended"]), "the team keeps an ended referral"
    assert opens("intake", varied["queued"]), "triage queue"
    assert not opens("intake", w.record("clinician", "own").referral), "intake: never past the queue"
    assert opens("charlie", w.record("clinician", "own").referral), "break-glass"
    assert not opens("ada", w.record("clinician", "other_team").referral), "expired break-glass"
    assert opens("wendy", w.record("link_worker", "own").referral), "cover"
    shared = Referral.objects.filter(person=varied["shared"]).first()
    assert shared is not None and opens("vera", shared), "consent-based share"
    assert opens("vera", varied["partner"]), "a partner team holding by allocation"
    assert not opens("link_worker", varied["partner"]), "a link worker of the routed team who does not hold it"
    for role in ("clinician", "intake"):
        taken = Referral.objects.filter(person=w.record(role, "taken_outside").person).exclude(
            pk=w.record(role, "taken_outside").referral.pk
        )
        assert taken.exists() and not any(opens(role, r) for r in taken), "taken outside access"
