"""Plans into rows: people, referrals, urgency history, clocks, contacts, hand-offs, allocations, measures, alerts."""

from datetime import datetime, timedelta

from django.utils import timezone

from codes.snomed import OUTCOME_TOOL_BY_NAME
from demo import catalogue as c
from referrals.models import (
    Alert,
    Allocation,
    CarePlan,
    CarePlanGoal,
    Clock,
    Contact,
    Handoff,
    OutcomeMeasure,
    Person,
    Referral,
    UrgencyChange,
)

from .pgcopy import CopyTable
from .plan import THRIVE, ClockPlan, ReferralPlan, thresholds
from .shape import BulkShape
from .staff import BulkCast

PERSON_COLUMNS = (
    "nhs_number",
    "given_name",
    "family_name",
    "birth_date",
    "postcode",
    "gp_practice_id",
    "ethnicity",
    "gender",
    "sexual_orientation",
    "disability",
    "created_at",
)
REFERRAL_COLUMNS = (
    "reference",
    "person_id",
    "source",
    "received_at",
    "urgency",
    "presenting_need",
    "locality_id",
    "team_id",
    "routing_reason",
    "thrive_grouping",
    "triage_next_step",
    "status",
    "status_changed_at",
    "allocated_to_id",
    "treatment_started_at",
    "ended_at",
    "closure_reason",
    "discharge_note",
    "discharge_reason",
    "return_route",
    "created_at",
    "created_by_id",
)
CLOCK_COLUMNS = (
    "referral_id",
    "kind",
    "is_current",
    "stop_rule",
    "started_at",
    "target",
    "warn_at",
    "due_at",
    "escalation_at",
    "second_escalation_at",
    "paused_at",
    "stopped_at",
    "stopped_by_id",
    "stop_reason",
    "next_alert_step",
    "next_check_at",
)
CONTACT_COLUMNS = (
    "referral_id",
    "occurred_at",
    "consultation_mechanism",
    "attendance",
    "starts_treatment",
    "note",
    "recorded_at",
    "recorded_by_id",
)
URGENCY_CHANGE_COLUMNS = ("referral_id", "urgency", "at", "by_id")
ALLOCATION_COLUMNS = ("referral_id", "link_worker_id", "team_id", "started_at", "started_by_id", "ended_at")
HANDOFF_COLUMNS = ("referral_id", "from_team_id", "to_team_id", "note", "person_informed", "at", "by_id")
MEASURE_COLUMNS = ("referral_id", "instrument", "tool_code", "score", "stage", "recorded_at", "recorded_by_id")
ALERT_COLUMNS = (
    "clock_id",
    "referral_id",
    "clock_kind",
    "level",
    "tier",
    "threshold_at",
    "created_at",
    "attempts",
    "sent_at",
)
CARE_PLAN_COLUMNS = ("referral_id", "agreed_at", "summary", "recorded_by_id")
GOAL_COLUMNS = ("care_plan_id", "description", "review_date")

GOALS = c.ASSESSMENT_SECTIONS["goals"]
SENT_AFTER = timedelta(minutes=1)


class ClockRows:
    """A planned clock as its row, and the alerts a sweep that kept up would have raised for it."""

    def __init__(self, clocks: CopyTable, alerts: CopyTable | None, *, warning_fraction: float, now: datetime) -> None:
        self.clocks, self.alerts = clocks, alerts
        self.warning_fraction, self.now = warning_fraction, now

    def add(self, referral_id: int, clock: ClockPlan, manager: int) -> int:
        warn_at, due_at, escalation_at, second_at = marks = thresholds(clock, self.warning_fraction)
        # The sweep kept up: every threshold passed while the clock ran has been dealt with.
        until = clock.stopped_at or clock.paused_at or self.now
        step = sum(1 for mark in marks if mark <= until)
        running = clock.stopped_at is None and clock.paused_at is None
        clock_id = self.clocks.add(
            referral_id,
            clock.kind,
            clock.is_current,
            clock.stop_rule,
            clock.started_at,
            clock.target,
            warn_at,
            due_at,
            escalation_at,
            second_at,
            clock.paused_at,
            clock.stopped_at,
            manager if clock.stopped_by_manager else None,
            clock.stop_reason,
            step,
            marks[step] if running and step < len(marks) else None,
        )
        if self.alerts is not None:
            for level_step in range(step):
                level, tier = Clock.LADDER[level_step]
                at = marks[level_step]
                self.alerts.add(
                    clock_id, referral_id, clock.kind, level, tier, at, at, 1, min(at + SENT_AFTER, self.now)
                )
        return clock_id


