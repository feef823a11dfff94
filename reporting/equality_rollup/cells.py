"""What the daily rollup keeps: its dimensions, and the cells (day, dimension, value) each
referral or clock counts in."""

from datetime import date, datetime, timedelta

from reporting.periods import month_start

REFERRAL = "referral"  # rows that count referrals received
# A re-referral (the flow page): received within this long after the person's latest discharge
# from another referral (``ReferralFact.previous_discharge_at``).
RE_REFERRAL_WITHIN = timedelta(days=365)
# The equality page's breakdowns (reporting.equality.dimensions), as reporting columns.
BREAKDOWNS = (
    "ethnicity",
    "age_band",
    "gender",
    "sexual_orientation",
    "disability",
    "locality_id",
    "deprivation_decile",
)
# The dashboards' other filters (reporting.filters.Filters; locality is a breakdown already): with
# their cells, the waits page reads a period for any one filter from the rollup, and the breaches
# page its counts by team and by source (issue 17).
FILTER_DIMENSIONS = ("team_id", "service", "source", "urgency")
COLUMNS = BREAKDOWNS + FILTER_DIMENSIONS  # the reporting columns the groups are read from
# Each other breakdown within each value of these filters, named "<filter>|<breakdown>" and valued
# "<filter's value>|<breakdown's value>" (no value of theirs holds a "|"): the equality page with
# one of these filters set reads them, as it reads the plain breakdowns with none. The filter a
# locality's managers set first; then a kind of team, a source and an urgency (issue 17: with those
# the page computed from a year of clocks, 0.5 to 1 s). There are no groups within a team: the page
# for one team reads the indexes that lead with the team (``ClockFact``); with two or more filters
# set it reads the reporting rows.
WITHIN_FILTER = ("locality_id", "service", "source", "urgency")
WITHIN = tuple((within, name) for within in WITHIN_FILTER for name in BREAKDOWNS if name != within)
DAILY = COLUMNS + tuple(f"{within}|{name}" for within, name in WITHIN)
# Each breakdown within every combination of those four filters, by London month (``day`` is the
# month's first day), named "monthly|<breakdown>" and valued "<locality>|<kind of team>|<source>|
# <urgency>|<breakdown's value>": the equality page with two or more of them set sums the cells
# of the combinations it asks for over the period's whole months, and counts the days outside
# them from the reporting rows (issue 17: from a year of clocks the page took 0.4-0.9 s). By day
# the combinations would hold about one wait a cell, so as many rows as clocks; by month a year
# is a few thousand rows a breakdown. Each wait is stored once more per breakdown.
MONTHLY = "monthly"
MONTHLY_DIMENSIONS = tuple(f"{MONTHLY}|{name}" for name in BREAKDOWNS)
DIMENSIONS = DAILY + MONTHLY_DIMENSIONS


def is_re_referral(received_at: datetime, previous_discharge_at: datetime | None) -> bool:
    return previous_discharge_at is not None and previous_discharge_at >= received_at - RE_REFERRAL_WITHIN


def groups(values: dict) -> list[tuple[str, str]]:
    """(dimension, value as stored) of every group a row with these column values is in: one per
    dimension. A value is written as Python's ``str`` writes it (a NULL decile is 'None')."""
    found = [(name, str(values[name])) for name in COLUMNS]
    found += [(f"{within}|{name}", f"{values[within]}|{values[name]}") for within, name in WITHIN]
    return found


def monthly_groups(values: dict) -> list[tuple[str, str]]:
    """(dimension, value as stored) of every monthly group (``MONTHLY_DIMENSIONS``) a row with
    these column values is in: one per breakdown, within the row's combination of the filters."""
    combination = "|".join(str(values[name]) for name in WITHIN_FILTER)
    return [(f"{MONTHLY}|{name}", f"{combination}|{values[name]}") for name in BREAKDOWNS]


def cells_of(day: date, values: dict, *, monthly: bool = True) -> list[tuple[date, str, str]]:
    """(the cell's day, dimension, value) of every cell an event of this London day counts in:
    the day's own groups, and (``monthly``) its month's combinations, whose day is the month's first."""
    found = [(day, dimension, value) for dimension, value in groups(values)]
    if monthly:
        month = month_start(day)
        found += [(month, dimension, value) for dimension, value in monthly_groups(values)]
    return found
