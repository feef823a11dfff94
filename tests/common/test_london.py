"""common.london: UTC instants as London staff read them, and London days as UTC instants,
right on both nights the clocks change (29 March 2026 forward, 25 October 2026 back)."""

from datetime import UTC, date, datetime, time

import pytest

from common.london import london, london_date, london_instant, london_midnight


def test_london_shows_winter_times_as_gmt():
    assert london(datetime(2026, 3, 14, 2, 0, tzinfo=UTC)) == "Sat 14 Mar 2026, 02:00"


def test_london_shows_summer_times_as_bst():
    assert london(datetime(2026, 7, 1, 23, 30, tzinfo=UTC)) == "Thu 2 Jul 2026, 00:30"


def test_london_across_the_night_the_clocks_go_forward():
    # 29 March 2026: at 01:00 GMT the clocks go forward to 02:00 BST; 01:xx never shows.
    assert london(datetime(2026, 3, 29, 0, 59, tzinfo=UTC)) == "Sun 29 Mar 2026, 00:59"
    assert london(datetime(2026, 3, 29, 1, 0, tzinfo=UTC)) == "Sun 29 Mar 2026, 02:00"


def test_london_across_the_night_the_clocks_go_back():
    # 25 October 2026: at 01:00 GMT (02:00 BST) the clocks go back to 01:00 GMT; 01:xx shows twice.
    assert london(datetime(2026, 10, 25, 0, 30, tzinfo=UTC)) == "Sun 25 Oct 2026, 01:30"  # BST
    assert london(datetime(2026, 10, 25, 0, 59, tzinfo=UTC)) == "Sun 25 Oct 2026, 01:59"
    assert london(datetime(2026, 10, 25, 1, 0, tzinfo=UTC)) == "Sun 25 Oct 2026, 01:00"  # GMT again
    assert london(datetime(2026, 10, 25, 1, 30, tzinfo=UTC)) == "Sun 25 Oct 2026, 01:30"


def test_london_formats_a_date_without_a_time():
    assert london(date(2026, 10, 25)) == "Sun 25 Oct 2026"


def test_london_leaves_nothing_for_no_value():
    assert london(None) == ""
    assert london("") == ""


def test_london_refuses_a_naive_datetime():
    with pytest.raises(ValueError, match="aware"):
        london(datetime(2026, 3, 14, 2, 0))  # noqa: DTZ001 - the point of the test


def test_london_refuses_what_is_not_a_time():
    with pytest.raises(TypeError, match="datetime or a date"):
        london("2026-03-14")


def test_a_london_day_starts_at_london_midnight_whatever_its_length():
    assert london_midnight(date(2026, 1, 15)) == datetime(2026, 1, 15, 0, 0, tzinfo=UTC)
    # The day the clocks go forward is 23 hours long; the next starts at 23:00 UTC.
    assert london_midnight(date(2026, 3, 29)) == datetime(2026, 3, 29, 0, 0, tzinfo=UTC)
    assert london_midnight(date(2026, 3, 30)) == datetime(2026, 3, 29, 23, 0, tzinfo=UTC)
    # The day the clocks go back is 25 hours long.
    assert london_midnight(date(2026, 10, 25)) == datetime(2026, 10, 24, 23, 0, tzinfo=UTC)
    assert london_midnight(date(2026, 10, 26)) == datetime(2026, 10, 26, 0, 0, tzinfo=UTC)


def test_a_london_wall_clock_time_on_both_change_nights():
    assert london_instant(date(2026, 3, 29), time(0, 30)) == datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    assert london_instant(date(2026, 3, 29), time(2, 30)) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    # 01:30 on 25 October happens twice: the first time, in BST.
    assert london_instant(date(2026, 10, 25), time(1, 30)) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert london_instant(date(2026, 10, 25), time(2, 30)) == datetime(2026, 10, 25, 2, 30, tzinfo=UTC)


def test_the_london_date_of_an_instant():
    assert london_date(datetime(2026, 7, 1, 23, 30, tzinfo=UTC)) == date(2026, 7, 2)  # 00:30 BST
    assert london_date(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == date(2026, 12, 31)  # 23:30 GMT


def test_a_time_the_clocks_skip_reads_as_gmt():
    # 01:30 on 29 March 2026 never happens in London: read as 01:30 GMT, which is 02:30 BST.
    assert london_instant(date(2026, 3, 29), time(1, 30)) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
