"""The equality page's daily rollup stays exact: across the whole service the page reads it,
and its every figure (counts, rates, medians, 90th centiles) equals the same figure computed
directly from the reporting rows (``percentile_cont`` over the clocks), after a rebuild and
after the refresh has taken in changes."""

import itertools
import random
import struct
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db.models import F

from localities.models import Locality, Team
from referrals.models import Clock, Person, Referral
from referrals.services import clock_pause, clock_restart, referral_close, referral_redirect
from reporting import equality, equality_rollup
from reporting.facts import facts_catch_up
from reporting.filters import Filters
from reporting.models import DailyEqualityRollup, ReferralFact
from reporting.percentiles import interpolate, reporting_reads
from reporting.periods import Period, london_date
from reporting.rebuild import facts_rebuild, facts_verify
from tests.factories import make_referral
from tests.reporting.conftest import NOW, PERIOD, contact, page_tables, row

pytestmark = pytest.mark.django_db

URL = "/dashboard/equality/"
WHOLE_PERIOD = Period(first_day=date(2026, 1, 20), last_day=date(2026, 3, 16))
BREAKDOWNS = ("ethnicity", "age_band", "gender", "sexual_orientation", "disability", "locality_id")


def figures(source, *, by: str, period: Period, now, filters: Filters | None = None) -> dict[str, dict]:
    """Every group's figures, read from the rollup or computed directly from the reporting rows."""
    rows: dict[str, equality.GroupRow] = {}
    filters = filters or Filters()

    def row_for(value) -> equality.GroupRow:
        return rows.setdefault(str(value), equality.GroupRow(value=str(value), label=str(value)))

    with reporting_reads():
        if source == "rollup":
            equality._from_rollup(row_for=row_for, column=by, period=period, filters=filters, now=now)
        elif source == "months":  # two or more filters: the monthly combinations and the days outside them
            assert equality._from_months(row_for=row_for, column=by, period=period, filters=filters, now=now)
        else:  # the direct computation, as the page does with another filter set
            equality._live(row_for=row_for, column=by, period=period, filters=filters, now=now)
    return {value: asdict(r) for value, r in rows.items()}


def assert_page_equals_direct_computation(*, period: Period = WHOLE_PERIOD, now=NOW) -> None:
    """Across the service, within each locality (and the 'not routed' group, 0), and within each
    kind of team, source and urgency the reporting rows hold, and one they do not."""
    localities = [Filters(locality_id=pk) for pk in [0, *Locality.objects.values_list("pk", flat=True)]]
    within = [
        Filters(**{name: value})
        for name in ("service", "source", "urgency")
        for value in {*ReferralFact.objects.values_list(name, flat=True), "none_such"}
    ]
    for filters in [Filters(), *localities, *within]:
        assert equality_rollup.breakdown_rows(column="ethnicity", period=period, filters=filters) is not None
        for by in BREAKDOWNS:
            from_rollup = figures("rollup", by=by, period=period, now=now, filters=filters)
            assert from_rollup == figures("direct", by=by, period=period, now=now, filters=filters), (by, filters)
    assert_two_or_more_filters_equal_direct_computation(period=period, now=now, breakdowns=BREAKDOWNS[:2])


def held_values() -> dict[str, list]:
    """Each of the four combinable filters' values the reporting rows hold."""
    return {
        name: sorted({*ReferralFact.objects.values_list(name, flat=True)}, key=str)
        for name in equality_rollup.WITHIN_FILTER
    }


def assert_two_or_more_filters_equal_direct_computation(
    *, period: Period, now=NOW, breakdowns=BREAKDOWNS, every_value: bool = False
) -> None:
    """With two, three and all four of a locality, kind of team, source and urgency set (each value
    the rows hold with ``every_value``, else the first and one none holds), the page from the
    monthly combinations and the days outside them equals the direct computation. A period
    holding no whole month before today is computed directly, as before."""
    held = held_values()
    if not every_value:
        held = {name: [values[0], "none_such" if name != "locality_id" else 0] for name, values in held.items()}
    checked = 0
    for size in (2, 3, 4):
        for names in itertools.combinations(equality_rollup.WITHIN_FILTER, size):
            for chosen in itertools.product(*(held[name] for name in names)):
                filters = Filters(**dict(zip(names, chosen, strict=True)))
                found = equality_rollup.combination_rows(
                    column="ethnicity", period=period, filters=filters, today=london_date(now)
                )
                if period.whole_months(london_date(now)) is None:
                    assert found is None
                    continue
                assert found is not None
                for by in breakdowns:
                    from_months = figures("months", by=by, period=period, now=now, filters=filters)
                    assert from_months == figures("direct", by=by, period=period, now=now, filters=filters), (
                        by,
                        filters,
                    )
                    checked += 1
    assert checked or period.whole_months(london_date(now)) is None


