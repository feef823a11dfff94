"""What the national measures read of each referral, kept on it by the services
(referrals.services.measure_scope): the UK date received, 18 or over then, another referral of
the same person, when it was first with and last left a core community team, and when it was last
handed on."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.models import Role
from referrals.models import Person, Referral
from referrals.services import person_merge, person_unmerge, referral_redirect
from referrals.services.measure_scope import _rebuild_portable, _rebuild_postgresql
from tests.factories import TeamFactory, UserFactory, make_referral

pytestmark = pytest.mark.django_db

# 23:30 UTC on 31 May is 00:30 on 1 June in London (BST).
LATE_EVENING = datetime(2026, 5, 31, 23, 30, tzinfo=UTC)
FIELDS = (
    "received_on",
    "adult_when_received",
    "person_has_other_referrals",
    "community_since",
    "community_left_at",
    "last_handoff_at",
)


@pytest.fixture
def community(north_team):
    north_team.mhsds_team_type = "A06"
    north_team.save(update_fields=["mhsds_team_type"])
    return north_team


@pytest.fixture
def crisis(trust):
    return TeamFactory(name="Crisis", organisation=trust, mhsds_team_type="A02")


def refer(by, team, at, **extra):
    with time_machine.travel(at, tick=False):
        return make_referral(by=by, now=at, received_at=at, team_override=team, override_reason="test", **extra)


def hand_on(referral, by, team, at):
    with time_machine.travel(at, tick=False):
        referral_redirect(referral=referral, by=by, now=at, to_team=team, note="Handed on.", person_informed=True)


def kept() -> dict[int, tuple]:
    return {r["pk"]: tuple(r[f] for f in FIELDS) for r in Referral.objects.values("pk", *FIELDS)}


def test_a_referral_keeps_its_uk_date_and_whether_the_person_was_an_adult_then(alice, community):
    referral = refer(alice, community, LATE_EVENING, birth_date=date(2008, 6, 1))

    referral.refresh_from_db()
    assert referral.received_on == date(2026, 6, 1)
    assert referral.adult_when_received is True  # 18 on the UK date, not yet on the UTC one


def test_a_second_referral_marks_the_persons_first_as_having_others(alice, community):
    first = refer(alice, community, LATE_EVENING)
    second = refer(alice, community, LATE_EVENING + timedelta(days=40), nhs_number=first.person.nhs_number)

    assert Referral.objects.get(pk=first.pk).person_has_other_referrals is True
    assert Referral.objects.get(pk=second.pk).person_has_other_referrals is True


def test_a_date_of_birth_given_later_sets_the_age_of_the_earlier_referrals(alice, community):
    first = refer(alice, community, LATE_EVENING, birth_date=None)
    assert Referral.objects.get(pk=first.pk).adult_when_received is None

    refer(
        alice,
        community,
        LATE_EVENING + timedelta(days=3),
        nhs_number=first.person.nhs_number,
        birth_date=date(2010, 1, 1),
    )

    assert Referral.objects.get(pk=first.pk).adult_when_received is False


def test_hand_offs_keep_when_it_was_first_with_and_last_left_a_community_team(alice, community, crisis):
    referral = refer(alice, crisis, LATE_EVENING)
    assert Referral.objects.get(pk=referral.pk).community_since is None
    into = LATE_EVENING + timedelta(days=2)
    hand_on(referral, alice, community, into)
    out = into + timedelta(days=5)
    hand_on(referral, alice, crisis, out)
    back = out + timedelta(days=5)
    hand_on(referral, alice, community, back)

    referral.refresh_from_db()
    assert (referral.community_since, referral.community_left_at) == (into, out)
    assert referral.last_handoff_at == back  # the community measures set aside those moved since a period


def test_a_referral_never_handed_on_has_no_last_hand_off(alice, community):
    referral = refer(alice, community, LATE_EVENING)

    referral.refresh_from_db()
    assert referral.last_handoff_at is None


def test_what_the_services_keep_is_what_a_rebuild_from_the_records_computes(alice, community, crisis):
    people = [
        refer(alice, community, LATE_EVENING + timedelta(days=i), birth_date=date(2000 + i, 6, 1)) for i in range(4)
    ]
    refer(alice, crisis, LATE_EVENING + timedelta(days=9), nhs_number=people[0].person.nhs_number)
    hand_on(people[1], alice, crisis, LATE_EVENING + timedelta(days=20))
    moved_in = refer(alice, crisis, LATE_EVENING + timedelta(days=11), birth_date=None)
    hand_on(moved_in, alice, community, LATE_EVENING + timedelta(days=12))
    hand_on(moved_in, alice, crisis, LATE_EVENING + timedelta(days=13))
    refer(
        alice,
        community,
        LATE_EVENING + timedelta(days=14),
        nhs_number=moved_in.person.nhs_number,
        birth_date=date(1990, 2, 3),
    )
    as_kept = kept()

    _rebuild_postgresql()
    assert kept() == as_kept
    Referral.objects.update(
        received_on=None,
        adult_when_received=None,
        person_has_other_referrals=False,
        community_since=None,
        community_left_at=None,
        last_handoff_at=None,
    )
    _rebuild_postgresql()
    assert kept() == as_kept
    Referral.objects.update(
        received_on=None,
        adult_when_received=None,
        person_has_other_referrals=False,
        community_since=None,
        community_left_at=None,
        last_handoff_at=None,
    )
    _rebuild_portable()
    assert kept() == as_kept


def test_merging_two_records_and_undoing_it_keep_what_a_rebuild_computes(alice, community, trust):
    """The spells read a person's other referrals only where they are marked as having others
    (reporting.measures.referral_spell): a merge must mark them, its undoing unmark them."""
    iris = UserFactory(username="iris", role=Role.IG_LEAD, organisation=trust)
    kept_record = refer(alice, community, LATE_EVENING, birth_date=date(1990, 1, 1))
    duplicate = refer(alice, community, LATE_EVENING + timedelta(days=3), birth_date=None, nhs_number=None)
    refer(alice, community, LATE_EVENING + timedelta(days=4), birth_date=None, nhs_number=None)  # a bystander
    before = kept()

    merge = person_merge(
        keep=kept_record.person,
        duplicate=Person.objects.get(pk=duplicate.person_id),
        by=iris,
        now=timezone.now(),
        reason="Same man.",
    )
    merged = kept()
    _rebuild_postgresql()
    assert kept() == merged
    assert merged[kept_record.pk][1:3] == (True, True)
    assert merged[duplicate.pk][1:3] == (True, True)  # aged from the kept date of birth

    person_unmerge(merge=merge, by=iris, now=timezone.now(), reason="Two men after all.")
    undone = kept()
    _rebuild_postgresql()
    assert kept() == undone == before


def test_changing_a_teams_type_in_the_admin_recomputes_when_its_referrals_were_with_a_community_team(
    rf, admin_user, alice, north_team
):
    from django.contrib import admin

    from localities.models import Team

    referral = refer(alice, north_team, LATE_EVENING)
    assert Referral.objects.get(pk=referral.pk).community_since is None  # not yet typed
    team_admin = admin.site._registry[Team]
    request = rf.post("/admin/")
    request.user = admin_user
    form = team_admin.get_form(request, north_team)(
        data={
            **{
                f: v
                for f, v in team_admin.get_form(request, north_team)(instance=north_team).initial.items()
                if v is not None
            },
            "mhsds_team_type": "A06",
        },
        instance=north_team,
    )
    assert form.is_valid(), form.errors

    team_admin.save_model(request, form.save(commit=False), form, change=True)

    assert Referral.objects.get(pk=referral.pk).community_since == LATE_EVENING


def test_a_referral_keeps_the_clock_stop_of_a_spell_of_it_alone_as_its_events_arrive(alice, community):
    from decimal import Decimal

    from codes.snomed import ASSESSMENT
    from referrals.services import assessment_record, care_plan_record, contact_record, outcome_measure_record
    from referrals.services.milestones import referral_milestones_rebuild
    from reporting.measures.periods import parse_period
    from reporting.measures.referral_spell import referral_spell_figures

    referral = refer(alice, community, LATE_EVENING, birth_date=date(1980, 1, 1))
    steps = [
        lambda at: contact_record(
            referral=referral, by=alice, now=at, occurred_at=at, consultation_mechanism="01", attendance="5"
        ),
        lambda at: outcome_measure_record(
            referral=referral,
            by=alice,
            now=at,
            recorded_at=at,
            score=Decimal(20),
            stage="baseline",
            instrument="ReQoL-10",
        ),
        lambda at: care_plan_record(referral=referral, by=alice, now=at, agreed_at=at, summary="Agreed."),
        lambda at: assessment_record(
            referral=referral, by=alice, now=at, completed_at=at, summary="Assessed.", code=ASSESSMENT.codes[0].code
        ),
    ]
    for day, step in enumerate(steps, start=1):
        at = LATE_EVENING + timedelta(days=day)
        with time_machine.travel(at, tick=False):
            step(at)
        expected = at if day == len(steps) else None
        assert Referral.objects.get(pk=referral.pk).own_spell_stop_at == expected

    Referral.objects.filter(pk=referral.pk).update(own_spell_stop_at=None)
    referral_milestones_rebuild()
    assert Referral.objects.get(pk=referral.pk).own_spell_stop_at == LATE_EVENING + timedelta(days=4)
    figures = referral_spell_figures(parse_period("2026-06", quarterly=True))  # reads the kept stop
    assert (figures.numerator, figures.denominator) == (1, 1)
