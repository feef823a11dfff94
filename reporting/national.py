"""The national measures page: each NHS England measure for a month (the quarter ending with it
for the referral-spell measure), with the local promise beside them as a local measure.

The figures are the engine's (``reporting.measures``), shown through the one suppression rule
(``reporting.suppression``), exactly as the measures API serves them: ``suppressed_figures`` is
shared by the page and the API, so the two cannot disagree. Aggregates are for everyone signed
in (``reporting.access``); the per-record rows are the API's, for the referrals a user may open.
"""

from dataclasses import dataclass, field
from datetime import date

from common.snapshot import side_by_side

from .local_promise import LOCAL_PROMISE
from .measures import MEASURES, Measure, MeasurePeriod, MeasureResult, shared_month_reads
from .suppression import Cell, count, rate, text
from .tables import Column, Table

# The order on the page: the community measures, then crisis and liaison.
NATIONAL_ORDER = ("cmh_second_contact", "referral_spell", "crisis_very_urgent_4h", "crisis_urgent_24h", "liaison_1h")
# Every measure the API lists (in the engine's order) and the page shows: national, then local.
ALL_MEASURES: dict[str, Measure] = {**MEASURES, LOCAL_PROMISE.code: LOCAL_PROMISE}
MONTHS_OFFERED = 24
# The page's work in pieces, heaviest first (at a million referrals, on a slow machine: the spells
# about 700 ms, the second contacts 250, the two crisis measures 170 together, liaison 130, the
# others 30 each). Each piece is one or more measures read together: the crisis measures share
# the month's crisis referrals (``shared_month_reads``). ``common.snapshot.side_by_side`` starts
# the first piece at once and gives the rest to whichever connection is free.
PIECES: tuple[tuple[str, ...], ...] = (
    ("referral_spell",),
    ("cmh_second_contact",),
    ("crisis_very_urgent_4h", "crisis_urgent_24h"),
    ("liaison_1h",),
    ("eip_two_weeks",),
    (LOCAL_PROMISE.code,),
)


def is_local(measure: Measure) -> bool:
    return measure.code not in MEASURES


@dataclass(frozen=True)
class Figures:
    """A measure's figures as shown: each a suppression ``Cell``."""

    numerator: Cell
    denominator: Cell
    rate: Cell
    still_waiting: Cell
    bands: dict[str, Cell]

    def withheld(self) -> list[str]:
        """The names of the figures withheld as small numbers (for the API)."""
        names = [n for n in ("numerator", "denominator", "rate", "still_waiting") if getattr(self, n).suppressed]
        return names + [f"still_waiting_bands.{band}" for band, cell in self.bands.items() if cell.suppressed]


def suppressed_figures(result: MeasureResult) -> Figures:
    return Figures(
        numerator=count(result.numerator),
        denominator=count(result.denominator),
        rate=rate(result.numerator, result.denominator),
        still_waiting=count(result.still_waiting),
        bands={band: count(n) for band, n in result.still_waiting_bands.items()},
    )


# --- the month picker -------------------------------------------------------------------------


def _months_back(day: date, n: int) -> date:
    index = day.year * 12 + day.month - 1 - n
    return date(index // 12, index % 12 + 1, 1)


def month_choices(today: date) -> list[tuple[str, str]]:
    """The months offered, newest first: this month (so far) and the 23 before it."""
    months = [_months_back(today, n) for n in range(MONTHS_OFFERED)]
    return [(f"{m:%Y-%m}", f"{m:%B %Y}" + (" (so far)" if n == 0 else "")) for n, m in enumerate(months)]


def default_month(today: date) -> str:
    """The last whole month: the one NHS England would publish next."""
    return f"{_months_back(today, 1):%Y-%m}"


def chosen_month(value: str, today: date) -> tuple[str, str]:
    """(the month in force as YYYY-MM, an error message or "") for what the query string gave."""
    offered = dict(month_choices(today))
    if not value:
        return default_month(today), ""
    if value not in offered:
        return default_month(today), "Choose a month from the list."
    return value, ""


# --- the page ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeasureFigures:
    measure: Measure
    local: bool
    period: MeasurePeriod
    figures: Figures

    @property
    def period_text(self) -> str:
        return _period_text(self.period, quarterly=self.measure.quarterly)

    @property
    def bands(self) -> list[tuple[str, Cell]]:
        return list(self.figures.bands.items())


@dataclass
class NationalPage:
    month: str
    measures: list[MeasureFigures]
    tables: list[Table] = field(default_factory=list)
    charts: list = field(default_factory=list)  # none: the figures are one month's, not a trend


def _page_order(measure: Measure) -> int:
    return NATIONAL_ORDER.index(measure.code) if measure.code in NATIONAL_ORDER else len(NATIONAL_ORDER)


def _period_text(period: MeasurePeriod, *, quarterly: bool) -> str:
    first, last = period.first_day, period.last_day
    if not quarterly:
        return f"{first:%b %Y}"
    start = f"{first:%b}" if first.year == last.year else f"{first:%b %Y}"
    return f"{start} to {last:%b %Y} (quarter)"


def national_page(*, month: str) -> NationalPage:
    """Every measure for the month ``YYYY-MM`` (a fixed number of queries: each measure's own, the
    two crisis measures' shared), read on one snapshot by two connections side by side
    (``common.snapshot``; one after the other inside a transaction or off PostgreSQL)."""

    def piece(codes: tuple[str, ...]):
        def read() -> list[MeasureFigures]:
            with shared_month_reads():  # the two crisis measures read the month's crisis referrals once
                return [_measure_figures(ALL_MEASURES[code], month) for code in codes]

        return read

    found = {m.measure.code: m for figures in side_by_side([piece(codes) for codes in PIECES]) for m in figures}
    shown = [found[measure.code] for measure in sorted(ALL_MEASURES.values(), key=_page_order)]
    page = NationalPage(month=month, measures=shown)
    page.tables = [
        _figures_table("national", "National measures", [m for m in shown if not m.local]),
        _figures_table("local", "Local measure", [m for m in shown if m.local]),
    ]
    return page


def _measure_figures(measure: Measure, month: str) -> MeasureFigures:
    period = measure.period(month)
    return MeasureFigures(
        measure=measure, local=is_local(measure), period=period, figures=suppressed_figures(measure.figures(period))
    )


def _figures_table(key: str, title: str, measures: list[MeasureFigures]) -> Table:
    table = Table(
        key=key,
        title=title,
        columns=[
            Column("Measure", numeric=False),
            Column("Period", numeric=False),
            Column("Met"),
            Column("Counted"),
            Column("Rate"),
            Column("Still waiting"),
        ],
        caption="met the measure, of those counted, and those still waiting at the end of the period",
    )
    for m in measures:
        f = m.figures
        table.add([text(m.measure.name), text(m.period_text), f.numerator, f.denominator, f.rate, f.still_waiting])
    return table