def test_every_breakdown_from_the_rollup_equals_a_direct_computation(service, alice, south_team):
    late = NOW - timedelta(days=2)
    referral_redirect(
        referral=service.referrals[12], by=alice, now=late, to_team=south_team, note="South.", person_informed=True
    )
    Person.objects.filter(pk=service.referrals[4].person_id).update(gender=Person.Gender.FEMALE)
    # Two kinds of team, two sources and two urgencies, so that each has groups of its own to compare.
    Team.objects.filter(pk=south_team.pk).update(kind=Team.Kind.CRISIS)
    Referral.objects.filter(pk__in=[service.referrals[i].pk for i in (2, 5, 12)]).update(source=Referral.Source.SELF)
    Referral.objects.filter(pk__in=[service.referrals[i].pk for i in (5, 7)]).update(urgency=Referral.Urgency.URGENT)
    facts_rebuild(now=NOW)
    assert ReferralFact.objects.values("source").distinct().count() == 2
    assert ReferralFact.objects.values("urgency").distinct().count() == 2
    assert ReferralFact.objects.values("service").distinct().count() == 2  # the redirect went to another kind

    assert_page_equals_direct_computation()
    # A period that starts and ends mid-week, and one that crosses no wait at all.
    assert_page_equals_direct_computation(period=Period(first_day=date(2026, 1, 25), last_day=date(2026, 2, 18)))
    assert_page_equals_direct_computation(period=Period(first_day=date(2025, 6, 1), last_day=date(2025, 6, 30)))


def test_one_localitys_breakdowns_come_from_the_rollup_and_are_that_localitys_own(
    client, tina, service, alice, north, south, south_team, at_now
):
    """Referral 13 (Black Caribbean) is redirected to South: for South the page shows it alone;
    for North everyone else. A changed stored cell moves the page's figure, so it is the
    rollup's, and the figures equal the direct computation (the test above)."""
    referral_redirect(
        referral=service.referrals[12], by=alice, now=NOW - timedelta(hours=2), to_team=south_team, note="South.",
        person_informed=True,
    )  # fmt: skip
    facts_rebuild(now=NOW)
    client.force_login(tina)

    def table(locality):
        return page_tables(client.get(URL, {**PERIOD, "by": "ethnicity", "locality": locality.pk}))["by-ethnicity"]

    caribbean = "Black or Black British: Caribbean"
    assert row(table(south), caribbean)["Referrals received"] == "*"  # 1: a small number, withheld
    assert row(table(south), "White: British")["Referrals received"] == "0"
    assert row(table(north), caribbean)["Referrals received"] == "0"
    assert row(table(north), "White: British")["Clocks due"] == "18"
    changed = DailyEqualityRollup.objects.filter(
        dimension="locality_id|ethnicity", value=f"{north.pk}|{Person.Ethnicity.WHITE_BRITISH}", kind="referral"
    ).update(received=F("received") + 40)
    assert changed == 1
    assert row(table(north), "White: British")["Referrals received"] == "49"
    assert row(table(south), "White: British")["Referrals received"] == "0"


def test_the_page_for_one_source_reads_that_sources_own_groups_in_the_rollup(client, tina, service, at_now):
    """Three referrals come from self-referral, the rest from GPs: the page for self-referrals
    counts those three alone, and a changed stored cell within that source moves its figure (so
    it is the rollup's, not a year of clocks), and nothing on the page for GPs."""
    Referral.objects.filter(pk__in=[service.referrals[i].pk for i in (0, 1, 12)]).update(source=Referral.Source.SELF)
    facts_rebuild(now=NOW)
    client.force_login(tina)

    def table(source):
        return page_tables(client.get(URL, {**PERIOD, "by": "ethnicity", "source": source}))["by-ethnicity"]

    white, caribbean = "White: British", "Black or Black British: Caribbean"
    assert row(table("self"), white)["Referrals received"] == "*"  # 2: a small number, withheld
    assert row(table("self"), caribbean)["Referrals received"] == "*"
    assert row(table("gp"), white)["Referrals received"] == "*"  # 7
    assert row(table("gp"), caribbean)["Referrals received"] == "0"
    changed = DailyEqualityRollup.objects.filter(
        dimension="source|ethnicity", value=f"self|{Person.Ethnicity.WHITE_BRITISH}", kind="referral"
    ).update(received=F("received") + 40)
    assert changed == 1
    assert row(table("self"), white)["Referrals received"] == "42"
    assert row(table("gp"), white)["Referrals received"] == "*"


