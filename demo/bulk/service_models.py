"""The service models of issue 14 at bulk size: the pathway and who is on which tier, the roll-out,
internal waits for interventions, and groups with their registers.

Written after the referrals (``bulk_load``), reading back what they became, from the same seed:

* the complex emotional needs service's three-tier pathway and its go-live date in each
  locality, configured as the demo configures them (``demo.pathways.pathway_configure``);
* most people the service held entered on tier 1+ or 2 a few days after they arrived, some
  stepping up or down, some back to self-care, and everyone whose referral ended leaving then;
* one allocated referral in five offered a psychological therapy or peer support after it was
  allocated, with a long tail of waits (some past twice their target), a few withdrawn, each
  wait a clock (``Clock.Kind.INTERVENTION``) with the alerts a sweep that kept up would raise;
* the service's two groups and a carers' group for each locality team, with as many cohorts
  as their demand fills (up to one starting each day), weekly sessions, the registers of the
  past ones recorded (each attendance a group contact, except for carers) and waiting lists
  for the next cohort.

The rules of the services are kept: one open placement per person, a placement's tier empty
once left, an offer started or withdrawn but not both, a register only for a session that has
taken place, and nothing after a referral ended or after now. Group contacts come after a
referral's treatment started, so no clock's stop moves.
"""

import bisect
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Model

from common.london import london_date, london_instant
from demo.groups import ATTENDANCE_CODES, ATTENDANCE_WEIGHTS, CARERS_GROUP, CEN_GROUPS
from demo.pathways import REASONS, pathway_configure
from demo.waits import THERAPIES
from groupwork.models import Attendance, Cohort, Enrolment, Group, GroupSession
from pathways.models import Placement, Step, Tier
from referrals.models import (
    Alert,
    Allocation,
    Clock,
    Contact,
    Handoff,
    Intervention,
    InterventionOffer,
    InterventionWaitTarget,
    Person,
    Referral,
)
from referrals.models.intervention_wait import default_wait_target

from .pgcopy import CopyTable
from .plan import ClockPlan
from .rows import ALERT_COLUMNS, CLOCK_COLUMNS, CONTACT_COLUMNS, ClockRows
from .staff import BulkCast

DAY, HOUR, WEEK = timedelta(days=1), timedelta(hours=1), timedelta(weeks=1)
ENTERED = 0.85  # of the people the service holds, those entered on the pathway
OFFERED = 0.2  # of allocated referrals, those offered an intervention with a wait
WITHDRAWN = 0.05  # of offers, those withdrawn before they started
# How long a wait runs, as a multiple of its target: most within it, a long tail beyond.
WAIT_FACTORS = (((0.2, 0.8), 45), ((0.8, 1.2), 25), ((1.2, 2.0), 20), ((2.0, 4.0), 10))
CEN_THERAPIES = (
    (Intervention.Kind.DBT_SKILLS, "Dialectical behaviour therapy (DBT), hub"),
    (Intervention.Kind.STRUCTURED_CLINICAL_MANAGEMENT, "Structured clinical management"),
    (Intervention.Kind.TALKING_THERAPY, "Mentalisation-based therapy (MBT), hub"),
)
# Of the referrals a team has treated, the share that join each group.
GROUP_SHARE = {CEN_GROUPS[0].name: 0.35, CEN_GROUPS[1].name: 0.1, CARERS_GROUP.name: 0.03}
GROUP_FUTURE = 4 * WEEK  # cohorts are scheduled this far ahead
WAITING_SINCE = 8 * WEEK  # someone with no place joins the waiting list if they joined this recently


def _table(model: type[Model]) -> str:
    return model._meta.db_table


