"""The daily rollup: counts and the completed waits themselves, per London day, clock kind
and group (``DailyEqualityRollup``). A group is one value of one column: an equality page
breakdown (``BREAKDOWNS``), a dashboard filter (``FILTER_DIMENSIONS``), or a breakdown within one
value of a filter (``WITHIN_FILTER``: within a locality, a kind of team, a source or an urgency).
Every referral and clock is in exactly one group of each dimension, so a dimension's groups
together count each once.

Grouped centiles over a year of clocks cost a sort of a million rows on every page view;
centiles do not add up, so they cannot be summed from smaller ones either. The rollup keeps
each day's completed waits of each group, sorted. A period's waits are its days' (periods
are whole London days), one sorted run per day, and ``Runs`` picks the ranks it needs out
of them without sorting them all. The figures are the ones ``percentile_cont`` gives over
the clocks: the same values, interpolated the same way.

A row is a pure function of the reporting rows of its day: ``daily_rows`` computes it in
Python (SQLite, verify), ``rebuild_in_postgresql`` set-based. ``facts_refresh`` moves
exactly the cells its changed rows count in, in its transaction (``apply_changes``);
``facts_verify`` compares every stored row with a fresh computation.

The package: ``cells`` (the dimensions, and the cells a row counts in), ``packing`` (waits packed
and ``Runs``), ``reading`` (what the pages read), ``upkeep`` (computing, refreshing and checking
the rows). Their names are imported from here.
"""

from .cells import (
    BREAKDOWNS,
    COLUMNS,
    DAILY,
    DIMENSIONS,
    FILTER_DIMENSIONS,
    MONTHLY,
    MONTHLY_DIMENSIONS,
    RE_REFERRAL_WITHIN,
    REFERRAL,
    WITHIN,
    WITHIN_FILTER,
    cells_of,
    groups,
    is_re_referral,
    monthly_groups,
)
from .packing import (
    NARROW,
    WIDE,
    PackedWaits,
    PackedWaitsText,
    Runs,
    fits_in_4_bytes,
    from_text,
    pack,
    packed_waits,
    unpack,
    width,
)
from .reading import (
    breakdown_rows,
    breakdown_value,
    combination_matcher,
    combination_rows,
    period_rows,
    re_referral_rows,
    stopped_runs,
    within_days,
)
from .upkeep import (
    BREACHED_SQL,
    Cell,
    Contribution,
    apply_changes,
    contributions,
    daily_rows,
    is_breached,
    rebuild_in_postgresql,
    verify,
)

__all__ = [
    "BREACHED_SQL",
    "BREAKDOWNS",
    "COLUMNS",
    "DAILY",
    "DIMENSIONS",
    "FILTER_DIMENSIONS",
    "MONTHLY",
    "MONTHLY_DIMENSIONS",
    "NARROW",
    "RE_REFERRAL_WITHIN",
    "REFERRAL",
    "WIDE",
    "WITHIN",
    "WITHIN_FILTER",
    "Cell",
    "Contribution",
    "PackedWaits",
    "PackedWaitsText",
    "Runs",
    "apply_changes",
    "breakdown_rows",
    "breakdown_value",
    "cells_of",
    "combination_matcher",
    "combination_rows",
    "contributions",
    "daily_rows",
    "fits_in_4_bytes",
    "from_text",
    "groups",
    "is_breached",
    "is_re_referral",
    "monthly_groups",
    "pack",
    "packed_waits",
    "period_rows",
    "re_referral_rows",
    "rebuild_in_postgresql",
    "stopped_runs",
    "unpack",
    "verify",
    "width",
    "within_days",
]