def test_the_page_across_the_service_shows_the_rollup_figures(client, tina, service, at_now):
    """What the reader sees is the rollup's figures, and they are the known ones."""
    client.force_login(tina)

    table = page_tables(client.get(URL, {**PERIOD, "by": "ethnicity"}))["by-ethnicity"]

    assert DailyEqualityRollup.objects.filter(dimension="ethnicity").exists()
    white = row(table, "White: British")
    assert white["Median wait to first response"] == "5.0 hours"
    assert white["Median wait to treatment"] == "18.0 days"
    assert white["90th centile wait to treatment"] == "25.2 days"  # ranks 7 and 8: 24 + 0.2 x (30 - 24) days
    assert white["Clocks due"] == "18"
    assert white["Breached (%)"] == "*"  # the 30-day treatment: 1 of 18, a small number withheld


def test_clocks_due_earlier_today_count_and_those_due_later_do_not(service):
    """Referral 13 came in 20 hours before NOW: its first response is due at NOW + 4 h, today."""
    facts_rebuild(now=NOW)
    today = Period(first_day=date(2026, 3, 16), last_day=date(2026, 3, 16))

    before = figures("rollup", by="ethnicity", period=today, now=NOW)
    after = figures("rollup", by="ethnicity", period=today, now=NOW + timedelta(hours=5))

    caribbean = Person.Ethnicity.BLACK_CARIBBEAN
    assert before.get(caribbean, {}).get("due", 0) == 0
    assert (after[caribbean]["due"], after[caribbean]["breached"]) == (1, 1)
    assert after == figures("direct", by="ethnicity", period=today, now=NOW + timedelta(hours=5))


def test_the_refresh_keeps_the_rollup_exact_through_every_kind_of_change(
    service, alice, tina, south_team, north_practice
):
    """Contacts, a redirect to another locality, a closure, a restarted and a paused clock, a new
    referral and a changed equality answer: caught up from the audit log, the rollup equals a
    fresh computation and the page equals the direct one."""
    facts_rebuild(now=NOW)
    later = NOW + timedelta(hours=1)
    waiting = service.referrals[12]

    contact(waiting, alice, later)
    referral_redirect(
        referral=service.referrals[0], by=alice, now=later, to_team=south_team, note="South.", person_informed=True
    )
    Person.objects.filter(pk=service.referrals[1].person_id).update(ethnicity=Person.Ethnicity.CHINESE)
    contact(service.referrals[1], alice, later)  # an audited event about that person
    referral_close(referral=service.referrals[2], by=alice, now=later, reason=Referral.ClosureReason.NO_CONTACT)
    clock = Clock.objects.get(referral=waiting, kind=Clock.Kind.TREATMENT, is_current=True)
    restarted = clock_restart(clock=clock, by=tina, now=later, reason="Urgency re-assessed")
    clock_pause(clock=restarted, by=tina, now=later + timedelta(minutes=5), reason="Person in hospital")
    make_referral(by=alice, received_at=later, now=later, practice=north_practice)

    assert facts_catch_up(now=later + timedelta(minutes=10)) > 0

    assert facts_verify() == []  # every rollup row equals a fresh computation
    whole = Period(first_day=date(2026, 1, 20), last_day=date(2026, 3, 17))
    assert_page_equals_direct_computation(period=whole, now=later + timedelta(minutes=10))
    chinese = figures("rollup", by="ethnicity", period=whole, now=later)[Person.Ethnicity.CHINESE]
    assert (chinese["received"], chinese["fr_n"], chinese["tr_n"]) == (1, 1, 1)


