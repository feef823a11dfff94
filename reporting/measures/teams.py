"""Which teams a referral counts under: every team it was referred to, not only the one it is
with now (docs/measures.md "Which team a referral counts under").

NHS England's ``ServiceTeamType`` table is, for each referral and month, the team of its MHS101
record and every MHS102 "service or team type referred to" row
(``menh_bbrb/notebooks/01_Generic_Prepare/00_generic_prep.py`` L363-L403), and the measures join
it: the 4-week wait keeps a referral when any of its team rows is a core community team
(``4w_waits_prep.py`` L162, L170), the crisis and liaison measures when any team row of the month
is a crisis or liaison team (``uec_prep.py`` L90-L102, L168-L180). So a crisis referral handed on
to a community team counts in the crisis measures for the month it was received, and in the
community measures from then on.

Here a referral's team changes only by a warm hand-off (``referral_redirect``, a ``Handoff`` row),
so its teams up to an instant ``by`` are: the team it was received by (the first hand-off's
``from_team``, or its team when it was never handed on) and every team it was handed to before
``by``. A measure counting up to the end of its period asks whether any of them is of its types.

The part of a referral with those teams can also end before the referral does: a community
referral handed on to a crisis team leaves the community measures at the hand-off. NHS England
ends a team row at ``coalesce(ServDischDate, ReferRejectionDate, ReferClosureDate)``
(``4w_waits_prep.py`` L144-L147), the hand-off closing the team's MHS102 row: so a referral not
discharged by ``by`` and with a team of another type at ``by`` ends, for the measure, when it
last left a team of its types.

Hand-offs are few (a referral in twenty or so): both forms below look at them per referral only
where a referral has any; every other referral keeps its team.
"""

from datetime import date, datetime, timedelta
from typing import cast

from django.db.models import Case, Exists, F, Max, Min, OuterRef, Q, QuerySet, Subquery, When

from codes.mhsds import COMMUNITY_TEAM_TYPES
from common.london import london_date
from localities.models import Team
from referrals.models import Handoff, Referral

from .queries import sql_list


def _handoffs() -> QuerySet[Handoff]:
    return Handoff.objects.filter(referral_id=OuterRef("pk"))


def referred_to(team_types: frozenset[str], *, by: datetime) -> Q:
    """Referrals (the outer query's) with a team of these types among those they were referred
    to before ``by``: the team that received them, or one they were handed to before ``by``."""
    earlier = Handoff.objects.filter(referral_id=OuterRef("referral_id")).filter(
        Q(at__lt=OuterRef("at")) | Q(at=OuterRef("at"), pk__lt=OuterRef("pk"))
    )
    received_by = Q(from_team__mhsds_team_type__in=team_types) & Q(~Exists(earlier))
    handed_to = Q(at__lt=by) & (
        Q(to_team__mhsds_team_type__in=team_types) | Q(from_team__mhsds_team_type__in=team_types)
    )
    never_handed_on = Q(~Exists(_handoffs())) & Q(team__mhsds_team_type__in=team_types)
    return never_handed_on | Q(Exists(_handoffs().filter(received_by | handed_to)))


def narrowed_to(team_types: frozenset[str], where: Q) -> QuerySet[Referral]:
    """The referrals meeting ``where`` (a condition on the referral's own fields) that may have had
    a team of these types: their team is of these types, or a hand-off of theirs left or went to
    one. A superset of what ``referred_to`` keeps (it still decides), found by index: the
    referrals of the period with their team (``referral_received_idx``; for the open ones
    ``referral_team_access_idx``), and the hand-offs of those teams. So a measure of the few crisis,
    liaison or EIP teams reads their referrals, not every referral of its period weighed against
    every hand-off (issue 17: 280 ms to 300 ms each at a million referrals)."""
    typed = Team.objects.filter(mhsds_team_type__in=team_types).values("pk")
    own = Referral.objects.filter(where, team_id__in=typed).order_by().values("pk")
    handed = (
        Handoff.objects.filter(Q(from_team_id__in=typed) | Q(to_team_id__in=typed))
        .filter(_through(where, "referral"))
        .order_by()
        .values("referral_id")
    )
    return Referral.objects.filter(where, pk__in=own.union(handed, all=True))


