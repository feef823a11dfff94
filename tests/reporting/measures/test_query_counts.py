"""Each measure reads its referrals in a constant number of queries (one), however many there
are; and on PostgreSQL the single statements that do the community measures' work in the
database give, row for row, what the portable queries give (the SQLite demo runs those)."""

import inspect
from dataclasses import fields
from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from codes.snomed import PSYCHOLOGICAL_THERAPY
from referrals.models import Referral
from referrals.services import (
    caseload_allocate,
    hospital_stay_record,
    intervention_record,
    referral_redirect,
    referral_triage,
)
from reporting.measures import MEASURES, cmh_second_contact, referral_spell
from reporting.measures.cmh_second_contact import _facts_portable, _facts_postgresql
from reporting.measures.periods import month_period, parse_period
from reporting.measures.referral_spell import _spells_portable, _spells_postgresql
from reporting.measures.result import MeasureRow

from .cases import FACE_TO_FACE, TEXT, close, contact, full_clock_stop, refer, uk

pytestmark = pytest.mark.django_db
MONTH = "2026-03"
THERAPY = PSYCHOLOGICAL_THERAPY.codes[0].code


def add_referrals(alice, community_team, crisis_team, liaison_team, *, first_day: int, count: int, eip=None) -> None:
    """``count`` referrals to each kind of team in March 2026, each seen as its measure counts."""
    for day in range(first_day, first_day + count):
        community = refer(by=alice, team=community_team, at=uk(2026, 3, day, 9))
        full_clock_stop(community, alice, contact_at=uk(2026, 3, day, 10), last_at=uk(2026, 3, day + 2, 10))
        contact(community, alice, uk(2026, 3, day + 1, 10))
        for urgency in (Referral.Urgency.VERY_URGENT, Referral.Urgency.URGENT):
            crisis = refer(by=alice, team=crisis_team, at=uk(2026, 3, day, 9), urgency=urgency)
            contact(crisis, alice, uk(2026, 3, day, 11), mechanism=FACE_TO_FACE)
        liaison = refer(
            by=alice, team=liaison_team, at=uk(2026, 3, day, 9), source=Referral.Source.EMERGENCY_DEPARTMENT
        )
        contact(liaison, alice, uk(2026, 3, day, 9, 30), mechanism=FACE_TO_FACE)
        if eip is not None:
            team, worker = eip
            psychosis = refer(by=alice, team=team, at=uk(2026, 3, day, 9), primary_reason="01")
            referral_triage(referral=psychosis, by=alice, now=uk(2026, 3, day, 10))
            caseload_allocate(referral=psychosis, by=alice, now=uk(2026, 3, day + 1, 9), link_worker=worker)
            contact(psychosis, alice, uk(2026, 3, day + 2, 10))


def queries_and_figures() -> dict[str, tuple[int, int, int]]:
    found = {}
    for code, measure in MEASURES.items():
        with CaptureQueriesContext(connection) as captured:
            result = measure.compute(measure.period(MONTH))
        found[code] = (len(captured.captured_queries), result.denominator, len(result.rows))
    return found


def test_the_number_of_queries_per_measure_does_not_grow_with_the_referrals(
    alice, bob, community_team, crisis_team, liaison_team, eip_team
):
    eip = (eip_team, bob)
    add_referrals(alice, community_team, crisis_team, liaison_team, first_day=2, count=2, eip=eip)
    few = queries_and_figures()
    add_referrals(alice, community_team, crisis_team, liaison_team, first_day=4, count=6, eip=eip)
    many = queries_and_figures()

    # The community measures first look up the first community referral's received date (the
    # days their index is read by: reporting.measures.teams.community_received_days).
    expected = {**dict.fromkeys(MEASURES, 1), "cmh_second_contact": 2, "referral_spell": 2}
    assert {code: queries for code, (queries, _, _) in few.items()} == expected
    assert {code: queries for code, (queries, _, _) in many.items()} == expected
    # The same work at each size, on more referrals: every measure counted each of them.
    assert {code: denominator for code, (_, denominator, _) in few.items()} == dict.fromkeys(MEASURES, 2)
    assert {code: denominator for code, (_, denominator, _) in many.items()} == dict.fromkeys(MEASURES, 8)