def vary_the_service(service, *, alice, south_team, north_practice) -> None:
    """Two localities and kinds of team, two sources and two urgencies, and referrals received,
    answered and due in February (a whole month of the test's periods) as well as January and
    March; then the reporting tables rebuilt."""
    referral_redirect(
        referral=service.referrals[12], by=alice, now=NOW - timedelta(days=2), to_team=south_team, note="South.",
        person_informed=True,
    )  # fmt: skip
    Team.objects.filter(pk=south_team.pk).update(kind=Team.Kind.CRISIS)
    Referral.objects.filter(pk__in=[service.referrals[i].pk for i in (2, 5, 12)]).update(source=Referral.Source.SELF)
    Referral.objects.filter(pk__in=[service.referrals[i].pk for i in (5, 7)]).update(urgency=Referral.Urgency.URGENT)
    for days, (first, second) in enumerate([(2, 9), (30, 15), (5, 40)]):
        received = datetime(2026, 2, 3 + 4 * days, 10, 0, tzinfo=UTC)
        referral = make_referral(by=alice, received_at=received, now=received, practice=north_practice)
        contact(referral, alice, received + timedelta(hours=first))
        contact(referral, alice, received + timedelta(days=second))
        if days == 1:
            Referral.objects.filter(pk=referral.pk).update(source=Referral.Source.SELF)
    facts_rebuild(now=NOW)


def test_the_page_with_two_or_more_filters_sums_whole_months_and_counts_the_days_outside_them(
    service, alice, south_team, north_practice
):
    """Every combination of two, three or four of the filters over the values the rows hold, for a
    period with days outside its whole month either side, and on four more periods: whole months
    alone, days outside after them only, a period ending before today, and one holding no whole
    month (computed directly)."""
    vary_the_service(service, alice=alice, south_team=south_team, north_practice=north_practice)
    assert {name: len(values) for name, values in held_values().items()} == {
        "locality_id": 2,
        "service": 2,
        "source": 2,
        "urgency": 2,
    }
    assert WHOLE_PERIOD.whole_months(london_date(NOW)) == (
        date(2026, 2, 1),
        date(2026, 2, 1),
        [Period(first_day=date(2026, 1, 20), last_day=date(2026, 1, 31)), Period(date(2026, 3, 1), date(2026, 3, 16))],
    )
    assert_two_or_more_filters_equal_direct_computation(
        period=WHOLE_PERIOD, every_value=True, breakdowns=BREAKDOWNS[:3]
    )
    for period in (
        Period(first_day=date(2025, 12, 1), last_day=date(2026, 2, 28)),  # whole months only
        Period(first_day=date(2026, 1, 1), last_day=date(2026, 3, 16)),  # days outside after them
        Period(first_day=date(2026, 1, 25), last_day=date(2026, 3, 4)),  # a month and a bit either side
        Period(first_day=date(2026, 1, 25), last_day=date(2026, 2, 18)),  # no whole month: computed directly
    ):
        assert_two_or_more_filters_equal_direct_computation(period=period)
    # Clocks due later today are not due yet, in the days outside the months as in the rollup.
    later_today = NOW + timedelta(hours=5)
    assert_two_or_more_filters_equal_direct_computation(period=WHOLE_PERIOD, now=later_today, breakdowns=("ethnicity",))


def test_with_a_team_and_another_filter_the_page_computes_directly(service, north_team):
    facts_rebuild(now=NOW)
    for filters in (Filters(team_id=north_team.pk, source="gp"), Filters(source="gp"), Filters()):
        assert (
            equality_rollup.combination_rows(column="ethnicity", period=WHOLE_PERIOD, filters=filters, today=NOW.date())
            is None
        )


def test_the_page_with_two_filters_reads_its_combinations_monthly_cells(
    client, tina, service, alice, south_team, north_practice, at_now
):
    """A changed stored monthly cell moves the page's figure for the filters whose combination it
    is, and not the page for another urgency (so the page reads the rollup, not a year of clocks)."""
    vary_the_service(service, alice=alice, south_team=south_team, north_practice=north_practice)
    client.force_login(tina)

    def table(urgency):
        query = {**PERIOD, "by": "ethnicity", "source": "gp", "urgency": urgency}
        return page_tables(client.get(URL, query))["by-ethnicity"]

    not_stated = "Not stated"
    assert row(table("routine"), not_stated)["Referrals received"] == "*"  # 3 in January, 2 in February
    assert row(table("urgent"), not_stated)["Referrals received"] == "0"
    cell = DailyEqualityRollup.objects.get(
        dimension="monthly|ethnicity", day=date(2026, 2, 1), kind="referral", value__contains="|gp|routine|"
    )
    assert cell.value.endswith(f"|{Person.Ethnicity.NOT_STATED}") and cell.received == 2
    DailyEqualityRollup.objects.filter(pk=cell.pk).update(received=F("received") + 40)
    assert row(table("routine"), not_stated)["Referrals received"] == "45"  # 3 + 2 + 40: read from the cell
    assert row(table("urgent"), not_stated)["Referrals received"] == "0"


