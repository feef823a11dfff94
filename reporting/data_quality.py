"""Data quality: per team, the records that fall out of a national measure for missing or invalid
MHSDS coding (docs/measures.md, "What is recorded"), so a team can put them right.

* a team without an MHSDS team type: none of its referrals is in any national measure;
* a contact whose consultation mechanism or attendance is not a current MHSDS code (the retired
  03 telemedicine among them): it counts for no measure and stops no clock;
* an assessment without a SNOMED CT code from the assessment list, on a referral with no coded
  assessment: the referral-spell clock cannot stop (writing the trusted assessment records an
  uncoded one; it only matters when no coded one sits beside it);
* an intervention without a SNOMED CT code from the intervention lists (or with one that never
  stops a clock: consultation, signposting), on a referral with neither a coded intervention nor
  an agreed care plan: the referral-spell clock cannot stop;
* an outcome measure without a tool code, on a referral with no coded one: there is no baseline
  measure for the spell;
* a referral from "Other" with no MHSDS source of referral: reported as M6 "other service or
  agency", so no measure that asks where a referral came from (liaison: the emergency
  department) can place it.

Records are those dated in the chosen month and the two before it (the longest period a national
measure counts over: the referral-spell quarter), under the team that holds the referral now.
The counts are of records, not people, and say nothing about anyone's care: they are shown
exactly, to everyone signed in, like the other aggregates. The records themselves are listed only
where the user may open the referral (``access.selectors.referrals_visible_to``), by reference,
never by name, and not at all for roles that read no records (``reporting.access``).

A fixed number of queries, however many records: one count per kind grouped by team, one list
per kind, and the teams.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models import Model as DjangoModel

from access.selectors import referral_visible_condition
from accounts.models import User
from codes.mhsds import ATTENDANCE_CODES, CURRENT_MECHANISM_CODES, RETIRED_MECHANISMS, TEAM_TYPE
from codes.snomed import OUTCOME_TOOLS
from common.london import london
from localities.models import Team
from referrals.models import Assessment, CarePlan, Contact, Intervention, OutcomeMeasure, Referral
from referrals.selectors import clock_stop_assessment, clock_stop_intervention

from .access import can_drill_down
from .measures import MeasurePeriod
from .suppression import Cell, text
from .tables import Column, Table
from .waits import referral_link

CURRENT_MECHANISMS = CURRENT_MECHANISM_CODES  # without 03 telemedicine, retired in MHSDS v5: use 11 video
TOOL_CODES = sorted(tool.code for tool in OUTCOME_TOOLS)
LISTED_PER_KIND = 50  # the most recent records listed per kind; the counts are always complete
NOT_ROUTED = "Not routed to a team yet"


def _not_in(column: str, codes: list[str]) -> Q:
    """``column`` empty or not one of ``codes`` (an empty list: every row)."""
    return ~Q(**{f"{column}__in": codes}) if codes else Q()


@dataclass(frozen=True)
class Kind:
    """One kind of record that can fall out of a national measure."""

    key: str
    label: str  # what is wrong, as a heading
    column: str  # the column heading in the table by team
    falls_out: str  # what it costs
    fix: str  # what to do
    model: type[DjangoModel]
    dated: str  # the field that places it in the period
    wrong: Callable[[], Q]
    describe: Callable[[dict[str, object]], str]  # what is wrong with one record, in words
    columns: tuple[str, ...] = ()  # the extra values ``describe`` reads
    via_referral: bool = True  # False: the record is the referral itself


def _on_the_referral(model: type[DjangoModel], *matching: Q) -> Q:
    """The record's referral has a row of ``model`` matching ``matching``."""
    return Q(Exists(model._default_manager.filter(*matching, referral_id=OuterRef("referral_id"))))


def _contact_words(row: dict[str, object]) -> str:
    mechanism, attendance = str(row["consultation_mechanism"]), str(row["attendance"])
    if mechanism in RETIRED_MECHANISMS:
        return f"Consultation mechanism {mechanism} is retired: use 11 (video)"
    if mechanism not in CURRENT_MECHANISMS:
        return "No consultation mechanism"
    if attendance not in ATTENDANCE_CODES:
        return "No attendance"
    return ""


def _code_words(name: str, column: str) -> Callable[[dict[str, object]], str]:
    def words(row: dict[str, object]) -> str:
        code = str(row[column] or "")
        return f"{name} {code} is not on the list" if code else f"No {name}"

    return words


