"""Reads for referrals and clocks that do not depend on who is asking.

Who may see which record is decided in ``access.selectors``; the functions here are the
referral domain's own queries (the clock policy for a team, which clocks are breached, the
person's consent decision in force), used by services, pages and the access rules alike.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Exists, Min, OuterRef, Q, QuerySet

from codes.mhsds import ATTENDED, COMMUNITY_TEAM_TYPES, CRISIS_TEAM_TYPES, DIRECT_MECHANISMS, LIAISON_TEAM_TYPES
from codes.selectors import coded, coded_sql
from codes.snomed import (
    ASSESSMENT,
    EXCLUDED_FROM_CLOCK_STOP,
    INTERVENTION_LISTS,
    OUTCOME_TOOL_BY_CODE,
)
from common.london import london_date
from common.raw import as_field, rows
from localities.models import Team
from referrals.models import (
    Alert,
    Assessment,
    CarePlan,
    Clock,
    ClockPolicy,
    Contact,
    Intervention,
    InterventionWaitTarget,
    OutcomeMeasure,
    Person,
    Referral,
    ResponseTarget,
    SharingConsent,
    SweepStatus,
)
from referrals.models.clock import LATE, OPEN_UNPAUSED
from referrals.models.intervention_wait import default_wait_target


def policy_for_team(team: Team | None) -> ClockPolicy:
    """The team's own clock policy, else the default one."""
    # One query: the team's own policy sorts before the default (is_default false first).
    either = Q(is_default=True) if team is None else Q(team=team) | Q(is_default=True)
    default = ClockPolicy.objects.filter(either).order_by("is_default", "pk").first()
    if default is None:
        raise ClockPolicy.DoesNotExist("No default clock policy is configured: add one in the admin.")
    return default


# The clock policies a team's referral may follow (its own, the default), each with its
# first-response target for one urgency. Written out, not composed as a queryset: intake runs it
# for every referral, and the ORM took longer to write this join (a FilteredRelation) than
# PostgreSQL took to run it (about a tenth of an intake's CPU under load, issue 17).
_POLICIES_WITH_TARGET_SQL = f"""
    SELECT policy.*, target.id AS target_id, target.target AS target_within,
           target.escalation_after AS target_escalation,
           target.second_escalation_after AS target_second_escalation
    FROM {ClockPolicy._meta.db_table} AS policy
    LEFT JOIN {ResponseTarget._meta.db_table} AS target
        ON target.policy_id = policy.id AND target.urgency = %s
    WHERE policy.is_default OR policy.team_id = %s
    ORDER BY policy.is_default, policy.id
"""


def policy_and_response_target(team: Team | None, urgency: str) -> tuple[ClockPolicy, ResponseTarget | None]:
    """``policy_for_team`` with its first-response target for this urgency (a team policy without
    one falls back to the default policy's; None when neither has one), in one query: intake
    starts a referral's clocks thousands of times an hour (issue 17)."""
    # The policies, each with its target's columns (None when it has none).
    policies: list[Any] = rows(ClockPolicy, _POLICIES_WITH_TARGET_SQL, [urgency, team.pk if team is not None else None])
    if not policies:
        raise ClockPolicy.DoesNotExist("No default clock policy is configured: add one in the admin.")
    policy = policies[0]
    holder = next((row for row in (policy, *(r for r in policies if r.is_default)) if row.target_id is not None), None)
    if holder is None:
        return policy, None
    return policy, ResponseTarget(  # the target's columns converted as the ORM would (SQLite: microseconds)
        id=holder.target_id,
        policy=holder,
        urgency=urgency,
        target=as_field(ResponseTarget, "target", holder.target_within),
        escalation_after=as_field(ResponseTarget, "escalation_after", holder.target_escalation),
        second_escalation_after=as_field(ResponseTarget, "second_escalation_after", holder.target_second_escalation),
    )


def intervention_wait_target_for(team: Team | None, kind: str) -> InterventionWaitTarget:
    """The team's own target for this kind of intervention, else every team's, else (none
    configured) 18 weeks for a psychological therapy and 4 for anything else, unsaved
    (migration 0017 seeds those; docs/internal-waits.md)."""
    candidates = InterventionWaitTarget.objects.filter(Q(team=team) | Q(team__isnull=True), kind=kind)
    rows = {row.team_id: row for row in candidates}
    found = rows.get(team.pk if team is not None else None) or rows.get(None)
    return found or InterventionWaitTarget(kind=kind, target=default_wait_target(kind))


