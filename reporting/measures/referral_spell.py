"""Referral spells with a full clock stop within 4 weeks: MRS01 / MRS01a (rate MRS01b), and
MRS02 still waiting (4w_waits_prep.py, measure_metadata.py; docs/measures.md).

In-scope referrals (adults on the received date, core community team types, no hospital stay)
join into spells per person (the 5-day rule, UK dates: ``referrals.selectors.spells_of``).
A spell's clock stops on the latest of four dates, each the earliest in the spell: the first
attended direct contact, a baseline outcome with a coded tool, a coded assessment (spells from
April 2024), and an agreed care plan or a coded intervention. Counted over the quarter ending
with the chosen month: spells whose clock stop falls in it; met when 28 days or fewer.

One statement (after one look-up: the first community referral's received date). On PostgreSQL it
does the spells' work itself (``_spells_postgresql``: the people with a community referral open in
the quarter and their community referrals, from indexes alone; each referral's earliest event per
component, kept as it was recorded (``referrals.models.ReferralMilestones``), counted only before
the quarter's end; the spells, by window functions for the few people with more than one, each
component the earliest of its referrals'; the clock stop) and returns only what the quarter shows:
the spells it counts or finds waiting, and the out-of-scope referrals open in it.
Elsewhere (the SQLite demo) ``_spells_portable`` reads the same referrals through the ORM and
joins them in Python; a test checks the two agree row for row.
"""

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime

from django.db import connection
from django.db.models import Q

from codes.mhsds import ATTENDED, COMMUNITY_TEAM_TYPES, DIRECT_MECHANISMS
from codes.snomed import OUTCOME_TOOL_BY_CODE
from common.london import london_date
from referrals.models import (
    Assessment,
    CarePlan,
    Contact,
    HospitalStay,
    Intervention,
    OutcomeMeasure,
    Referral,
    ReferralMilestones,
)
from referrals.selectors import (
    MEANINGFUL_ASSESSMENT_FROM,
    SPELL_JOIN_DAYS,
    SpellMember,
    clock_stop_assessment,
    clock_stop_intervention,
    spells_of,
)

from .periods import MeasurePeriod
from .queries import (
    adult_when_received,
    community_excluded_because,
    earliest,
    has_hospital_stay,
    on_postgresql,
)
from .result import MeasureResult, MeasureRow
from .teams import (
    community_ctes_sql,
    community_received_days,
    community_referrals_sql,
    open_community_sql,
    referred_to,
    with_part_end,
)

CODE = "referral_spell"
WITHIN_DAYS = 28  # Time_to_clock_stop <= 28 (4w_waits_prep.py L567)
# MRS02 bands (4w_waits_prep.py L559): cumulative, a spell waiting 600 days is in the first two.
WAITING_OVER_DAYS = (364, 546, 728)

CONTACT = "first attended direct contact"
OUTCOME = "baseline outcome measure"
ASSESSMENT = "coded assessment"
CARE_PLAN = "care plan"
INTERVENTION = "coded intervention"


# What the quarter shows of a spell, or of an out-of-scope referral open in the quarter:
# (excluded, referral ids in received order, person, first day (UK date), clock stop (UK date) if
# it fell in the quarter else None, what stopped it, 18 or over when received (None: no date of
# birth), hospital stay linked). A spell
# with no stop in the quarter was open at its end without a stop by then; the last two are the
# out-of-scope referral's, from which the reason is worked out.
_Shown = tuple[bool, tuple[int, ...], int, date, date | None, str, bool | None, bool]