KINDS: tuple[Kind, ...] = (
    Kind(
        key="contacts",
        label="Contacts without a valid mechanism or attendance",
        column="Contacts",
        falls_out="Counts for no measure and stops no clock.",
        fix="Record how the contact happened (face to face, telephone, video...) and whether the person attended.",
        model=Contact,
        dated="occurred_at",
        wrong=lambda: _not_in("consultation_mechanism", CURRENT_MECHANISMS) | _not_in("attendance", ATTENDANCE_CODES),
        describe=_contact_words,
        columns=("consultation_mechanism", "attendance"),
    ),
    Kind(
        key="assessments",
        label="Assessments without a SNOMED CT code",
        column="Assessments",
        falls_out="The referral has no coded assessment, so its referral-spell clock cannot stop.",
        fix="Record the assessment with its code from the assessment list.",
        model=Assessment,
        dated="completed_at",
        wrong=lambda: ~clock_stop_assessment() & ~_on_the_referral(Assessment, clock_stop_assessment()),
        describe=_code_words("SNOMED CT code", "code"),
        columns=("code",),
    ),
    Kind(
        key="interventions",
        label="Interventions without a SNOMED CT code or a care plan",
        column="Interventions",
        falls_out="The referral has neither a coded intervention nor an agreed care plan, so its "
        "referral-spell clock cannot stop.",
        fix="Record the care plan agreed with the person, or the intervention's code from the psychological "
        "therapy, psychosocial or medication lists.",
        model=Intervention,
        dated="started_at",
        wrong=lambda: (
            ~clock_stop_intervention()
            & ~_on_the_referral(Intervention, clock_stop_intervention())
            & ~_on_the_referral(CarePlan)
        ),
        describe=_code_words("SNOMED CT code", "code"),
        columns=("code",),
    ),
    Kind(
        key="outcomes",
        label="Outcome measures without a tool code",
        column="Outcome measures",
        falls_out="The referral has no coded outcome measure, so there is no baseline for its referral spell.",
        fix="Record the score on a listed tool: ReQoL-10, CORE-10, PHQ-9, GAD-7 or DIALOG.",
        model=OutcomeMeasure,
        dated="recorded_at",
        wrong=lambda: _not_in("tool_code", TOOL_CODES) & ~_on_the_referral(OutcomeMeasure, Q(tool_code__in=TOOL_CODES)),
        describe=lambda row: f"{row['instrument']}: not a listed tool" if row["instrument"] else "No tool",
        columns=("instrument",),
    ),
    Kind(
        key="referrals",
        label="Referrals without a source of referral",
        column="Referrals",
        falls_out="Reported as M6 (other service or agency): no measure that asks where a referral "
        "came from (liaison: the emergency department) can place it.",
        fix="Say where the referral came from.",
        model=Referral,
        dated="received_at",
        wrong=lambda: Q(source=Referral.Source.OTHER, source_of_referral=""),
        describe=lambda row: "Source recorded as Other, no MHSDS code",
        via_referral=False,
    ),
)


@dataclass(frozen=True)
class Problem:
    """One record the user may open, and what is wrong with it."""

    reference: str
    link: str
    person_id: int  # for the read audit; never shown
    team: str
    when: datetime
    what: str


@dataclass(frozen=True)
class TeamRow:
    team_id: int | None
    name: str
    team_type: str  # the code, or ""
    counts: dict[str, int]


@dataclass
class DataQualityPage:
    period: MeasurePeriod
    teams: list[TeamRow]
    totals: dict[str, int]
    untyped_teams: list[str]
    problems: dict[str, list[Problem]]
    shows_records: bool
    kinds: tuple[Kind, ...] = KINDS
    listed: int = LISTED_PER_KIND
    tables: list[Table] = field(default_factory=list)
    charts: list = field(default_factory=list)

    def team_types(self) -> list[tuple[str, str]]:
        return team_types_shown(self)

    def kind_sections(self) -> list[tuple[Kind, int, list[Problem], Table | None]]:
        tables = {t.key: t for t in self.tables}
        return [(k, self.totals[k.key], self.problems.get(k.key, []), tables.get(k.key)) for k in self.kinds]


def _in_period(kind: Kind, period: MeasurePeriod) -> QuerySet[DjangoModel]:
    return kind.model._default_manager.filter(
        kind.wrong(), **{f"{kind.dated}__gte": period.start, f"{kind.dated}__lt": period.end}
    )


def _team_column(kind: Kind) -> str:
    return "team_id" if not kind.via_referral else "referral__team_id"


def data_quality_counts(*, period: MeasurePeriod) -> dict[str, dict[int | None, int]]:
    """For each kind, the records in the period that fall out, by team id (None: not routed).
    One query per kind."""
    counts: dict[str, dict[int | None, int]] = {}
    for kind in KINDS:
        column = _team_column(kind)
        # COUNT(*), not of the id: the id is in no date index, so counting it read each record's row
        # (the *_completed, *_started and *_recorded indexes hold the date, referral and code).
        grouped = _in_period(kind, period).order_by().values(column).annotate(n=Count("*")).values_list(column, "n")
        counts[kind.key] = dict(grouped)
    return counts