def _through(condition: Q, relation: str) -> Q:
    """``condition`` on a model, as a condition on the rows related to it by ``relation``."""
    children: list[Q | tuple[str, object]] = []
    for child in condition.children:
        if isinstance(child, Q):
            children.append(_through(child, relation))
        else:
            lookup, value = cast(tuple[str, object], child)
            children.append((f"{relation}__{lookup}", value))
    return Q(*children, _connector=condition.connector, _negated=condition.negated)


def with_part_end(referrals: QuerySet[Referral], team_types: frozenset[str], *, by: datetime) -> QuerySet[Referral]:
    """``referrals`` with ``part_ended_at``: when their part with teams of these types ended, as
    seen at ``by``. Their end if they ended before ``by``; else, when with a team of another type
    at ``by``, the last time they left one of these types; else their end (``None`` while open)."""
    before = _handoffs().filter(at__lt=by)
    team_type_at_by = Case(
        When(Exists(before), then=Subquery(before.order_by("-at", "-pk").values("to_team__mhsds_team_type")[:1])),
        default=Subquery(_handoffs().order_by("at", "pk").values("from_team__mhsds_team_type")[:1]),
    )
    left_at = Subquery(
        before.filter(from_team__mhsds_team_type__in=team_types)
        .order_by()
        .values("referral_id")
        .annotate(last=Max("at"))
        .values("last")[:1]
    )
    return referrals.annotate(team_type_at_by=team_type_at_by).annotate(
        part_ended_at=Case(
            When(ended_at__lt=by, then=F("ended_at")),
            When(~Exists(_handoffs()), then=F("ended_at")),
            When(team_type_at_by__in=team_types, then=F("ended_at")),
            default=left_at,
        )
    )


def teams_sql(team_types: frozenset[str]) -> str:
    """SQL: the ids of the teams of these types."""
    return f"SELECT t.id FROM {Team._meta.db_table} t WHERE t.mhsds_team_type IN ({sql_list(team_types)})"


def handed_on_sql(team_types: frozenset[str], *, only: str = "") -> str:
    """SQL for a CTE: one row per referral that was ever handed on, with ``referred`` (a team of
    these types among those it was referred to before ``%(end)s``), ``with_at_end`` (its team
    at ``%(end)s`` is of these types) and ``left_at`` (the last time it left a team of these types
    before ``%(end)s``). The rules are ``referred_to`` and ``part_ended_at``'s, set-based.
    ``only``: a condition on the hand-offs (``h``) read, e.g. the referrals of a set."""
    handoff, teams = Handoff._meta.db_table, teams_sql(team_types)
    return f"""
            SELECT h.referral_id,
                   bool_or((h.at < %(end)s AND (h.to_team_id IN ({teams}) OR h.from_team_id IN ({teams})))
                           OR (h.first AND h.from_team_id IN ({teams}))) AS referred,
                   COALESCE(
                       (array_agg(h.to_team_id ORDER BY h.at DESC, h.id DESC) FILTER (WHERE h.at < %(end)s))[1],
                       (array_agg(h.from_team_id ORDER BY h.at, h.id))[1]
                   ) IN ({teams}) IS TRUE AS with_at_end,
                   max(h.at) FILTER (WHERE h.at < %(end)s AND h.from_team_id IN ({teams})) AS left_at
            FROM (
                SELECT h.*, row_number() OVER (PARTITION BY h.referral_id ORDER BY h.at, h.id) = 1 AS first
                FROM {handoff} h {f"WHERE {only}" if only else ""}
            ) h
            GROUP BY h.referral_id"""


def part_end_sql(referral: str, handed_on: str) -> str:
    """SQL: the end of the referral's part with the teams, ``part_ended_at``'s rule, for the
    referral aliased ``referral`` left-joined to ``handed_on_sql``'s row aliased ``handed_on``."""
    return (
        f"CASE WHEN {referral}.ended_at < %(end)s OR {handed_on}.referral_id IS NULL OR {handed_on}.with_at_end"
        f" THEN {referral}.ended_at ELSE {handed_on}.left_at END"
    )


# --- The community measures on PostgreSQL: what each referral keeps, and the few moved since --


