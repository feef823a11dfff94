"""Early intervention in psychosis, as NHS England counts it (EIP23a/b, docs/internal-waits.md):
known answers for the clock stop (the later of the first attended contact and the care
coordinator), whole dates, the two weeks, and who is still waiting."""

from datetime import UTC, datetime, timedelta

import pytest

from referrals.services import caseload_allocate, contact_record
from reporting.measures.eip import eip_two_weeks
from reporting.measures.periods import quarter_ending
from tests.factories import make_triaged_referral

QUARTER = quarter_ending(2026, 6)  # April to June 2026
RECEIVED = datetime(2026, 5, 4, 16, 0, tzinfo=UTC)  # 17:00 in London
DAY = timedelta(days=1)


@pytest.fixture
def eip_team(north_team):
    north_team.mhsds_team_type = "A14"
    north_team.save()
    return north_team


def eip_referral(alice, practice, *, reason="01", received=RECEIVED):
    return make_triaged_referral(by=alice, now=received, practice=practice, primary_reason=reason)


def contact(referral, by, at, attendance="5"):
    contact_record(referral=referral, by=by, now=at, occurred_at=at, consultation_mechanism="01", attendance=attendance)


def coordinator(referral, by, worker, at):
    caseload_allocate(referral=referral, by=by, now=at, link_worker=worker)


def row_for(result, referral):
    return next(row for row in result.rows if row.referral_ids == (referral.pk,))


def test_treatment_starts_at_the_later_of_contact_and_care_coordinator(eip_team, alice, bob, north_practice):
    on_time = eip_referral(alice, north_practice)
    coordinator(on_time, alice, bob, RECEIVED + 3 * DAY)
    contact(on_time, bob, RECEIVED + 10 * DAY)
    late = eip_referral(alice, north_practice)
    contact(late, alice, RECEIVED + 2 * DAY)
    coordinator(late, alice, bob, RECEIVED + 16 * DAY)
    result = eip_two_weeks(QUARTER)
    assert (row_for(result, on_time).days, row_for(result, on_time).met) == (10, True)
    assert (row_for(result, late).days, row_for(result, late).met) == (16, False)
    assert row_for(result, late).stopped_by == "care coordinator allocated"
    assert (result.numerator, result.denominator) == (1, 2)


def test_day_14_counts_by_date_whatever_the_time_of_day(eip_team, alice, bob, north_practice):
    referral = eip_referral(alice, north_practice)
    coordinator(referral, alice, bob, RECEIVED + DAY)
    contact(referral, bob, RECEIVED + 14 * DAY + 5 * timedelta(hours=1))  # later in the day than received
    row = row_for(eip_two_weeks(QUARTER), referral)
    assert (row.days, row.met) == (14, True)  # NHS England's whole dates: within two weeks


def test_another_primary_reason_is_not_counted(eip_team, alice, north_practice):
    referral = eip_referral(alice, north_practice, reason="04")
    row = row_for(eip_two_weeks(QUARTER), referral)
    assert not row.in_scope
    assert "not (suspected) first episode psychosis" in row.excluded_because


def test_without_a_care_coordinator_the_person_is_still_waiting(eip_team, alice, north_practice):
    referral = eip_referral(alice, north_practice)
    contact(referral, alice, RECEIVED + DAY)
    contact(referral, alice, RECEIVED + 2 * DAY, attendance="3")
    result = eip_two_weeks(QUARTER)
    assert row_for(result, referral).still_waiting
    assert result.denominator == 0
    assert result.still_waiting_bands == {"0-14 days": 0, "over 14 days": 1}  # 4 May to 30 June


def test_a_community_team_referral_is_not_an_eip_referral(north_team, alice, north_practice):
    eip_referral(alice, north_practice)
    assert eip_two_weeks(QUARTER).rows == []