def referrals_with_breach(qs: QuerySet[Referral], *, now: datetime, breached: bool) -> QuerySet[Referral]:
    """``qs`` with (or without) a breached clock: one stopped or paused after its due time
    (``LATE``), or open, unpaused and past it at ``now``; asked as two questions, each answered
    from its own small index (clock_late_idx, clock_open_unpaused_idx): one EXISTS over
    the whole condition read every clock of each referral from the table (issue 17)."""
    clocks = Clock.objects.filter(referral_id=OuterRef("pk"))
    breach = Q(Exists(clocks.filter(LATE))) | Q(Exists(clocks.filter(OPEN_UNPAUSED, due_at__lt=now)))
    return qs.filter(breach) if breached else qs.exclude(breach)


def consent_in_force(person: Person) -> SharingConsent | None:
    """The person's latest decision about sharing (a new one supersedes the last; 2 queries)."""
    return (
        SharingConsent.objects.select_related("recorded_by__organisation", "withdrawn_by")
        .prefetch_related("organisations")
        .filter(person=person)
        .order_by("-recorded_at", "-id")
        .first()
    )


# --- The referral spell (4w_waits_prep.py, docs/measures.md) ------------------------------------

# Referrals join a spell when the next is received no more than 5 days after the previous ends
# (DATE_ADD(Der_EndDate, 5), L206-L207): 5 days joins, 6 starts a new spell.
SPELL_JOIN_DAYS = 5
# A coded assessment is part of the clock stop for spells from April 2024 (L495-L509).
MEANINGFUL_ASSESSMENT_FROM = date(2024, 4, 1)
# The shipped members only; with the members a trust loaded from its release, filter with
# clock_stop_assessment() and clock_stop_intervention() (or their *_sql() for raw SQL).
ASSESSMENT_CODES = frozenset(c.code for c in ASSESSMENT.codes) - EXCLUDED_FROM_CLOCK_STOP
INTERVENTION_CODES = frozenset(c.code for lst in INTERVENTION_LISTS for c in lst.codes) - EXCLUDED_FROM_CLOCK_STOP


def clock_stop_assessment(field: str = "code") -> Q:
    """An assessment coded from the assessment reference set, shipped or loaded (a member since
    inactivated still counts for a record made before), and not an activity that never stops a
    clock (L309-L343, L339-L340); joined in SQL."""
    return coded(field, ASSESSMENT) & ~Q(**{f"{field}__in": sorted(EXCLUDED_FROM_CLOCK_STOP)})


def clock_stop_intervention(field: str = "code") -> Q:
    """An intervention coded from the psychological therapy, psychosocial or medication sets,
    shipped or loaded, less the activities that never stop a clock (L286-L343)."""
    return coded(field, *INTERVENTION_LISTS) & ~Q(**{f"{field}__in": sorted(EXCLUDED_FROM_CLOCK_STOP)})


def clock_stop_assessment_sql(column: str) -> str:
    """``clock_stop_assessment`` for a raw SQL query, e.g. ``clock_stop_assessment_sql("e.code")``."""
    return coded_sql(column, ASSESSMENT, excluding=EXCLUDED_FROM_CLOCK_STOP)


def clock_stop_intervention_sql(column: str) -> str:
    """``clock_stop_intervention`` for a raw SQL query."""
    return coded_sql(column, *INTERVENTION_LISTS, excluding=EXCLUDED_FROM_CLOCK_STOP)


def responds_face_to_face(team: Team | None) -> bool:
    """Crisis and liaison team types answer face to face (uec_prep.py L55, L102, L180)."""
    return team is not None and team.mhsds_team_type in CRISIS_TEAM_TYPES | LIAISON_TEAM_TYPES


@dataclass(frozen=True)
class SpellMember:
    pk: int
    received: date
    ended: date | None


def spells_of(members: list[SpellMember]) -> list[list[SpellMember]]:
    """One person's referrals, joined into spells: in received order, a referral joins the spell
    so far when it is received on or before the spell's latest end plus 5 days (whole London
    dates); an open referral keeps its spell open."""
    spells: list[list[SpellMember]] = []
    spell_end: date | None = None
    for member in sorted(members, key=lambda m: (m.received, m.pk)):
        joins = spells and (spell_end is None or member.received <= spell_end + timedelta(days=SPELL_JOIN_DAYS))
        if joins:
            spells[-1].append(member)
            spell_end = None if spell_end is None or member.ended is None else max(spell_end, member.ended)
        else:
            spells.append([member])
            spell_end = member.ended
    return spells


def referral_spell_ids(referral: Referral) -> list[int]:
    """The ids of the referrals in this referral's spell: the person's referrals to community
    team types joined as NHS England joins them. Outside a community team, the referral alone."""
    team_type = referral.team.mhsds_team_type if referral.team is not None else ""
    if team_type not in COMMUNITY_TEAM_TYPES:
        return [referral.pk]
    rows = Referral.objects.filter(
        person_id=referral.person_id, team__mhsds_team_type__in=COMMUNITY_TEAM_TYPES
    ).values_list("pk", "received_at", "ended_at")
    members = [SpellMember(pk, london_date(r), london_date(e) if e else None) for pk, r, e in rows]
    for spell in spells_of(members):
        if any(m.pk == referral.pk for m in spell):
            return [m.pk for m in spell]
    return [referral.pk]