def referral_spell(period: MeasurePeriod) -> MeasureResult:
    shown = _spells_postgresql(period) if on_postgresql() else _spells_portable(period)
    rows: list[MeasureRow] = []
    counted = met = waiting = 0
    over = dict.fromkeys(WAITING_OVER_DAYS, 0)
    last_day = period.last_day
    for excluded, ids, person_id, start, stop, stopped_by, adult, hospital_stay in shown:
        if excluded:
            reason = community_excluded_because(adult=adult, hospital_stay=hospital_stay)
            rows.append(MeasureRow(ids, person_id, False, reason, start))
        elif stop is not None and stop <= last_day:  # the clock stopped in the quarter
            days = (stop - start).days
            within = days <= WITHIN_DAYS
            counted += 1
            met += within
            rows.append(MeasureRow(ids, person_id, True, "", start, stop, stopped_by, days, None, within))
        else:
            # Open at the quarter's end without a clock stop by then: still waiting (MRS02).
            days = (last_day - start).days
            beyond = [limit for limit in WAITING_OVER_DAYS if days > limit]
            for limit in beyond:
                over[limit] += 1
            waiting += 1
            band = f"over {beyond[-1]} days" if beyond else f"up to {WAITING_OVER_DAYS[0]} days"
            rows.append(MeasureRow(ids, person_id, True, "", start, None, "", days, None, None, True, band))
    return MeasureResult(
        code=CODE,
        period=period,
        numerator=met,
        denominator=counted,
        still_waiting=waiting,
        still_waiting_bands={f"over {days} days": count for days, count in over.items()},
        rows=rows,
    )


def referral_spell_figures(period: MeasurePeriod) -> MeasureResult:
    """The figures of ``referral_spell`` without its rows (the figures API, the national page):
    on PostgreSQL the same statement counts them itself, so no row leaves the database."""
    if not on_postgresql():
        return replace(referral_spell(period), rows=[])
    sql, params = _spells_sql(period, final=_FIGURES, alone_from_referral=True)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        met, counted, waiting, *over = cursor.fetchone()
    return MeasureResult(
        code=CODE,
        period=period,
        numerator=met,
        denominator=counted,
        still_waiting=waiting,
        still_waiting_bands={f"over {days} days": count for days, count in zip(WAITING_OVER_DAYS, over, strict=True)},
    )


# --- PostgreSQL: one statement does the spells -----------------------------------------------


# What the quarter shows, row by row (``referral_spell``); an out-of-scope referral's date of
# birth says why it is out.
_ROWS = """
        SELECT false, s.ids[1], CASE WHEN cardinality(s.ids) > 1 THEN s.ids END, s.person_id, s.start_day, s.stop_day,
               CASE WHEN s.stop_at IS NULL THEN ''
                    WHEN s.stop_at = s.contact THEN %(contact)s
                    WHEN s.stop_at = s.outcome THEN %(outcome)s
                    WHEN s.needs_assessment AND s.stop_at = s.assessment THEN %(assessment)s
                    WHEN s.by_care_plan THEN %(care_plan)s ELSE %(intervention)s END,
               NULL::boolean, false, NULL::timestamptz
        FROM shown s
        -- The quarter counts a spell whose clock stopped in it (a UK date from its first day to its
        -- last: an instant from its start to its end), and finds waiting one open at its end
        -- without a stop by then (MRS02). Instants, not dates: no time zone worked out per spell.
        WHERE (s.stop_at >= %(start)s AND s.stop_at < %(end)s)
           OR (s.open_at_end AND (s.stop_at IS NULL OR s.stop_at >= %(end)s))
        UNION ALL
        SELECT true, s.id, NULL, s.person_id, s.received_day, NULL, '', s.adult_when_received, s.hospital_stay,
               s.received_at
        FROM member s
        WHERE NOT s.in_scope AND (s.ended_at IS NULL OR s.ended_at >= %(start)s)
        -- Out-of-scope referrals first, by person and received; then spells by person, in order.
        ORDER BY 1 DESC, 4, 10, 5, 2
"""

# The figures alone (``referral_spell_figures``), counted as ``referral_spell`` counts its rows.
_FIGURES = f"""
        SELECT count(*) FILTER (WHERE s.counted AND s.stop_day - s.start_day <= {WITHIN_DAYS}),
               count(*) FILTER (WHERE s.counted),
               count(*) FILTER (WHERE s.waiting),
               {", ".join(f"count(*) FILTER (WHERE s.waiting AND %(last_day)s - s.start_day > {days})" for days in WAITING_OVER_DAYS)}
        FROM (
            SELECT s.start_day, s.stop_day, (s.stop_at >= %(start)s AND s.stop_at < %(end)s) IS TRUE AS counted,
                   (s.open_at_end AND (s.stop_at IS NULL OR s.stop_at >= %(end)s)) IS TRUE AS waiting
            FROM shown s
        ) s
"""


