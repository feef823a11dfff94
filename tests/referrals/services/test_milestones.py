"""Each referral's earliest clock-stop events (ReferralMilestones) are kept as they are recorded:
after every kind of write the stored row is what a computation from the records gives, the
set-based rebuild gives the same rows, and the live referral-spell clock agrees with them.

The services only add these records: no contact, assessment, care plan, intervention or outcome
measure is edited, corrected or deleted (a mistaken contact is answered by recording what
happened), so the sequence covers additions in and out of time order, and of records that do
not count (a did-not-attend, a text message, an uncoded assessment or intervention, an outcome
on a free-text instrument) beside ones that do."""

import hashlib
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from codes.mhsds import ATTENDED, DIRECT_MECHANISMS
from codes.snomed import OUTCOME_TOOL_BY_CODE
from referrals.models import Referral, ReferralMilestones
from referrals.selectors import (
    ASSESSMENT_CODES,
    INTERVENTION_CODES,
    referral_spell_clock_stop,
    referral_spell_ids,
)
from referrals.services import (
    assessment_record,
    care_plan_record,
    intervention_record,
    outcome_measure_record,
)
from referrals.services.milestones import (
    COLUMNS,
    _second_contacts_portable,
    referral_milestones_computed,
    referral_milestones_rebuild,
    referral_second_contacts_rebuild,
)
from tests.reporting.measures.cases import DID_NOT_ATTEND, FACE_TO_FACE, TELEPHONE, TEXT, contact, refer, uk

pytestmark = pytest.mark.django_db

INTERVENTION = sorted(INTERVENTION_CODES)[0]
ASSESSED = sorted(ASSESSMENT_CODES)[0]


@pytest.fixture
def community_team(north_team):
    north_team.mhsds_team_type = "A06"
    north_team.save(update_fields=["mhsds_team_type"])
    return north_team


def stored(referrals: list[Referral]) -> dict[int, dict[str, object]]:
    rows = ReferralMilestones.objects.filter(referral_id__in=[r.pk for r in referrals])
    return {row["referral_id"]: {c: row[c] for c in COLUMNS} for row in rows.values("referral_id", *COLUMNS)}


def computed(referrals: list[Referral]) -> dict[int, dict[str, object]]:
    return referral_milestones_computed([r.pk for r in referrals])


def stop_from_milestones(referral: Referral):
    """The spell's clock stop worked out from the stored milestones alone (L495-L511)."""
    ids = referral_spell_ids(referral)
    rows = stored(list(Referral.objects.filter(pk__in=ids)))

    def first(column: str):
        return min((row[column] for row in rows.values() if row[column] is not None), default=None)

    plan = [at for at in (first("first_care_plan_at"), first("first_coded_intervention_at")) if at is not None]
    # Spells here start after April 2024: the coded assessment is needed.
    parts = [
        first("first_counting_contact_at"),
        first("first_coded_outcome_at"),
        first("first_coded_assessment_at"),
        min(plan, default=None),
    ]
    return None if any(at is None for at in parts) else max(parts)