def referral_spell_clock_stop(referral: Referral) -> datetime | None:
    """When the spell's clock stops: the latest of its first attended direct contact, a
    baseline outcome with a coded tool, a coded assessment (spells from April 2024) and an
    agreed care plan or coded intervention, each the earliest in the spell; None until all are
    there (L495-L511)."""
    ids = referral_spell_ids(referral)
    start = Referral.objects.filter(pk__in=ids).aggregate(start=Min("received_at"))["start"]
    contact = Contact.objects.filter(
        referral_id__in=ids,
        attendance__in=ATTENDED,
        consultation_mechanism__in=DIRECT_MECHANISMS,
        occurred_at__gte=start,
    ).aggregate(at=Min("occurred_at"))["at"]
    baseline = OutcomeMeasure.objects.filter(
        referral_id__in=ids, tool_code__in=list(OUTCOME_TOOL_BY_CODE), recorded_at__gte=start
    ).aggregate(at=Min("recorded_at"))["at"]
    assessment = Assessment.objects.filter(
        clock_stop_assessment(), referral_id__in=ids, completed_at__gte=start
    ).aggregate(at=Min("completed_at"))["at"]
    plan = CarePlan.objects.filter(referral_id__in=ids, agreed_at__gte=start).aggregate(at=Min("agreed_at"))["at"]
    intervention = Intervention.objects.filter(
        clock_stop_intervention(), referral_id__in=ids, started_at__gte=start
    ).aggregate(at=Min("started_at"))["at"]
    plan_or_intervention = min((at for at in (plan, intervention) if at is not None), default=None)
    needs_assessment = london_date(start) >= MEANINGFUL_ASSESSMENT_FROM or (
        contact is not None and london_date(contact) >= MEANINGFUL_ASSESSMENT_FROM
    )
    parts = [contact, baseline, plan_or_intervention] + ([assessment] if needs_assessment else [])
    present: list[datetime] = [at for at in parts if at is not None]
    return max(present) if len(present) == len(parts) else None


# --- Is the sweep running, and are alerts leaving? (/healthz, /metrics, the inbox warning) -------


def alerts_deliverable(*, now: datetime) -> QuerySet[Alert]:
    """Unsent alerts nobody holds a live lease on: new ones, and those whose sender died or backed off."""
    return Alert.objects.filter(sent_at__isnull=True).filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))


@dataclass(frozen=True)
class SweepHealth:
    last_finished_at: datetime | None
    stale: bool  # no sweep for longer than CLOCK_SWEEP_STALE_AFTER: is Celery beat running?
    lag_seconds: float  # how long the oldest due clock has waited for a sweep (0 when none is due)
    deliverable: int  # alerts waiting for a sender
    oldest_unsent_at: datetime | None  # when the oldest unsent alert was raised


def sweep_health(*, now: datetime) -> SweepHealth:
    """What /healthz and /metrics report about the sweep and delivery (four indexed queries)."""
    status = SweepStatus.objects.filter(pk=1).first()
    last = status.finished_at if status is not None else None
    oldest_due = Clock.all_kinds.filter(next_check_at__isnull=False, next_check_at__lte=now).aggregate(
        at=Min("next_check_at")
    )["at"]
    oldest_unsent = Alert.objects.filter(sent_at__isnull=True).aggregate(at=Min("created_at"))["at"]
    return SweepHealth(
        last_finished_at=last,
        stale=last is not None and now - last > settings.CLOCK_SWEEP_STALE_AFTER,
        lag_seconds=max((now - oldest_due).total_seconds(), 0) if oldest_due is not None else 0.0,
        deliverable=alerts_deliverable(now=now).count(),
        oldest_unsent_at=oldest_unsent,
    )


def sweep_stopped_since(*, now: datetime) -> datetime | None:
    """When the last sweep finished, if that is longer ago than CLOCK_SWEEP_STALE_AFTER; else None.

    One query, for the alerts inbox's warning on every page load."""
    return (
        SweepStatus.objects.filter(pk=1, finished_at__lt=now - settings.CLOCK_SWEEP_STALE_AFTER)
        .values_list("finished_at", flat=True)
        .first()
    )


# --- Open referrals (intake's "Open with <team> since <date>") ------------------------------------


def open_referrals_of(people: Iterable[Person]) -> QuerySet[Referral]:
    """These people's open referrals (discharged and closed ones have ended), oldest first, with
    their team. Not limited to what the user can see: intake flags referrals held by other teams."""
    return (
        Referral.objects.filter(person__in=people, ended_at__isnull=True).select_related("team").order_by("received_at")
    )
