"""Referral spells with a full clock stop within 4 weeks: MRS01 / MRS01a (rate MRS01b), and
MRS02 still waiting (4w_waits_prep.py, measure_metadata.py; docs/measures.md).

In-scope referrals (adults on the received date, core community team types, no hospital stay)
join into spells per person by ``referrals.selectors.spells_of`` (the 5-day rule, UK dates).
A spell's clock stops on the latest of four dates, each the earliest in the spell: the first
attended direct contact, a baseline outcome with a coded tool, a coded assessment (spells from
April 2024), and an agreed care plan or a coded intervention. Counted over the quarter ending
with the chosen month: spells whose clock stop falls in it; met when 28 days or fewer.

Queries: one for the people with a community referral open in the quarter, one for all of
their community referrals with each referral's earliest event per component.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Q

from codes.mhsds import ATTENDED, COMMUNITY_TEAM_TYPES, DIRECT_MECHANISMS
from codes.snomed import OUTCOME_TOOL_BY_CODE
from common.london import london_date
from referrals.models import Assessment, CarePlan, Contact, Intervention, OutcomeMeasure, Referral
from referrals.selectors import (
    ASSESSMENT_CODES,
    INTERVENTION_CODES,
    MEANINGFUL_ASSESSMENT_FROM,
    SpellMember,
    spells_of,
)

from .periods import MeasurePeriod
from .queries import community_excluded_because, earliest, has_hospital_stay
from .result import MeasureResult, MeasureRow

CODE = "referral_spell"
WITHIN_DAYS = 28  # Time_to_clock_stop <= 28 (4w_waits_prep.py L567)
# MRS02 bands (4w_waits_prep.py L559): cumulative, a spell waiting 600 days is in the first two.
WAITING_OVER_DAYS = (364, 546, 728)

CONTACT = "first attended direct contact"
OUTCOME = "baseline outcome measure"
ASSESSMENT = "coded assessment"
CARE_PLAN = "care plan"
INTERVENTION = "coded intervention"


@dataclass
class _Referral:
    pk: int
    person_id: int
    received_at: datetime
    ended_at: datetime | None
    events: dict[str, datetime | None]


def referral_spell(period: MeasurePeriod) -> MeasureResult:
    start, end = period.start, period.end
    community = Referral.objects.filter(team__mhsds_team_type__in=COMMUNITY_TEAM_TYPES, received_at__lt=end)
    people = community.filter(Q(ended_at__isnull=True) | Q(ended_at__gte=start)).values("person_id")
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
            first_assessment=earliest(Assessment.objects.filter(code__in=ASSESSMENT_CODES), "completed_at"),
            first_care_plan=earliest(CarePlan.objects.all(), "agreed_at"),
            first_intervention=earliest(Intervention.objects.filter(code__in=INTERVENTION_CODES), "started_at"),
        )
        .order_by("person_id", "received_at", "pk")
        .values(
            "pk",
            "person_id",
            "received_at",
            "ended_at",
            "person__birth_date",
            "hospital_stay",
            "first_contact",
            "first_outcome",
            "first_assessment",
            "first_care_plan",
            "first_intervention",
        )
    )
    rows: list[MeasureRow] = []
    by_person: dict[int, list[_Referral]] = {}
    for referral in referrals:
        received = london_date(referral["received_at"])
        excluded = community_excluded_because(
            birth_date=referral["person__birth_date"], received=received, hospital_stay=referral["hospital_stay"]
        )
        if excluded:
            ended = referral["ended_at"]
            if ended is None or ended >= start:  # only the ones the quarter could have counted
                rows.append(
                    MeasureRow(
                        (referral["pk"],),
                        referral["person_id"],
                        in_scope=False,
                        excluded_because=excluded,
                        clock_start=received,
                    )
                )
            continue
        by_person.setdefault(referral["person_id"], []).append(
            _Referral(
                referral["pk"],
                referral["person_id"],
                referral["received_at"],
                referral["ended_at"],
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
            row = _spell_row(spell, period=period)
            if row is not None:
                rows.append(row)
    counted = [row for row in rows if row.met is not None]
    waiting = [row for row in rows if row.still_waiting]
    return MeasureResult(
        code=CODE,
        period=period,
        numerator=sum(1 for row in counted if row.met),
        denominator=len(counted),
        still_waiting=len(waiting),
        still_waiting_bands={
            f"over {days} days": sum(1 for row in waiting if row.days is not None and row.days > days)
            for days in WAITING_OVER_DAYS
        },
        rows=rows,
    )


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


def _spell_row(spell: list[_Referral], *, period: MeasurePeriod) -> MeasureRow | None:
    """The spell's row if the quarter counts it (clock stop in the quarter) or it was still waiting
    at the quarter's end; None otherwise (stopped before, or ended without a stop)."""
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
        days = (stop - spell_start).days
        return MeasureRow(
            ids,
            person_id,
            in_scope=True,
            clock_start=spell_start,
            clock_stop=stop,
            stopped_by=stopped_by,
            days=days,
            met=days <= WITHIN_DAYS,
        )
    if is_open and (stop is None or stop > period.last_day):
        days = (period.last_day - spell_start).days
        over = [limit for limit in WAITING_OVER_DAYS if days > limit]
        return MeasureRow(
            ids,
            person_id,
            in_scope=True,
            clock_start=spell_start,
            days=days,
            still_waiting=True,
            waiting_band=f"over {over[-1]} days" if over else f"up to {WAITING_OVER_DAYS[0]} days",
            stopped_by="",
            excluded_because="",
            met=None,
        )
    return None