def test_stored_milestones_follow_every_kind_of_write(alice, community_team):
    start = uk(2026, 9, 1, 9)
    referral = refer(by=alice, team=community_team, at=start)
    other = refer(by=alice, team=community_team, at=start + timedelta(hours=1))
    both = [referral, other]
    assert stored(both) == computed(both) == {}

    def check() -> None:
        assert stored(both) == computed(both)
        assert referral_spell_clock_stop(referral) == stop_from_milestones(referral)

    # A did-not-attend and an attended text message: no contact that counts.
    contact(referral, alice, start + timedelta(days=1), mechanism=TELEPHONE, attendance=DID_NOT_ATTEND)
    contact(referral, alice, start + timedelta(days=2), mechanism=TEXT)
    check()
    assert stored(both) == {}
    # Then attended: the first contact that counts.
    contact(referral, alice, start + timedelta(days=5), mechanism=FACE_TO_FACE)
    check()
    assert stored(both)[referral.pk]["first_counting_contact_at"] == start + timedelta(days=5)
    # An earlier attended contact recorded later (out of time order) moves it earlier; a later one does not.
    contact(referral, alice, start + timedelta(days=3), mechanism=TELEPHONE)
    contact(referral, alice, start + timedelta(days=6), mechanism=TELEPHONE)
    check()
    assert stored(both)[referral.pk]["first_counting_contact_at"] == start + timedelta(days=3)

    at = start + timedelta(days=8)
    with time_machine.travel(at, tick=False):
        # Records that do not count nationally: no tool, no code.
        outcome_measure_record(
            referral=referral, by=alice, now=at, recorded_at=at, score=Decimal(3), stage="baseline", instrument="Own"
        )
        assessment_record(referral=referral, by=alice, now=at, completed_at=at, summary="Uncoded.")
        intervention_record(referral=referral, by=alice, now=at, started_at=at, description="Uncoded")
    check()
    assert set(stored(both)[referral.pk].values()) == {None, start + timedelta(days=3)}
    with time_machine.travel(at, tick=False):
        outcome_measure_record(
            referral=referral,
            by=alice,
            now=at,
            recorded_at=at - timedelta(days=1),
            score=Decimal(20),
            stage="baseline",
            instrument="ReQoL-10",
        )
        intervention_record(
            referral=referral, by=alice, now=at, started_at=at, description="Therapy", code=INTERVENTION
        )
    check()
    assert referral_spell_clock_stop(referral) is None  # no coded assessment yet
    with time_machine.travel(at, tick=False):
        assessment_record(referral=referral, by=alice, now=at, completed_at=at, summary="Coded.", code=ASSESSED)
        care_plan_record(referral=referral, by=alice, now=at, agreed_at=at - timedelta(days=2), summary="Plan.")
        # The other referral's events are its own.
        care_plan_record(referral=other, by=alice, now=at, agreed_at=at - timedelta(days=4), summary="Plan.")
    check()
    assert referral_spell_clock_stop(referral) == at
    assert stored(both)[other.pk] == dict.fromkeys(COLUMNS) | {"first_care_plan_at": at - timedelta(days=4)}

    # The set-based rebuild (migration, bulk generator) gives the very same rows.
    before = stored(both)
    ReferralMilestones.objects.all().delete()
    referral_milestones_rebuild()
    assert stored(both) == before


def second_contacts(referrals: list[Referral]) -> dict[int, object]:
    return dict(
        Referral.objects.filter(pk__in=[r.pk for r in referrals]).values_list("pk", "second_counting_contact_at")
    )


def test_each_referral_keeps_its_second_counting_contact_as_contacts_are_recorded(alice, community_team):
    """The community wait to a second contact reads it (reporting.measures.cmh_second_contact):
    only attended direct contacts count, in date, time and id order, whatever order they are
    recorded in; the set-based rebuild (migration 0027, the bulk generator) gives the same."""
    start = uk(2026, 9, 1, 9)
    referral = refer(by=alice, team=community_team, at=start)
    other = refer(by=alice, team=community_team, at=start)
    both = [referral, other]

    contact(referral, alice, start + timedelta(days=1), mechanism=TELEPHONE, attendance=DID_NOT_ATTEND)
    contact(referral, alice, start + timedelta(days=2), mechanism=TEXT)
    contact(referral, alice, start + timedelta(days=5), mechanism=FACE_TO_FACE)
    assert second_contacts(both) == {referral.pk: None, other.pk: None}  # one contact that counts

    contact(referral, alice, start + timedelta(days=9), mechanism=TELEPHONE)
    assert second_contacts(both)[referral.pk] == start + timedelta(days=9)
    # An earlier one recorded later: the first is now day 3, the second day 5.
    contact(referral, alice, start + timedelta(days=3), mechanism=FACE_TO_FACE)
    assert second_contacts(both)[referral.pk] == start + timedelta(days=5)
    # Two at the same time: the second by id.
    contact(other, alice, start + timedelta(days=4), mechanism=FACE_TO_FACE)
    contact(other, alice, start + timedelta(days=4), mechanism=TELEPHONE)
    assert second_contacts(both)[other.pk] == start + timedelta(days=4)

    kept = second_contacts(both)
    for rebuild in (referral_second_contacts_rebuild, _second_contacts_portable):  # SQLite's too
        Referral.objects.update(second_counting_contact_at=start)  # wrong for both
        rebuild()
        assert second_contacts(both) == kept


def test_the_code_lists_the_stored_milestones_were_built_with():
    """The stored rows follow the shipped code lists. When they change, the rows already stored
    are stale: add a migration that runs referral_milestones_rebuild, then update this value."""
    lists = [sorted(ATTENDED), sorted(DIRECT_MECHANISMS), sorted(OUTCOME_TOOL_BY_CODE)]
    lists += [sorted(ASSESSMENT_CODES), sorted(INTERVENTION_CODES)]
    digest = hashlib.sha256(repr(lists).encode()).hexdigest()[:16]
    assert digest == "980be65b9b9252f7"