def test_whole_months_of_a_period_are_those_ended_before_today():
    today = date(2026, 3, 16)
    months = Period(first_day=date(2025, 3, 17), last_day=today).whole_months(today)  # the last 52 weeks
    assert months == (
        date(2025, 4, 1),
        date(2026, 2, 1),
        [Period(date(2025, 3, 17), date(2025, 3, 31)), Period(date(2026, 3, 1), today)],
    )
    # A month ending yesterday is whole; one holding today is not; nor one the period cuts.
    assert Period(date(2026, 2, 1), date(2026, 2, 28)).whole_months(date(2026, 3, 1)) == (
        date(2026, 2, 1),
        date(2026, 2, 1),
        [],
    )
    assert Period(date(2026, 2, 1), date(2026, 2, 28)).whole_months(date(2026, 2, 28)) is None
    assert Period(date(2026, 2, 2), date(2026, 3, 31)).whole_months(date(2026, 6, 1)) == (
        date(2026, 3, 1),
        date(2026, 3, 1),
        [Period(date(2026, 2, 2), date(2026, 2, 28))],
    )
    assert Period(date(2025, 12, 1), date(2026, 1, 31)).whole_months(today)[:2] == (date(2025, 12, 1), date(2026, 1, 1))
    assert Period(date(2026, 2, 10), date(2026, 3, 9)).whole_months(today) is None


def _cells(rows) -> dict[tuple, tuple]:
    return {
        (r.day, r.kind, r.dimension, r.value): (
            r.received,
            r.re_referred,
            r.due,
            r.breached,
            r.completed,
            r.met,
            equality_rollup.unpack(r.waits, r.completed),  # the waits, however wide they are packed
        )
        for r in rows
    }


def test_a_rebuild_in_sql_writes_the_rows_the_python_builder_computes(service):
    facts_rebuild(now=NOW)

    stored = _cells(DailyEqualityRollup.objects.all())
    fresh = _cells(equality_rollup.daily_rows(None))
    assert stored == fresh
    assert len(stored) > 0


def test_day_runs_give_the_centiles_of_all_their_waits_without_sorting_them_all():
    """Many days, duplicates and a long run of equal waits (which defeats the first bracket)."""
    rng = random.Random(5)
    days = [sorted(rng.randint(0, 3_000_000) for _ in range(rng.randint(0, 400))) for _ in range(300)]
    days += [[1_500_000] * 20_000, sorted(rng.choice([60, 120, 180]) for _ in range(5000))]
    runs = equality_rollup.Runs()
    for waits in days:
        runs.add(equality_rollup.pack(waits), len(waits))
    everything = sorted(w for waits in days for w in waits)

    assert len(runs) > equality_rollup.Runs.SORT_UP_TO
    fractions = (0.0, 0.1, 0.5, 0.9, 0.99, 1.0)
    assert runs.centiles(fractions) == [interpolate(everything, f) for f in fractions]
    assert runs.centiles([0.5]) == [interpolate(everything, 0.5)]  # asking again gives the same


def _eight_bytes_each(waits: list[int]) -> bytes:
    """As int8send packs them (the waits page's days with two filters, a rollup written before 4)."""
    return struct.pack(f">{len(waits)}q", *waits)


def test_waits_are_packed_4_bytes_each_unless_one_needs_8():
    fits = [-5, 0, 86_400, 2**31 - 1]
    assert len(equality_rollup.pack(fits)) == 4 * len(fits)
    assert equality_rollup.unpack(equality_rollup.pack(fits), len(fits)) == fits
    # A wait of more than 68 years (a referral received in 1950 by mistake) takes the day to 8.
    too_long = [60, 2**31]
    assert len(equality_rollup.pack(too_long)) == 16
    assert equality_rollup.unpack(equality_rollup.pack(too_long), 2) == too_long
    assert equality_rollup.unpack(_eight_bytes_each(fits), len(fits)) == fits
    assert equality_rollup.pack([]) == b"" and equality_rollup.unpack(b"", 0) == []
    with pytest.raises(ValueError):
        equality_rollup.unpack(equality_rollup.pack(fits), 3)  # 16 bytes are not 3 waits