@pytest.fixture
def varied(alice, community_team, crisis_team):
    """Community referrals in every state the two measures tell apart, across Q1 2026."""
    # Seen twice in March, once only, never; a text and a DNA that do not count.
    seen = refer(by=alice, team=community_team, at=uk(2026, 2, 2, 14))
    contact(seen, alice, uk(2026, 2, 3))
    contact(seen, alice, uk(2026, 3, 2, 9))
    once = refer(by=alice, team=community_team, at=uk(2026, 3, 5))
    contact(once, alice, uk(2026, 3, 6))
    contact(once, alice, uk(2026, 3, 7), mechanism=TEXT)
    refer(by=alice, team=community_team, at=uk(2025, 11, 20))
    # Seen twice before March, still open; seen twice and closed in March.
    before = refer(by=alice, team=community_team, at=uk(2026, 1, 5))
    contact(before, alice, uk(2026, 1, 6))
    contact(before, alice, uk(2026, 1, 7))
    closed = refer(by=alice, team=community_team, at=uk(2026, 2, 20))
    contact(closed, alice, uk(2026, 3, 3))
    contact(closed, alice, uk(2026, 3, 4))
    close(closed, alice, uk(2026, 3, 10))
    # Spells: 5 days apart joins, the second referral stopping the clock in March.
    first = refer(by=alice, team=community_team, at=uk(2026, 1, 5, 10))
    close(first, alice, uk(2026, 1, 10, 16))
    joined = refer(by=alice, team=community_team, at=uk(2026, 1, 15, 9), person=first.person)
    full_clock_stop(joined, alice, contact_at=uk(2026, 1, 20), last_at=uk(2026, 3, 9))
    # A spell stopped by an intervention before the care plan; one stopped before the quarter.
    treated = refer(by=alice, team=community_team, at=uk(2026, 2, 9))
    full_clock_stop(treated, alice, contact_at=uk(2026, 2, 10), last_at=uk(2026, 3, 20))
    with time_machine.travel(uk(2026, 2, 25), tick=False):
        intervention_record(
            referral=treated, by=alice, now=uk(2026, 2, 25), started_at=uk(2026, 2, 25), description="CBT", code=THERAPY
        )
    early = refer(by=alice, team=community_team, at=uk(2025, 10, 6))
    full_clock_stop(early, alice, contact_at=uk(2025, 10, 7), last_at=uk(2025, 11, 7))
    # Out of scope: a 17-year-old, and a referral with a hospital stay.
    young = refer(by=alice, team=community_team, at=uk(2026, 3, 2), birth_date=date(2008, 6, 1))
    contact(young, alice, uk(2026, 3, 3))
    contact(young, alice, uk(2026, 3, 4))
    stayed = refer(by=alice, team=community_team, at=uk(2026, 1, 12))
    full_clock_stop(stayed, alice, contact_at=uk(2026, 1, 13), last_at=uk(2026, 1, 30))
    with time_machine.travel(uk(2026, 2, 1), tick=False):
        hospital_stay_record(referral=stayed, by=alice, now=uk(2026, 2, 1), admitted_at=uk(2026, 2, 1))
    # Handed on: from crisis into community, out of community to crisis, and out and back again
    # after the quarter (reporting.measures.teams).
    moved_in = refer(by=alice, team=crisis_team, at=uk(2026, 2, 3, 10))
    contact(moved_in, alice, uk(2026, 2, 3, 12))
    hand_on(moved_in, alice, community_team, uk(2026, 2, 10))
    contact(moved_in, alice, uk(2026, 3, 4))
    moved_out = refer(by=alice, team=community_team, at=uk(2026, 1, 19))
    contact(moved_out, alice, uk(2026, 1, 20))
    hand_on(moved_out, alice, crisis_team, uk(2026, 2, 16))
    away_and_back = refer(by=alice, team=community_team, at=uk(2026, 1, 26), person=moved_out.person)
    hand_on(away_and_back, alice, crisis_team, uk(2026, 2, 2))
    hand_on(away_and_back, alice, community_team, uk(2026, 4, 2))


def hand_on(referral, by, to_team, at):
    with time_machine.travel(at, tick=False):
        referral_redirect(referral=referral, by=by, now=at, to_team=to_team, note="Handed on.", person_informed=True)


@pytest.mark.parametrize("month", [(2026, 1), (2026, 2), (2026, 3)])
def test_the_second_contact_statement_gives_what_the_portable_query_gives(varied, month):
    period = month_period(*month)

    assert list(_facts_postgresql(period)) == list(_facts_portable(period))
    assert cmh_second_contact(period).rows  # the cases are there to compare


@pytest.mark.parametrize("quarter", ["2026-Q1", "2026-02", "2025-12"])
def test_the_spell_statement_gives_what_the_portable_query_gives(varied, quarter):
    period = parse_period(quarter, quarterly=True)

    assert list(_spells_postgresql(period)) == list(_spells_portable(period))
    assert referral_spell(period).rows


@pytest.mark.parametrize("month", [(2026, 1), (2026, 2), (2026, 3), (2026, 6)])
def test_the_second_contact_figures_statement_counts_what_the_rows_count(varied, month):
    """The figures API counts in the database; the figures are those of the rows, bands too."""
    period = month_period(*month)
    rows = cmh_second_contact(period)

    with CaptureQueriesContext(connection) as captured:
        figures = MEASURES["cmh_second_contact"].figures(period)

    assert len(captured.captured_queries) == 2  # the first community referral's date, then the statement
    assert figures.rows == []
    assert (figures.numerator, figures.denominator, figures.still_waiting, figures.still_waiting_bands) == (
        rows.numerator,
        rows.denominator,
        rows.still_waiting,
        rows.still_waiting_bands,
    )
    assert rows.denominator or rows.still_waiting  # the cases are there to count


@pytest.mark.parametrize("quarter", ["2026-Q1", "2026-02", "2025-12", "2027-03"])
def test_the_spell_figures_statement_counts_what_the_rows_count(varied, quarter):
    """The figures API counts in the database; the figures are those of the rows, bands too
    (a year on, the spells still open have waited over 364 days)."""
    period = parse_period(quarter, quarterly=True)
    rows = referral_spell(period)

    with CaptureQueriesContext(connection) as captured:
        figures = MEASURES["referral_spell"].figures(period)

    assert len(captured.captured_queries) == 2  # the first community referral's date, then the statement
    assert figures.rows == []
    assert (figures.numerator, figures.denominator, figures.still_waiting, figures.still_waiting_bands) == (
        rows.numerator,
        rows.denominator,
        rows.still_waiting,
        rows.still_waiting_bands,
    )
    assert rows.denominator or rows.still_waiting  # the cases are there to count


def test_a_rows_written_out_init_takes_its_fields_in_order_with_their_defaults():
    parameters = list(inspect.signature(MeasureRow.__init__).parameters.values())[1:]

    assert [(p.name, p.default) for p in parameters] == [
        (f.name, inspect.Parameter.empty if f.default is f.default_factory else f.default) for f in fields(MeasureRow)
    ]