def _years(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


@dataclass
class _Cohort:
    pk: int
    starts_at: datetime  # its first session
    ends_at: datetime  # its last session
    sessions: list[tuple[int, datetime, bool]]  # (id, starts_at, register recorded)
    places: int


class ServiceModels:
    def __init__(self, cursor, *, bulk: BulkCast, now: datetime, seed: int, warning_fraction: float, alerts: bool):
        self.cursor, self.bulk, self.now = cursor, bulk, now
        self.rng = random.Random(f"{seed}-service-models")
        self.warning_fraction, self.alerts = warning_fraction, alerts
        self.by_team = {t.team.pk: t for t in bulk.teams}
        self.rows: dict[str, int] = {}

    def _count(self, *tables: CopyTable) -> None:
        for table in tables:
            table.close()
            self.rows[table.table] = self.rows.get(table.table, 0) + table.count

    def _between(self, low: timedelta, high: timedelta) -> timedelta:
        return low + (high - low) * self.rng.random()

    def _staff(self, team_pk: int) -> list[int]:
        team = self.by_team[team_pk]
        return team.holders or [team.manager.pk]

    # --- the pathway -------------------------------------------------------------

    def pathway(self) -> None:
        bulk = self.bulk
        assert bulk.cen is not None  # ``service_models_build`` runs only with hand-offs
        cen = bulk.teams[bulk.cen].team
        pathway, tiers = pathway_configure(cast=bulk.cast, now=self.now)
        self.cursor.execute(
            f"""SELECT r.id, r.person_id, r.ended_at, p.birth_date,
                       COALESCE((SELECT max(h.at) FROM {_table(Handoff)} h
                                 WHERE h.referral_id = r.id AND h.to_team_id = %s), r.received_at)
                FROM {_table(Referral)} r JOIN {_table(Person)} p ON p.id = r.person_id
                WHERE r.team_id = %s ORDER BY r.id""",
            [cen.pk, cen.pk],
        )
        held = self.cursor.fetchall()
        placements = CopyTable(
            self.cursor, Placement, ("person_id", "pathway_id", "referral_id", "tier_id", "entered_at", "left_at")
        )
        steps = CopyTable(
            self.cursor,
            Step,
            ("placement_id", "kind", "from_tier_id", "to_tier_id", "at", "by_id", "reason", "recorded_at"),
        )
        staff = self._staff(cen.pk)
        for referral_id, person_id, ended_at, born, arrived in held:
            rng = self.rng
            entered = arrived + self._between(2 * DAY, 21 * DAY)
            limit = ended_at or self.now
            if rng.random() >= ENTERED or entered >= limit or _years(born, london_date(entered)) < pathway.minimum_age:
                continue
            level = 0 if rng.random() < 0.65 else 1
            moves: list[tuple[str, int | None, int | None, datetime, str]] = [
                (Step.Kind.ENTER, None, level, entered, REASONS["enter" if level == 0 else "enter2"])
            ]
            at = entered
            for _ in range(rng.choice((0, 1, 1, 2))):
                at = at + (limit - at) * rng.uniform(0.2, 0.6)
                roll = rng.random()
                if level < len(tiers) - 1 and roll < 0.5:
                    moves.append((Step.Kind.STEP_UP, level, level + 1, at, REASONS["up"]))
                    level += 1
                elif level > 0 and roll < 0.8:
                    moves.append((Step.Kind.STEP_DOWN, level, level - 1, at, REASONS["down"]))
                    level -= 1
                else:
                    moves.append((Step.Kind.LEAVE, level, None, at, REASONS["leave"]))
                    break
            if moves[-1][0] != Step.Kind.LEAVE and ended_at is not None:
                moves.append((Step.Kind.LEAVE, level, None, ended_at, REASONS["leave"]))
            left = moves[-1][3] if moves[-1][0] == Step.Kind.LEAVE else None
            placement = placements.add(
                person_id, pathway.pk, referral_id, None if left else tiers[level].pk, entered, left
            )
            for kind, from_level, to_level, step_at, reason in moves:
                steps.add(
                    placement,
                    kind,
                    None if from_level is None else tiers[from_level].pk,
                    None if to_level is None else tiers[to_level].pk,
                    step_at,
                    rng.choice(staff),
                    reason,
                    step_at,
                )
        self._count(placements, steps)
        self.rows[_table(Tier)] = len(tiers)

    # --- internal waits ------------------------------------------------------------

    def offers(self) -> None:
        targets = {
            row.kind: row for row in InterventionWaitTarget.objects.filter(team__isnull=True)
        }  # every team's (migration 0017); the bulk teams have none of their own
        self.cursor.execute(
            f"""SELECT a.referral_id, a.team_id, a.started_at, r.ended_at
                FROM {_table(Allocation)} a JOIN {_table(Referral)} r ON r.id = a.referral_id
                ORDER BY a.referral_id, a.id"""
        )
        allocated = self.cursor.fetchall()
        clocks, alerts = CopyTable(self.cursor, Clock, CLOCK_COLUMNS), CopyTable(self.cursor, Alert, ALERT_COLUMNS)
        clock_rows = ClockRows(
            clocks, alerts if self.alerts else None, warning_fraction=self.warning_fraction, now=self.now
        )
        interventions = CopyTable(
            self.cursor, Intervention, ("referral_id", "kind", "started_at", "code", "description", "recorded_by_id")
        )
        offers = CopyTable(
            self.cursor,
            InterventionOffer,
            (
                "referral_id",
                "team_id",
                "kind",
                "code",
                "description",
                "decided_at",
                "decided_by_id",
                "clock_id",
                "intervention_id",
                "withdrawn_at",
                "withdrawn_by_id",
                "withdrawn_reason",
            ),
        )
        cen = self.bulk.teams[self.bulk.cen].team.pk if self.bulk.cen is not None else None
        factor_values = [v for v, _ in WAIT_FACTORS]
        factor_weights = [w for _, w in WAIT_FACTORS]
        for referral_id, team_id, allocated_at, ended_at in allocated:
            rng = self.rng
            if rng.random() >= OFFERED:
                continue
            decided = allocated_at + self._between(DAY, 21 * DAY)
            limit = ended_at or self.now
            if decided >= limit:
                continue
            kind, description = rng.choice(CEN_THERAPIES if team_id == cen else THERAPIES)
            target = targets.get(kind)
            wait_target = target.target if target else default_wait_target(kind)
            escalations = (target.escalation_after, target.second_escalation_after) if target else (7 * DAY, 14 * DAY)
            low, high = rng.choices(factor_values, factor_weights)[0]
            starts = decided + wait_target * rng.uniform(low, high)
            withdrawn = decided + (starts - decided) * rng.random() if rng.random() < WITHDRAWN else None
            manager = self.by_team[team_id].manager.pk
            clock = ClockPlan(Clock.Kind.INTERVENTION, True, decided, wait_target, escalations, "")
            intervention = None
            if starts < limit and withdrawn is None:
                clock.stopped_at, clock.stop_reason = starts, Clock.StopReason.INTERVENTION_STARTED
                intervention = interventions.add(referral_id, kind, starts, "", description, manager)
            elif withdrawn is not None and withdrawn < limit:
                clock.stopped_at, clock.stop_reason = withdrawn, Clock.StopReason.OFFER_WITHDRAWN
                clock.stopped_by_manager = True
            elif ended_at is not None:
                withdrawn = None
                clock.stopped_at, clock.stop_reason = ended_at, Clock.StopReason.REFERRAL_ENDED
                clock.stopped_by_manager = True
            else:
                withdrawn = None
            clock_id = clock_rows.add(referral_id, clock, manager)
            withdrawn_now = clock.stop_reason == Clock.StopReason.OFFER_WITHDRAWN
            offers.add(
                referral_id,
                team_id,
                kind,
                "",
                description,
                decided,
                manager,
                clock_id,
                intervention,
                withdrawn if withdrawn_now else None,
                manager if withdrawn_now else None,
                "Chose another kind of support instead." if withdrawn_now else "",
            )
        self._count(clocks, alerts, interventions, offers)

    # --- groups --------------------------------------------------------------------

    def groups(self) -> None:
        bulk = self.bulk
        runs = []
        if bulk.cen is not None:
            runs += [(bulk.teams[bulk.cen].team, plan) for plan in CEN_GROUPS]
        runs += [(bulk.teams[i].team, CARERS_GROUP) for loc in bulk.localities for i in loc.teams]
        contacts = CopyTable(self.cursor, Contact, CONTACT_COLUMNS)
        enrolments = CopyTable(
            self.cursor,
            Enrolment,
            ("group_id", "cohort_id", "referral_id", "status", "joined_at", "joined_by_id", "placed_at", "left_at"),
        )
        attendances = CopyTable(
            self.cursor,
            Attendance,
            ("session_id", "enrolment_id", "attendance", "contact_id", "recorded_at", "recorded_by_id"),
        )
        groups = cohorts = sessions = 0
        for team, plan in runs:
            self.cursor.execute(
                f"""SELECT id, treatment_started_at, ended_at FROM {_table(Referral)}
                    WHERE team_id = %s AND treatment_started_at IS NOT NULL ORDER BY treatment_started_at, id""",
                [team.pk],
            )
            treated = self.cursor.fetchall()
            joining = []
            for referral_id, started, ended_at in treated:
                joined = started + self._between(DAY, 10 * DAY)
                if self.rng.random() < GROUP_SHARE[plan.name] and joined < (ended_at or self.now):
                    joining.append((joined, referral_id, ended_at))
            if not joining:
                continue
            joining.sort()
            staff = self._staff(team.pk)
            name = plan.name if plan in CEN_GROUPS else f"{plan.name}, {team.name}"[:120]
            first = joining[0][0]
            group = Group.objects.create(
                name=name,
                kind=plan.kind,
                description=plan.description,
                team=team,
                capacity=plan.capacity,
                consultation_mechanism=plan.mechanism,
                created_at=first - 4 * WEEK,
                created_by_id=staff[0],
            )
            schedule = self._schedule(group, plan, staff, first=first, joining=len(joining))
            groups, cohorts, sessions = (
                groups + 1,
                cohorts + len(schedule),
                sessions + sum(len(c.sessions) for c in schedule),
            )
            starts = [c.starts_at for c in schedule]
            for joined, referral_id, ended_at in joining:
                by = self.rng.choice(staff)
                k = bisect.bisect_left(starts, joined + DAY)
                while k < len(schedule) and schedule[k].places == 0:
                    k += 1
                if k == len(schedule) or (ended_at is not None and ended_at <= schedule[k].starts_at):
                    if ended_at is None and joined > self.now - WAITING_SINCE:
                        enrolments.add(group.pk, None, referral_id, Enrolment.Status.WAITING, joined, by, None, None)
                    continue
                cohort = schedule[k]
                cohort.places -= 1
                left = ended_at is not None and ended_at < cohort.ends_at
                enrolment = enrolments.add(
                    group.pk,
                    cohort.pk,
                    referral_id,
                    Enrolment.Status.LEFT if left else Enrolment.Status.ENROLLED,
                    joined,
                    by,
                    None,
                    ended_at if left else None,
                )
                for session_id, at, recorded in cohort.sessions:
                    if not recorded or (ended_at is not None and at >= ended_at):
                        continue
                    code = self.rng.choices(ATTENDANCE_CODES, ATTENDANCE_WEIGHTS)[0]
                    register_at = at + 2 * HOUR
                    contact = None
                    if group.records_care_contacts:
                        contact = contacts.add(referral_id, at, plan.mechanism, code, False, "", register_at, staff[0])
                    attendances.add(session_id, enrolment, code, contact, register_at, staff[0])
        self._count(contacts, enrolments, attendances)
        self.rows |= {_table(Group): groups, _table(Cohort): cohorts, _table(GroupSession): sessions}

    def _schedule(self, group: Group, plan, staff: list[int], *, first: datetime, joining: int) -> list[_Cohort]:
        """Cohorts from the first joiner to ``GROUP_FUTURE`` ahead, as often as demand fills them
        (one starting each day at most); each with ``plan.weeks`` weekly sessions."""
        span_days = max((self.now - first) / DAY, 1.0)
        per_day = joining / span_days / plan.capacity  # cohorts a day the demand fills
        every = max(1, round(1 / per_day)) if per_day > 0 else 7
        day = london_date(first) + DAY
        last = london_date(self.now + GROUP_FUTURE)
        built: list[tuple[Cohort, list[datetime]]] = []
        while day <= last:
            times = [london_instant(day + k * WEEK, time(plan.hour)) for k in range(plan.weeks)]
            cohort = Cohort(
                group=group,
                name=f"Starting {day:%-d %B %Y}",
                starts_on=day,
                created_at=min(london_instant(day, time(9)) - 2 * WEEK, self.now),
                created_by_id=staff[0],
            )
            built.append((cohort, times))
            day += every * DAY
        Cohort.objects.bulk_create([cohort for cohort, _ in built])
        rows = []
        for cohort, times in built:
            for at in times:
                recorded = at + 2 * HOUR <= self.now
                rows.append(
                    GroupSession(
                        cohort=cohort,
                        starts_at=at,
                        register_recorded_at=at + 2 * HOUR if recorded else None,
                        register_recorded_by_id=staff[0] if recorded else None,
                    )
                )
        GroupSession.objects.bulk_create(rows, batch_size=2000)
        by_cohort: dict[int, list[tuple[int, datetime, bool]]] = {}
        for row in rows:
            by_cohort.setdefault(row.cohort_id, []).append(
                (row.pk, row.starts_at, row.register_recorded_at is not None)
            )
        return [_Cohort(cohort.pk, times[0], times[-1], by_cohort[cohort.pk], plan.capacity) for cohort, times in built]


def service_models_build(
    cursor, *, bulk: BulkCast, now: datetime, seed: int, warning_fraction: float, alerts: bool
) -> dict[str, int]:
    """The pathway, roll-out, internal waits and groups over the referrals already written; rows per table."""
    models = ServiceModels(cursor, bulk=bulk, now=now, seed=seed, warning_fraction=warning_fraction, alerts=alerts)
    models.pathway()
    models.offers()
    models.groups()
    return models.rows
