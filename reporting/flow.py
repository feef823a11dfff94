"""Flow and outcomes: hand-offs, people lost at them, re-referrals and outcome change.

* A **redirect** is a warm hand-off (``Handoff``) made in the period, by the team it
  left and the team it went to. With a team or service filter, hand-offs from or to it
  count; locality, source and urgency filter on the referral.
* Someone is **lost at a hand-off** when no completed contact was recorded on the
  referral within 28 days after it. A hand-off less than 28 days old is "too recent to
  tell" and counts as neither lost nor kept. Each hand-off's reporting row
  (``HandoffFact``) says whether such a contact followed it; the page counts those rows.
* A **re-referral** is a referral received in the period within 12 months (365 days) of
  the same person's discharge from an earlier referral. Across the service, or for one team,
  they are counted from the daily rollup (``equality_rollup.re_referral_rows``); with another
  filter, from the reporting rows.
* **Outcome change** pairs a referral's first baseline score with its last discharge
  score on the same instrument, for referrals discharged in the period. Whether a rise
  is an improvement depends on the instrument (``HIGHER_IS_BETTER``).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import Avg, Count, F, Q, Sum

from localities.models import Team
from referrals.models import Referral
from reporting.models import HandoffFact, ReferralFact

from .charts import Chart, bar_chart
from .equality_rollup import RE_REFERRAL_WITHIN, re_referral_rows
from .facts import LOST_AFTER
from .filters import Filters
from .periods import Period
from .suppression import count, derived, rate, text
from .tables import Column, Table

# Instruments on which a higher score is better; on the others (CORE-10, PHQ-9, GAD-7...) lower is better.
HIGHER_IS_BETTER = frozenset({"ReQoL-10", "ReQoL-20", "DIALOG", "WEMWBS", "SWEMWBS", "GBO"})
SERVICE_LABELS = dict(Team.Kind.choices)


def _handoff_q(filters: Filters) -> Q:
    """The dashboard filters on a hand-off: a team or service it left or went to; the rest on its
    referral (as its reporting row has them)."""
    return filters.q_on(team_id=("from_team_id", "to_team_id"), service=("from_service", "to_service"))


@dataclass
class HandoffCounts:
    redirects: int = 0
    lost: int = 0
    kept: int = 0
    too_recent: int = 0


@dataclass
class FlowPage:
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)


def handoff_counts(*, period: Period, filters: Filters, now: datetime) -> dict[tuple[int, int], HandoffCounts]:
    """{(from team (0: none), to team): counts}: one query, over the hand-offs' reporting rows (issue
    17: checking each hand-off for a contact on the page was most of its time)."""
    old_enough = Q(at__lte=now - LOST_AFTER)
    rows = (
        HandoffFact.objects.filter(_handoff_q(filters), at__gte=period.start, at__lt=period.end)
        .order_by()
        .values("from_team_id", "to_team_id")
        .annotate(
            # Count a column the covering index holds (handofffact_at_idx), not the key it does not.
            redirects=Count("at"),
            old=Count("at", filter=old_enough),
            lost=Count("at", filter=old_enough & Q(kept=False)),
        )
    )
    return {
        (r["from_team_id"], r["to_team_id"]): HandoffCounts(
            r["redirects"], r["lost"], r["old"] - r["lost"], r["redirects"] - r["old"]
        )
        for r in rows
    }


def flow_page(*, period: Period, filters: Filters, now: datetime) -> FlowPage:
    # A hand-off from no team (0) finds no team here, and so its default.
    teams: dict[int, tuple[str, str]] = {
        pk: (name, kind) for pk, name, kind in Team.objects.values_list("pk", "name", "kind")
    }
    page = FlowPage()
    handoffs = handoff_counts(period=period, filters=filters, now=now)
    by_team = _handoff_table(
        "redirects-by-team",
        "Redirects (warm hand-offs) by team",
        ("From team", "To team"),
        {(teams.get(f, ("No team", ""))[0], teams.get(t, ("", ""))[0]): c for (f, t), c in handoffs.items()},
    )
    by_service: dict[tuple[str, str], HandoffCounts] = defaultdict(HandoffCounts)
    for (f, t), c in handoffs.items():
        key = (
            SERVICE_LABELS.get(teams.get(f, ("", ""))[1], "No team"),
            SERVICE_LABELS.get(teams.get(t, ("", ""))[1], ""),
        )
        total = by_service[key]
        total.redirects += c.redirects
        total.lost += c.lost
        total.kept += c.kept
        total.too_recent += c.too_recent
    page.tables += [
        _handoff_table("redirects-by-service", "Redirects by service", ("From service", "To service"), by_service),
        by_team,
    ]
    page.tables.append(_re_referral_table(period=period, filters=filters, teams=teams))
    outcome_table, chart = _outcome_tables(period=period, filters=filters, teams=teams)
    page.tables.append(outcome_table)
    page.charts.append(chart)
    return page


def _handoff_table(
    key: str, title: str, labels: tuple[str, str], groups: dict[tuple[str, str], HandoffCounts]
) -> Table:
    table = Table(
        key=key,
        title=title,
        columns=[
            Column(labels[0], numeric=False),
            Column(labels[1], numeric=False),
            Column("Redirects"),
            Column("Lost (no completed contact within 28 days)"),
            Column("Lost (%)"),
            Column("Too recent to tell"),
        ],
    )
    totals = HandoffCounts()
    for (source, target), c in sorted(groups.items()):
        table.add(
            [
                text(source),
                text(target),
                count(c.redirects),
                count(c.lost),
                rate(c.lost, c.lost + c.kept),
                count(c.too_recent),
            ]
        )
        totals.redirects += c.redirects
        totals.lost += c.lost
        totals.kept += c.kept
        totals.too_recent += c.too_recent
    if groups:
        table.add(
            [
                text("All"),
                text(""),
                count(totals.redirects),
                count(totals.lost),
                rate(totals.lost, totals.lost + totals.kept),
                count(totals.too_recent),
            ],
            header=True,
        )
    return table


def re_referral_counts(*, period: Period, filters: Filters) -> list[dict]:
    """[{team_id, received, re_referred}]: from the daily rollup when it has the cells (issue 17:
    the scan of a year's referrals was most of the page), else from the reporting rows."""
    cells = re_referral_rows(period=period, filters=filters)
    if cells is not None:
        return [
            {"team_id": int(r["value"]), "received": r["received"], "re_referred": r["re_referred"]}
            for r in cells.values("value").annotate(received=Sum("received"), re_referred=Sum("re_referred"))
        ]
    return re_referral_counts_live(period=period, filters=filters)


def re_referral_counts_live(*, period: Period, filters: Filters) -> list[dict]:
    """``re_referral_counts`` from the reporting rows, whatever the filters."""
    rows = (
        ReferralFact.objects.filter(filters.q(), received_at__gte=period.start, received_at__lt=period.end)
        .order_by()
        .values("team_id")
        .annotate(
            # Count a column the covering index holds, never empty here, not the key it does not
            # hold (referralfact_rereferral_idx): the index alone answers.
            received=Count("received_at"),
            re_referred=Count(
                "received_at", filter=Q(previous_discharge_at__gte=F("received_at") - RE_REFERRAL_WITHIN)
            ),
        )
    )
    return [dict(r) for r in rows]


def _re_referral_table(*, period: Period, filters: Filters, teams) -> Table:
    rows = re_referral_counts(period=period, filters=filters)
    table = Table(
        key="re-referrals",
        title="Re-referrals within 12 months of discharge",
        columns=[
            Column("Team", numeric=False),
            Column("Referrals received"),
            Column("Re-referrals within 12 months"),
            Column("Re-referrals (%)"),
        ],
    )
    received = re_referred = 0
    for r in sorted(rows, key=lambda r: teams.get(r["team_id"], ("Not routed",))[0]):
        table.add(
            [
                text(teams.get(r["team_id"], ("Not routed",))[0]),
                count(r["received"]),
                count(r["re_referred"]),
                rate(r["re_referred"], r["received"]),
            ]
        )
        received += r["received"]
        re_referred += r["re_referred"]
    if table.rows:
        table.add([text("All"), count(received), count(re_referred), rate(re_referred, received)], header=True)
    return table


def _outcome_tables(*, period: Period, filters: Filters, teams) -> tuple[Table, Chart]:
    discharged = ReferralFact.objects.filter(
        filters.q(), status=Referral.Status.DISCHARGED, ended_at__gte=period.start, ended_at__lt=period.end
    )
    paired = Q(outcome_start__isnull=False, outcome_end__isnull=False)
    rows = (
        discharged.order_by()
        .values("team_id", "outcome_instrument")
        .annotate(
            discharged=Count("ended_at"),  # referralfact_discharged_idx alone, as above
            pairs=Count("ended_at", filter=paired),
            start=Avg("outcome_start", filter=paired),
            end=Avg("outcome_end", filter=paired),
            rose=Count("ended_at", filter=paired & Q(outcome_end__gt=F("outcome_start"))),
            fell=Count("ended_at", filter=paired & Q(outcome_end__lt=F("outcome_start"))),
        )
    )
    table = Table(
        key="outcomes",
        title="Outcome measures at the start and at discharge, by team",
        columns=[
            Column("Team", numeric=False),
            Column("Measure", numeric=False),
            Column("Discharged"),
            Column("With start and discharge scores"),
            Column("Mean score at start"),
            Column("Mean score at discharge"),
            Column("Mean change"),
            Column("Improved (%)"),
        ],
    )
    chart_rows = []
    for r in sorted(rows, key=lambda r: (teams.get(r["team_id"], ("Not routed",))[0], r["outcome_instrument"])):
        instrument = r["outcome_instrument"]
        improved = r["rose"] if instrument in HIGHER_IS_BETTER else r["fell"]
        pairs = r["pairs"]
        start = _decimal(r["start"])
        end = _decimal(r["end"])
        change = end - start if start is not None and end is not None else None
        name = teams.get(r["team_id"], ("Not routed",))[0]
        table.add(
            [
                text(name),
                text(instrument or "No baseline measure"),
                count(r["discharged"]),
                count(pairs),
                derived(start, inputs=(pairs,), places=1),
                derived(end, inputs=(pairs,), places=1),
                derived(change, inputs=(pairs,), places=1),
                rate(improved, pairs) if instrument else text(""),
            ]
        )
        if instrument:
            chart_rows.append((f"{name}: {instrument}", rate(improved, pairs)))
    chart_table = Table(
        key="chart-improved",
        title="People whose outcome score improved (%), by team and measure",
        columns=[Column("Team and measure", numeric=False), Column("Improved (%)")],
    )
    for label, cell in chart_rows:
        chart_table.add([text(label), cell])
    chart = Chart(
        key="chart-improved",
        title=chart_table.title,
        svg=bar_chart(
            key="chart-improved",
            title=chart_table.title,
            labels=[label for label, _ in chart_rows],
            values=chart_table.column_values(1),
            texts=chart_table.column_texts(1),
            unit="%",
        ),
        table=chart_table,
    )
    return table, chart


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))