def test_days_packed_4_and_8_bytes_each_give_the_centiles_of_all_their_waits():
    """The rollup's days (4 bytes), a day with a wait too long for 4, and days packed 8 bytes each
    (the waits page's own reads), in any order, even added after a first answer."""
    rng = random.Random(7)
    days = [sorted(rng.randint(0, 3_000_000) for _ in range(rng.randint(1, 300))) for _ in range(200)]
    days.append(sorted([2**31 + 5, 3_000_000_000, *(rng.randint(0, 900) for _ in range(50))]))
    runs = equality_rollup.Runs()
    for i, waits in enumerate(days[:150]):
        runs.add(_eight_bytes_each(waits) if i % 3 == 0 else equality_rollup.pack(waits), len(waits))
    fractions = (0.0, 0.25, 0.5, 0.9, 1.0)
    first = sorted(w for waits in days[:150] for w in waits)
    assert runs.centiles(fractions) == [interpolate(first, f) for f in fractions]

    for i, waits in enumerate(days[150:]):  # after the first answer, in this machine's byte order by then
        runs.add(_eight_bytes_each(waits) if i % 2 else equality_rollup.pack(waits), len(waits))
    everything = sorted(w for waits in days for w in waits)
    assert len(runs) == len(everything) > equality_rollup.Runs.SORT_UP_TO
    assert runs.centiles(fractions) == [interpolate(everything, f) for f in fractions]
    assert runs.centiles([1.0]) == [float(3_000_000_000)]


def test_an_empty_period_has_no_centiles():
    assert equality_rollup.Runs().centiles([0.5, 0.9]) == [None, None]


def test_a_wait_of_more_than_68_years_is_counted_exactly(service, alice, north_practice):
    """A referral dated 1950 (the service records none before 2000; an import or a hand-made fix
    might) and answered in the period: its wait does not fit in 4 bytes, so the rebuild packs
    every day 8 bytes a wait; the refresh then packs each day it rewrites as that day needs. The
    page reads both, and equals the direct computation."""
    long_ago = make_referral(
        by=alice, received_at=NOW - timedelta(days=3), now=NOW - timedelta(days=3), practice=north_practice
    )
    contact(long_ago, alice, NOW - timedelta(days=2))
    in_1950 = datetime(1950, 2, 1, 9, 0, tzinfo=UTC)
    Referral.objects.filter(pk=long_ago.pk).update(received_at=in_1950)
    assert Clock.objects.filter(referral=long_ago).update(started_at=in_1950) > 0
    facts_rebuild(now=NOW)

    completed = DailyEqualityRollup.objects.filter(completed__gt=0)
    assert {equality_rollup.width(r.waits, r.completed) for r in completed} == {8}
    assert max(max(equality_rollup.unpack(r.waits, r.completed)) for r in completed) > 2**31
    assert_page_equals_direct_computation()

    later = NOW + timedelta(hours=1)
    contact(service.referrals[12], alice, later)  # its first response: the day's cells are written again
    assert facts_catch_up(now=later + timedelta(minutes=10)) > 0
    completed = DailyEqualityRollup.objects.filter(completed__gt=0)
    assert {equality_rollup.width(r.waits, r.completed) for r in completed} == {4, 8}
    assert facts_verify() == []
    whole = Period(first_day=date(2026, 1, 20), last_day=date(2026, 3, 17))
    assert_page_equals_direct_computation(period=whole, now=later + timedelta(minutes=10))


def test_a_monthly_row_is_kept_only_for_exactly_its_filters_combination():
    """The database's LIKE picks the rows (SQLite's ignores case); each is checked exactly."""
    matches = equality_rollup.combination_matcher(Filters(source="gp", urgency="routine"))
    assert matches("3|locality|gp|routine|A")
    assert matches("None||gp|routine|None")  # no locality, no kind of team
    assert not matches("3|locality|GP|routine|A")
    assert not matches("3|locality|gp|urgent|A")
    assert not matches("3|gp|routine|other|A")  # the same words in other places
    every = equality_rollup.combination_matcher(
        Filters(locality_id=3, service="crisis", source="self", urgency="urgent")
    )
    assert every("3|crisis|self|urgent|Z") and not every("33|crisis|self|urgent|Z")