def _spells_sql(
    period: MeasurePeriod, *, final: str, alone_from_referral: bool
) -> tuple[str, dict[str, datetime | date | str | list[date]]]:
    """The statement: the spells the quarter looks at (``shown``), then ``final`` over them.

    ``alone_from_referral``: a person with no other referral is read once, straight from the
    quarter's referrals, with their spell's clock stop kept on the referral
    (``Referral.own_spell_stop_at``, kept with its milestones); only the people with others go
    through the spells. The figures need only the start, the stop and whether the spell is open,
    and most people have one referral (``shown`` then holds just those). The rows name what
    stopped each clock, so they read the milestones of every referral."""
    uk = "AT TIME ZONE 'Europe/London'"

    def before_end(column: str) -> str:
        # Only events before the quarter's end can stop a clock the quarter shows.
        return f"CASE WHEN m.{column} < %(end)s THEN m.{column} END"

    kept = (
        "r.id, r.person_id, r.received_at, r.received_on, r.adult_when_received,"
        " r.person_has_other_referrals AS others, r.own_spell_stop_at AS own_stop, {ended_at} AS ended_at"
    )
    components = ", ".join(
        f"{before_end(column)} AS {name}"
        for column, name in (
            ("first_counting_contact_at", "contact"),
            ("first_coded_outcome_at", "outcome"),
            ("first_coded_assessment_at", "assessment"),
            ("first_care_plan_at", "care_plan"),
            ("first_coded_intervention_at", "intervention"),
        )
    )
    milestones, hospital_stays = ReferralMilestones._meta.db_table, HospitalStay._meta.db_table
    referral_columns = (
        "r.id, r.person_id, r.received_at, r.ended_at, r.received_on AS received_day, r.adult_when_received,"
        f" r.id IN (SELECT h.referral_id FROM {hospital_stays} h) AS hospital_stay"
    )
    if alone_from_referral:
        # Only the people with others go through the spells below, from their milestones; a person
        # with no other referral has a spell of that referral alone, its clock stop kept on it
        # (the quarter's end is applied where it is read), and is read once from ``in_quarter``
        # (``alone``, in ``shown``): at a million referrals that is seven people in eight.
        alone_in_community = ""
        shown_sql = f"""
            SELECT s.start_day, s.open_at_end, s.stop_at, (s.stop_at {uk})::date AS stop_day FROM stopped s
            UNION ALL
            -- A person's only referral, in scope (as ``member``): a spell of its own (as ``spell``).
            SELECT a.received_on, a.ended_at IS NULL OR a.ended_at >= %(end)s, a.own_stop, (a.own_stop {uk})::date
            FROM in_quarter a
            WHERE NOT a.others AND a.adult_when_received
              AND NOT EXISTS (SELECT 1 FROM {hospital_stays} h WHERE h.referral_id = a.id)"""
    else:
        alone_in_community = "SELECT q.* FROM in_quarter q WHERE NOT q.others UNION ALL"
        shown_sql = f"SELECT s.*, (s.stop_at {uk})::date AS stop_day FROM stopped s"
    referral_sql = f"""
            SELECT {referral_columns}, NULL::timestamptz AS own_stop, {components}
            FROM community r LEFT JOIN {milestones} m ON m.referral_id = r.id"""

    # Every referral of a person with more than one is marked so (referrals.services.measure_scope),
    # and referral_others_idx holds those by person: only theirs are looked up.
    others_referrals = community_referrals_sql(
        columns=kept,
        where="r.person_has_other_referrals AND r.person_id IN (SELECT q.person_id FROM in_quarter q WHERE q.others)",
    )
    sql = f"""
        WITH {community_ctes_sql()}, in_quarter AS MATERIALIZED (
            -- Community referrals open in the quarter (an open one runs to the end of the period:
            -- 4w_waits_prep.py L144-L147). A referral counts under every team it was referred to
            -- (L162, L170; 00_generic_prep.py L363-L403): one with a community team among them by
            -- the quarter's end, its part with them ending as it did (reporting.measures.teams).
            -- Read from the index alone: open now, or ended after the quarter started (open_community_sql).
            SELECT q.* FROM ({open_community_sql(columns=kept, since="%(start)s")}) q
            WHERE q.ended_at IS NULL OR q.ended_at >= %(start)s
        ), community AS (
            -- A person's only referral is their spell's only referral; the people with others
            -- bring all their community referrals received by the quarter's end.
            {alone_in_community}
            SELECT q.* FROM ({others_referrals}) q
        ), referral AS MATERIALIZED (
            -- Each referral's earliest event of each clock-stop component (L495-L511), kept as
            -- they were recorded ({milestones}), or the clock stop of a spell of it alone.
            {referral_sql}
        ), member AS MATERIALIZED (
            -- In scope (L166-L174): 18 or over on the received date (AgeServReferRecDate >= 18,
            -- L169; no date of birth is not), and no hospital stay linked to the referral.
            SELECT r.*, COALESCE(r.adult_when_received, false) AND NOT r.hospital_stay AS in_scope
            FROM referral r
        ), several AS (
            -- People with more than one referral in scope: only theirs need joining into spells.
            SELECT m.person_id FROM member m WHERE m.in_scope GROUP BY m.person_id HAVING count(*) > 1
        ), joined AS (
            -- Spells (L186-L253): in received order, a referral starts a new spell when it is
            -- received more than {SPELL_JOIN_DAYS} days after the latest end so far (an open one never
            -- ends). A referral ends on or after its received date, so the latest end of the
            -- person's earlier referrals is the latest end of the spell so far.
            SELECT m.*, max(COALESCE(m.ended_day, 'infinity'::date)) OVER (
                       PARTITION BY m.person_id ORDER BY m.received_day, m.id
                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS ended_before
            FROM (
                -- Each referral's end as a UK date, NULL while open at the quarter's end (L144-L147).
                SELECT m.*, CASE WHEN m.ended_at < %(end)s THEN (m.ended_at {uk})::date END AS ended_day
                FROM member m WHERE m.in_scope AND m.person_id IN (SELECT person_id FROM several)
            ) m
        ), numbered AS (
            SELECT j.*, count(*) FILTER (WHERE j.ended_before IS NULL OR j.received_day > j.ended_before + {
        SPELL_JOIN_DAYS
    })
                       OVER (PARTITION BY j.person_id ORDER BY j.received_day, j.id ROWS UNBOUNDED PRECEDING) AS spell
            FROM joined j
        ), spell AS (
            -- Each component's earliest event in the spell (L495-L511).
            SELECT n.person_id, array_agg(n.id ORDER BY n.received_day, n.id) AS ids,
                   min(n.received_day) AS start_day, bool_or(n.ended_day IS NULL) AS open_at_end,
                   NULL::timestamptz AS own_stop,
                   min(n.contact) AS contact, min(n.outcome) AS outcome, min(n.assessment) AS assessment,
                   min(n.care_plan) AS care_plan, min(n.intervention) AS intervention
            FROM numbered n GROUP BY n.person_id, n.spell
            UNION ALL
            -- A person's only referral in scope is a spell of its own.
            SELECT m.person_id, ARRAY[m.id], m.received_day, m.ended_at IS NULL OR m.ended_at >= %(end)s,
                   m.own_stop, m.contact, m.outcome, m.assessment, m.care_plan, m.intervention
            FROM member m
            WHERE m.in_scope AND m.person_id NOT IN (SELECT person_id FROM several)
        ), part AS (
            SELECT s.*,
                   -- A coded assessment counts for spells from April 2024, or with a first
                   -- contact from then (L502-L509; L309-L343).
                   (s.start_day >= %(assessment_from)s OR (s.contact {uk})::date >= %(assessment_from)s) IS TRUE
                       AS needs_assessment,
                   -- A care plan, or else a coded intervention: whichever came first.
                   (s.care_plan IS NOT NULL AND (s.intervention IS NULL OR s.care_plan <= s.intervention))
                       AS by_care_plan
            FROM spell s
        ), stopped AS (
            -- The clock stops at the latest of the components, all needed; on a tie the first
            -- named (contact, outcome, assessment, care plan or intervention) says what stopped it.
            SELECT p.*, CASE WHEN p.own_stop IS NOT NULL THEN p.own_stop
                             WHEN p.contact IS NOT NULL AND p.outcome IS NOT NULL
                                  AND (NOT p.needs_assessment OR p.assessment IS NOT NULL)
                                  AND (p.care_plan IS NOT NULL OR p.intervention IS NOT NULL)
                             THEN GREATEST(p.contact, p.outcome, CASE WHEN p.needs_assessment THEN p.assessment END,
                                           CASE WHEN p.by_care_plan THEN p.care_plan ELSE p.intervention END)
                        END AS stop_at
            FROM part p
        ), shown AS (
            {shown_sql}
        )
        {final}
    """
    params: dict[str, datetime | date | str | list[date]] = {
        "start": period.start,
        "end": period.end,
        "received_days": community_received_days(period.end),
        "first_day": period.first_day,
        "last_day": period.last_day,
        "assessment_from": MEANINGFUL_ASSESSMENT_FROM,
        "contact": CONTACT,
        "outcome": OUTCOME,
        "assessment": ASSESSMENT,
        "care_plan": CARE_PLAN,
        "intervention": INTERVENTION,
    }
    return sql, params