def community_ctes_sql() -> str:
    """SQL for the CTEs the community measures start with: ``moved_since``, the referrals received
    before ``%(end)s`` and handed on at or after it (``referral_handed_on_idx``: few, for any period);
    ``handed_on``, ``handed_on_sql`` for them; and ``moved``, those of them with a community team by ``%(end)s``,
    read once, each with ``part_ended_at`` (``part_ended_at``'s rule). Every other referral received
    before ``%(end)s`` is at ``%(end)s`` as it is now, so what the services keep on it answers:
    ``community_referrals_sql``."""
    referral = Referral._meta.db_table
    only = "h.referral_id IN (SELECT m.referral_id FROM moved_since m)"
    return f"""moved_since AS MATERIALIZED (
            -- Received before the end: for an older period most hand-offs since are of referrals
            -- received later, which it cannot count (June 2025: 438 referrals of 99,736 hand-offs).
            -- Each referral keeps its latest hand-off (Referral.last_handoff_at), and
            -- referral_handed_on_idx holds those with when each was received: only they are read.
            SELECT r.id AS referral_id FROM {referral} r
            WHERE r.last_handoff_at >= %(end)s AND r.received_at < %(end)s
        ), handed_on AS MATERIALIZED ({handed_on_sql(COMMUNITY_TEAM_TYPES, only=only)}
        ), moved AS MATERIALIZED (
            SELECT r.*, {part_end_sql("r", "o")} AS part_ended_at
            FROM handed_on o JOIN {referral} r ON r.id = o.referral_id
            WHERE o.referred AND r.received_at < %(end)s
        )"""


def community_part_end_sql(referral: str) -> str:
    """SQL: ``part_ended_at``'s rule for a referral not handed on since ``%(end)s``, from what it
    keeps (``Referral.community_left_at``, referrals.services.measure_scope): its end if it ended
    before ``%(end)s`` or is with a community team; else when it last left one."""
    return (
        f"CASE WHEN {referral}.ended_at < %(end)s OR {referral}.team_id IN ({teams_sql(COMMUNITY_TEAM_TYPES)})"
        f" THEN {referral}.ended_at ELSE {referral}.community_left_at END"
    )


def open_community_sql(*, columns: str, since: str, where: str = "true") -> str:
    """SQL: ``community_referrals_sql`` of the referrals open at ``since`` (an instant: SQL over
    the parameters) that meet ``where``, in two branches: still open, or ended at or after
    ``since``. Each reads ``referral_community_open_idx`` (by UK received date, then end) day by
    day of receipt, every day from the first community referral's to ``%(end)s``'s
    (``%(received_days)s``: ``community_received_days``), and on each day only the referrals open
    at ``since``. By end alone (the index before it), a period a year ago read every referral
    ended since, mostly received after it (June 2025's quarter: 695,000 read for 196,000 open)."""
    # The days as a parameter (community_received_days), not worked out in the statement: the
    # planner then estimates from the column's statistics how many referrals each branch reads.
    # Not knowing (a subquery's array), it guessed a few hundred for 190,000, and probed the
    # hospital stays and the people's other referrals once per referral.
    return " UNION ALL ".join(
        community_referrals_sql(
            columns=columns, where=f"r.received_on = ANY(%(received_days)s) AND {ended} AND {where}"
        )
        for ended in ("r.ended_at IS NULL", f"r.ended_at >= {since}")
    )


def community_received_days(end: datetime) -> list[date]:
    """``open_community_sql``'s ``%(received_days)s``: every UK date from the first community
    referral's received date to ``end``'s (one query: the first entry of its index)."""
    first = Referral.objects.filter(community_since__isnull=False).aggregate(first=Min("received_on"))["first"]
    if first is None:
        return []
    return [first + timedelta(days=n) for n in range((london_date(end) - first).days + 1)]


def community_referrals_sql(*, columns: str, where: str) -> str:
    """SQL: ``columns`` (over ``r``, the referral, and ``{ended_at}``, the end of its part with
    community teams) of the referrals received before ``%(end)s`` with a community team among
    those they were referred to by then, meeting ``where`` (over ``r``): those not handed on since
    from what they keep (``community_since``: the partial indexes on it), the others from ``moved``
    (``community_ctes_sql``)."""
    referral = Referral._meta.db_table
    return f"""
            SELECT {columns.replace("{ended_at}", community_part_end_sql("r"))} FROM {referral} r
            WHERE r.community_since IS NOT NULL AND r.received_at < %(end)s AND {where}
              AND r.id NOT IN (SELECT m.referral_id FROM moved_since m)
            UNION ALL
            SELECT {columns.replace("{ended_at}", "r.part_ended_at")} FROM moved r WHERE {where}"""