class BulkRows:
    """Writes plans as rows, in tables sent with COPY. Allocations go to each team's holders in turn."""

    def __init__(self, cursor, *, bulk: BulkCast, shape: BulkShape, warning_fraction: float, now: datetime) -> None:
        self.bulk, self.shape, self.now = bulk, shape, now
        self.warning_fraction = warning_fraction
        self.people = CopyTable(cursor, Person, PERSON_COLUMNS)
        self.referrals = CopyTable(cursor, Referral, REFERRAL_COLUMNS)
        self.urgency_changes = CopyTable(cursor, UrgencyChange, URGENCY_CHANGE_COLUMNS)
        self.clocks = CopyTable(cursor, Clock, CLOCK_COLUMNS)
        self.contacts = CopyTable(cursor, Contact, CONTACT_COLUMNS)
        self.handoffs = CopyTable(cursor, Handoff, HANDOFF_COLUMNS)
        self.allocations = CopyTable(cursor, Allocation, ALLOCATION_COLUMNS)
        self.measures = CopyTable(cursor, OutcomeMeasure, MEASURE_COLUMNS)
        self.alerts = CopyTable(cursor, Alert, ALERT_COLUMNS)
        self.care_plans = CopyTable(cursor, CarePlan, CARE_PLAN_COLUMNS)
        self.goals = CopyTable(cursor, CarePlanGoal, GOAL_COLUMNS)
        self.clock_rows = ClockRows(
            self.clocks, self.alerts if shape.alerts else None, warning_fraction=warning_fraction, now=now
        )
        # In the order the foreign keys point, so every COPY finds what it refers to.
        self.tables = [
            self.people,
            self.referrals,
            self.urgency_changes,
            self.clocks,
            self.contacts,
            self.handoffs,
            self.allocations,
            self.measures,
            self.alerts,
            self.care_plans,
            self.goals,
        ]
        self.turn = [0] * len(bulk.teams)
        self.ods = {p.pk: p.ods_code for loc in bulk.localities for p in loc.cast.practices}
        cast = bulk.cast
        self.intake: dict[str, int] = {Referral.Source.MENTAL_HEALTH_LINE: cast.line_handler.pk}
        self.access_hub = cast.access_hub.pk

    def counts(self) -> dict[str, int]:
        return {table.table: table.count for table in self.tables}

    def flush(self) -> None:
        for table in self.tables:
            table.flush()

    def close(self) -> None:
        for table in self.tables:
            table.close()

    def _holder(self, team: int) -> int:
        holders = self.bulk.teams[team].holders
        holder = holders[self.turn[team] % len(holders)]
        self.turn[team] += 1
        return holder

    def _routing_reason(self, p: ReferralPlan) -> str:
        if p.new_person is None:
            return "known person: routed as before"
        if p.new_person[5] is not None:
            return f"GP practice {self.ods[p.new_person[5]]}"
        return f"postcode district {p.new_person[4].split()[0]}"

    def write(self, p: ReferralPlan) -> None:
        bulk = self.bulk
        if p.new_person is not None:
            person_id = self.people.add(*p.new_person)
        else:
            person_id = self.people.first_id + p.person
        first_team, team = bulk.teams[p.first_team], bulk.teams[p.team]
        locality = team.team.locality_id or bulk.localities[p.home].cast.locality.pk
        holder = self._holder(p.team) if p.allocated_at is not None else None
        manager = team.manager.pk
        grouping = THRIVE[p.urgency] if p.triaged else ""
        referral_id = self.referrals.next_id
        ended = p.ended_at is not None
        discharged = p.status == Referral.Status.DISCHARGED
        created_by = self.intake.get(p.source, self.access_hub)
        self.referrals.add(
            f"RF-{referral_id // 100_000:05d}-{referral_id % 100_000:05d}",
            person_id,
            p.source,
            p.received_at,
            p.urgency,
            p.need,
            locality,
            team.team.pk,
            self._routing_reason(p),
            grouping,
            c.THRIVE_NEXT_STEPS[grouping] if grouping else "",
            p.status,
            p.status_changed_at,
            holder,
            p.treatment_started_at,
            p.ended_at,
            p.closure_reason,
            c.DISCHARGE_NOTES[p.person % len(c.DISCHARGE_NOTES)] if discharged else "",
            p.discharge_reason,
            c.RETURN_ROUTE if discharged else "",
            p.received_at,
            created_by,
        )
        # The urgency history starts with the urgency it has, from its received time (as referral_create).
        self.urgency_changes.add(referral_id, p.urgency, p.received_at, created_by)
        for contact in p.contacts:
            if holder is not None and p.allocated_at is not None and contact.at >= p.allocated_at:
                by = holder
            elif p.handoff_at is not None and contact.at >= p.handoff_at:
                by = manager
            else:
                by = first_team.manager.pk
            self.contacts.add(
                referral_id,
                contact.at,
                contact.consultation_mechanism,
                contact.attendance,
                contact.starts_treatment,
                contact.note,
                contact.at,
                by,
            )
        for clock in p.clocks:
            self.clock_rows.add(referral_id, clock, manager)
        if p.handoff_at is not None:
            to = "crisis" if p.team == bulk.crisis else "cen" if p.team == bulk.cen else "locality"
            self.handoffs.add(
                referral_id,
                first_team.team.pk,
                team.team.pk,
                c.REDIRECT_NOTES[to],
                True,
                p.handoff_at,
                first_team.manager.pk,
            )
        if holder is not None:
            self.allocations.add(
                referral_id, holder, team.team.pk, p.allocated_at, manager, p.ended_at if ended else None
            )
        for instrument, score, stage, at in p.measures:
            # The tool's SNOMED CT code, as outcome_measure_record sets it from the name.
            tool = OUTCOME_TOOL_BY_NAME.get(instrument)
            self.measures.add(referral_id, instrument, tool.code if tool else "", score, stage, at, holder or manager)
        if p.care_plan_at is not None:
            plan_id = self.care_plans.add(
                referral_id, p.care_plan_at, "Care plan agreed with the person: goals below.", holder
            )
            for k in range(2):
                review = timezone.localtime(p.care_plan_at + timedelta(days=28 * (k + 1))).date()
                self.goals.add(plan_id, GOALS[(p.person + k) % len(GOALS)], review)