def _spells_postgresql(period: MeasurePeriod) -> Iterator[_Shown]:
    sql, params = _spells_sql(period, final=_ROWS, alone_from_referral=False)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        # A spell of one referral (most) comes back as its id alone, a longer one with all its ids.
        for excluded, first, ids, person_id, start, stop, stopped_by, adult, hospital_stay, _ in cursor.fetchall():
            yield (
                excluded,
                (first,) if ids is None else tuple(ids),
                person_id,
                start,
                stop,
                stopped_by,
                adult,
                hospital_stay,
            )


# --- Other databases: the ORM reads the referrals, Python joins the spells ----------------


@dataclass
class _Referral:
    pk: int
    person_id: int
    received_at: datetime
    ended_at: datetime | None
    events: dict[str, datetime | None]


def _spells_portable(period: MeasurePeriod) -> Iterator[_Shown]:
    """The out-of-scope referrals open in the quarter, then the spells it shows, in the order
    the PostgreSQL statement gives them (people in id order, spells in received order)."""
    start, end = period.start, period.end
    # Every team referred to by the quarter's end counts, the part with them ending as it did (teams.py).
    community = with_part_end(
        Referral.objects.filter(referred_to(COMMUNITY_TEAM_TYPES, by=end), received_at__lt=end),
        COMMUNITY_TEAM_TYPES,
        by=end,
    )
    people = community.filter(Q(part_ended_at__isnull=True) | Q(part_ended_at__gte=start)).values("person_id")
    referrals = (
        community.filter(person_id__in=people)
        .annotate(
            hospital_stay=has_hospital_stay(),
            first_contact=earliest(
                Contact.objects.filter(attendance__in=ATTENDED, consultation_mechanism__in=DIRECT_MECHANISMS),
                "occurred_at",
            ),
            first_outcome=earliest(
                OutcomeMeasure.objects.filter(tool_code__in=list(OUTCOME_TOOL_BY_CODE)), "recorded_at"
            ),
            first_assessment=earliest(Assessment.objects.filter(clock_stop_assessment()), "completed_at"),
            first_care_plan=earliest(CarePlan.objects.all(), "agreed_at"),
            first_intervention=earliest(Intervention.objects.filter(clock_stop_intervention()), "started_at"),
        )
        .order_by("person_id", "received_at", "pk")
        .values(
            "pk",
            "person_id",
            "received_at",
            "part_ended_at",
            "person__birth_date",
            "hospital_stay",
            "first_contact",
            "first_outcome",
            "first_assessment",
            "first_care_plan",
            "first_intervention",
        )
    )
    by_person: dict[int, list[_Referral]] = {}
    for referral in referrals:
        received = london_date(referral["received_at"])
        adult = adult_when_received(referral["person__birth_date"], received)
        excluded = community_excluded_because(adult=adult, hospital_stay=referral["hospital_stay"])
        if excluded:
            ended = referral["part_ended_at"]
            if ended is None or ended >= start:  # only the ones the quarter could have counted
                yield (
                    True,
                    (referral["pk"],),
                    referral["person_id"],
                    received,
                    None,
                    "",
                    adult,
                    referral["hospital_stay"],
                )
            continue
        by_person.setdefault(referral["person_id"], []).append(
            _Referral(
                referral["pk"],
                referral["person_id"],
                referral["received_at"],
                referral["part_ended_at"],
                {
                    CONTACT: referral["first_contact"],
                    OUTCOME: referral["first_outcome"],
                    ASSESSMENT: referral["first_assessment"],
                    CARE_PLAN: referral["first_care_plan"],
                    INTERVENTION: referral["first_intervention"],
                },
            )
        )
    for person_referrals in by_person.values():
        for spell in _spells(person_referrals, end=end):
            shown = _spell_shown(spell, period=period)
            if shown is not None:
                yield shown