def _problems(kind: Kind, period: MeasurePeriod, user: User) -> list[Problem]:
    """The most recent records of this kind the user may open. One query: newest first, each
    record's referral tested as ``referral_visible_condition`` says (the page took 4.7 s for a
    locality team manager at a million referrals before, docs/performance.md)."""
    referral = "" if not kind.via_referral else "referral__"
    rows = (
        _in_period(kind, period)
        .filter(referral_visible_condition(user, column="referral_id" if kind.via_referral else "pk"))
        .order_by(f"-{kind.dated}", "-pk")
        .values(
            f"{referral}pk",
            f"{referral}person_id",
            f"{referral}reference",
            f"{referral}team__name",
            kind.dated,
            *kind.columns,
        )
    )[:LISTED_PER_KIND]
    return [
        Problem(
            reference=str(row[f"{referral}reference"]),
            link=referral_link(int(row[f"{referral}pk"])),
            person_id=int(row[f"{referral}person_id"]),
            team=str(row[f"{referral}team__name"] or NOT_ROUTED),
            when=row[kind.dated],
            what=kind.describe(row),
        )
        for row in rows
    ]


def data_quality_page(*, user: User, period: MeasurePeriod) -> DataQualityPage:
    counts = data_quality_counts(period=period)
    teams = list(Team.objects.order_by("name").values_list("pk", "name", "mhsds_team_type"))
    rows = [
        TeamRow(pk, name, team_type, {k.key: counts[k.key].get(pk, 0) for k in KINDS}) for pk, name, team_type in teams
    ]
    unrouted = {k.key: counts[k.key].get(None, 0) for k in KINDS}
    if any(unrouted.values()):
        rows.append(TeamRow(None, NOT_ROUTED, "", unrouted))
    shows_records = can_drill_down(user)
    totals = {k.key: sum(counts[k.key].values()) for k in KINDS}
    page = DataQualityPage(
        period=period,
        teams=rows,
        totals=totals,
        untyped_teams=[name for _, name, team_type in teams if not team_type],
        # A kind with nothing in the quarter has nothing to list: not looked for (a walk through the
        # quarter's records, about 40 ms for the outcome measures at a million referrals).
        problems={k.key: _problems(k, period, user) if totals[k.key] else [] for k in KINDS} if shows_records else {},
        shows_records=shows_records,
    )
    page.tables = [_teams_table(page)] + (
        [_problems_table(k, page.problems[k.key]) for k in KINDS] if shows_records else []
    )
    return page


def exact(n: int) -> Cell:
    """A count of records shown as it is (see the module docstring: no person is in it)."""
    return Cell(text=f"{n:,}", value=n)


def team_label(row: TeamRow) -> str:
    """The team's name and its MHSDS team type, as the table shows them."""
    if row.team_id is None:
        return row.name
    return f"{row.name} ({row.team_type or 'no team type'})"


def team_types_shown(page: "DataQualityPage") -> list[tuple[str, str]]:
    """The MHSDS team types in the table, with their names, for the key under it."""
    codes = sorted({row.team_type for row in page.teams if row.team_type})
    return [(code, TEAM_TYPE.display(code)) for code in codes]


def _teams_table(page: DataQualityPage) -> Table:
    table = Table(
        key="teams",
        title="Records that fall out of the national measures, by team",
        columns=[Column("Team (MHSDS team type)", numeric=False)] + [Column(k.column) for k in KINDS],
        caption="records dated in the period that fall out of a national measure for their coding, under the team "
        "that holds the referral now",
        empty="There are no teams yet.",
    )
    for row in page.teams:
        table.add([text(team_label(row))] + [exact(row.counts[k.key]) for k in KINDS])
    table.add([text("All teams")] + [exact(page.totals[k.key]) for k in KINDS], header=True)
    return table


def _problems_table(kind: Kind, problems: list[Problem]) -> Table:
    table = Table(
        key=kind.key,
        title=f"{kind.label}: the ones you can open",
        columns=[
            Column("Referral", numeric=False),
            Column("Team", numeric=False),
            Column("Date", numeric=False),
            Column("What is missing", numeric=False),
        ],
        caption=f"the {LISTED_PER_KIND} most recent at most",
        empty="None on referrals you can open.",
    )
    for p in problems:
        table.add([text(p.reference), text(p.team), text(london(p.when)), text(p.what)], link=p.link)
    return table