def _spells(referrals: list[_Referral], *, end: datetime) -> list[list[_Referral]]:
    """The person's in-scope referrals joined into spells; a referral ending after the period runs
    to its end (it is open then: L144-L147)."""
    by_pk = {r.pk: r for r in referrals}
    members = [
        SpellMember(
            r.pk,
            london_date(r.received_at),
            london_date(r.ended_at) if r.ended_at is not None and r.ended_at < end else None,
        )
        for r in referrals
    ]
    return [[by_pk[m.pk] for m in spell] for spell in spells_of(members)]


def _earliest_in(spell: list[_Referral], component: str) -> datetime | None:
    return min((at for r in spell if (at := r.events[component]) is not None), default=None)


def _spell_shown(spell: list[_Referral], *, period: MeasurePeriod) -> _Shown | None:
    """The spell as the quarter shows it if it counts it (clock stop in the quarter) or it was
    still waiting at the quarter's end; None otherwise (stopped before, or ended without a stop)."""
    spell_start = min(london_date(r.received_at) for r in spell)
    is_open = any(r.ended_at is None or r.ended_at >= period.end for r in spell)
    contact = _earliest_in(spell, CONTACT)
    parts: dict[str, datetime | None] = {CONTACT: contact, OUTCOME: _earliest_in(spell, OUTCOME)}
    # A coded assessment counts towards spells from April 2024, or with a first contact from then.
    if spell_start >= MEANINGFUL_ASSESSMENT_FROM or (
        contact is not None and london_date(contact) >= MEANINGFUL_ASSESSMENT_FROM
    ):
        parts[ASSESSMENT] = _earliest_in(spell, ASSESSMENT)
    plan, intervention = _earliest_in(spell, CARE_PLAN), _earliest_in(spell, INTERVENTION)
    if plan is not None and (intervention is None or plan <= intervention):
        parts[CARE_PLAN] = plan
    else:
        parts[INTERVENTION] = intervention
    ids = tuple(r.pk for r in spell)
    person_id = spell[0].person_id
    stop: date | None = None
    stopped_by = ""
    if all(at is not None for at in parts.values()):
        # Dates only: the latest date; of events on that date, the last to happen names the stop.
        stopped_by, at = max(((name, at) for name, at in parts.items() if at is not None), key=lambda p: p[1])
        stop = london_date(at)
    if stop is not None and period.first_day <= stop <= period.last_day:
        return False, ids, person_id, spell_start, stop, stopped_by, None, False
    if is_open and (stop is None or stop > period.last_day):
        return False, ids, person_id, spell_start, None, "", None, False
    return None
