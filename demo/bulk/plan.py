"""What happens to each bulk referral, and when: plans drawn from one seeded generator.

The proportions are the demo journeys' (``demo.journeys``): sources and urgencies, equality
answers, outcomes, first responses (about one in eight late) and the long tail of waits to
treatment. A plan holds only times and choices; ``rows`` turns it into rows. The rules the
app relies on are kept here:

* every referral has a current first-response clock and a current treatment clock, started
  at received_at with the policy's thresholds (due_at = started_at + target);
* the first-response clock stops at the first attended contact; the treatment clock at the
  second attended contact since it started (under the 'treatment started' rule, at the
  contact that starts treatment: the same contact); an ended referral's open clocks stop
  with 'referral_ended' when it ends; a restarted treatment clock is kept, stopped
  'restarted', beside the current one;
* a running clock's next_check_at is its first threshold after now, as a sweep that kept up
  leaves it (alert step = thresholds passed);
* nothing happens after now, nor after the referral ended; statuses follow the lifecycle.

Waits to treatment are a few days longer in Inner City and East Bristol and for Black and
Black British people, so the equality dashboard has a difference to show (invented).
"""

import bisect
import itertools
import math
import random
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TypeGuard

from django.utils import timezone

from codes.mhsds import COMMUNITY_TEAM_TYPES
from demo import catalogue as c
from demo.journeys import (
    ACUTE_SOURCES,
    AGES,
    ATTENDED,
    DID_NOT_ATTEND,
    DISABILITY,
    ETHNICITY,
    ETHNICITY_INNER_CITY,
    FACE_TO_FACE,
    GENDER,
    INWARD_LETTERS,
    ORIENTATION,
    OUTCOMES,
    SOURCES,
    TELEPHONE,
    TRIAGE_DELAY,
    URGENCY_ACUTE,
    URGENCY_OTHER,
    VIDEO,
    WITHOUT_NHS_NUMBER,
    first_response_after,
    treatment_wait,
)
from referrals.models import Clock, ClockPolicy, OutcomeMeasure, Referral
from referrals.nhs_number import nhs_number_check_digit

from .shape import BulkShape
from .staff import BulkCast

MINUTE, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)
S, U = Referral.Status, Referral.Urgency
INNER_CITY = "inner-city-east-bristol"
LONGER_WAIT = {"M": 3 * DAY, "N": 3 * DAY, "P": 3 * DAY}  # days added to the wait, by ethnic group
INNER_CITY_LONGER_WAIT = 4 * DAY
REREFERRAL_SHARE = 0.08  # of referrals: someone seen before, referred again after their last one ended
REDIRECT_TO = {
    True: (("crisis", 55), ("cen", 30), ("locality", 15)),
    False: (("crisis", 8), ("cen", 60), ("locality", 32)),
}
# Keyed by the choices' string values: plans and policies hold plain strings (TextChoices members
# are str and hash as their value, so the members below still serve as keys).
THRIVE: dict[str, Referral.Thrive] = {
    U.EMERGENCY: Referral.Thrive.GETTING_RISK_SUPPORT,
    U.VERY_URGENT: Referral.Thrive.GETTING_RISK_SUPPORT,
    U.URGENT: Referral.Thrive.GETTING_MORE_HELP,
    U.ROUTINE: Referral.Thrive.GETTING_HELP,
}
TREATMENT_STOP: dict[str, Clock.StopReason] = {
    ClockPolicy.TreatmentStopRule.SECOND_CONTACT: Clock.StopReason.SECOND_COMPLETED_CONTACT,
    ClockPolicy.TreatmentStopRule.TREATMENT_STARTED: Clock.StopReason.TREATMENT_STARTED,
}
CLOSURES = {"declined": "declined", "moved_away": "moved_away", "other": "other"}


class _Weighted:
    """rng.choices for a fixed table, with its cumulative weights worked out once."""

    def __init__(self, weighted) -> None:
        self.values = [value for value, _ in weighted]
        self.cumulative = list(itertools.accumulate(weight for _, weight in weighted))

    def __call__(self, rng: random.Random):
        return self.values[bisect.bisect(self.cumulative, rng.random() * self.cumulative[-1])]


@dataclass(slots=True)
class ClockPlan:
    kind: str
    is_current: bool
    started_at: datetime
    target: timedelta
    escalations: tuple[timedelta, timedelta]
    stop_rule: str
    stopped_at: datetime | None = None
    stop_reason: str = ""
    stopped_by_manager: bool = False  # stopped by a person (ended, restarted, by hand), not by its rule
    paused_at: datetime | None = None


@dataclass(slots=True)
class ContactPlan:
    at: datetime
    consultation_mechanism: str  # MHSDS code: 01 face to face, 02 telephone, 11 video
    attendance: str  # MHSDS code: 5 attended, 3 did not attend
    starts_treatment: bool = False
    note: str = ""


@dataclass(slots=True)
class ReferralPlan:
    person: int  # the person's ordinal: people are numbered in the order they were first referred
    new_person: tuple | None  # the person's values when this referral introduced them
    received_at: datetime
    source: str
    urgency: str
    need: str
    home: int  # index of the person's locality in BulkCast.localities
    first_team: int  # index in BulkCast.teams
    team: int
    status: str = S.RECEIVED
    status_changed_at: datetime | None = None
    triaged: bool = False
    handoff_at: datetime | None = None
    allocated_at: datetime | None = None
    treatment_started_at: datetime | None = None
    ended_at: datetime | None = None
    closure_reason: str = ""
    discharge_reason: str = ""
    contacts: list[ContactPlan] = field(default_factory=list)
    clocks: list[ClockPlan] = field(default_factory=list)
    measures: list[tuple[str, Decimal, str, datetime]] = field(default_factory=list)
    care_plan_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.ended_at is None


class BulkPlanner:
    """Plans referral after referral, oldest first; the same shape, policy and now give the same plans."""

    def __init__(self, *, shape: BulkShape, now: datetime, bulk: BulkCast, policy: ClockPolicy, nhs_after: int) -> None:
        rule = policy.treatment_stop_rule
        if rule == ClockPolicy.TreatmentStopRule.NATIONAL:
            # As referrals.services.clocks keeps it: the referral-spell stop for community team
            # types, else the second attended contact. The demo's teams have no community type.
            if any(t.team.mhsds_team_type in COMMUNITY_TEAM_TYPES for t in bulk.teams):
                raise ValueError("demo.bulk cannot plan the referral-spell clock stop of community team types")
            rule = ClockPolicy.TreatmentStopRule.SECOND_CONTACT
        if rule not in TREATMENT_STOP:
            raise ValueError(f"demo.bulk cannot stop treatment clocks under the {rule!r} rule")
        self.shape = shape
        self.now = now
        self.bulk = bulk
        self.rng = random.Random(shape.seed)
        self.targets = {
            row.urgency: (row.target, (row.escalation_after, row.second_escalation_after))
            for row in policy.response_targets.all()
        }
        self.treatment = (
            policy.treatment_target,
            (policy.treatment_escalation_after, policy.treatment_second_escalation_after),
        )
        self.stop_rule = rule
        self.treatment_stop = TREATMENT_STOP[rule]
        self.nhs_serial = nhs_after
        self.tz = timezone.get_default_timezone()
        self.locality_pick = _Weighted([(i, loc.cast.weight) for i, loc in enumerate(bulk.localities)])
        self.source_pick = _Weighted(SOURCES)
        self.urgency_pick = {True: _Weighted(URGENCY_ACUTE), False: _Weighted(URGENCY_OTHER)}
        self.outcome_pick = _Weighted(OUTCOMES)
        self.redirect_pick = {acute: _Weighted(weighted) for acute, weighted in REDIRECT_TO.items()}
        self.age_pick = _Weighted(AGES)
        self.ethnicity_pick = {True: _Weighted(ETHNICITY_INNER_CITY), False: _Weighted(ETHNICITY)}
        self.gender_pick, self.orientation_pick = _Weighted(GENDER), _Weighted(ORIENTATION)
        self.disability_pick = _Weighted(DISABILITY)
        self.attempts_pick = _Weighted(((0, 70), (1, 22), (2, 8)))
        self.first_mechanism_pick = _Weighted(((TELEPHONE, 60), (FACE_TO_FACE, 25), (VIDEO, 15)))
        self.treat_mechanism_pick = _Weighted(((FACE_TO_FACE, 60), (VIDEO, 25), (TELEPHONE, 15)))
        self.discharge_pick = _Weighted(c.DISCHARGE_REASONS)
        # For re-referrals: each referral's person, and each person's home and the end of their last referral.
        self.person_of = array("q")
        self.person_home = array("q")
        self.person_free_from = array("d")  # epoch seconds; inf while a referral of theirs is open
        self.person_ethnicity: list[str] = []

    # --- drawing -------------------------------------------------------------

    def _between(self, low: timedelta, high: timedelta) -> timedelta:
        return low + (high - low) * self.rng.random()

    def _nhs_number(self) -> str | None:
        """The next synthetic NHS number (999 range, valid check digit); None once the range is used up."""
        while self.nhs_serial < 999_999_999:
            self.nhs_serial += 1
            check = nhs_number_check_digit(f"{self.nhs_serial:09d}")
            if check is not None:
                return f"{self.nhs_serial:09d}{check}"
        return None

    def _new_person(self, home: int, source: str, received_at: datetime) -> tuple:
        rng = self.rng
        locality = self.bulk.localities[home].cast
        low, high = self.age_pick(rng)
        birth_date = received_at.astimezone(self.tz).date() - timedelta(days=rng.randint(low * 366, high * 365 + 360))
        inward = f"{rng.randint(1, 9)}{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}"
        postcode = f"{rng.choice(locality.outward_codes)} {inward}"
        no_gp = source not in (Referral.Source.GP, Referral.Source.TALKING_THERAPIES) and rng.random() < 0.05
        practice = None if no_gp else rng.choice(locality.practices).pk
        nhs_number = None if rng.random() < WITHOUT_NHS_NUMBER.get(source, 0.0) else self._nhs_number()
        return (
            nhs_number,
            rng.choice(c.GIVEN_NAMES),
            rng.choice(c.FAMILY_NAMES),
            birth_date,
            postcode,
            practice,
            self.ethnicity_pick[locality.locality.code == INNER_CITY](rng),
            self.gender_pick(rng),
            self.orientation_pick(rng),
            self.disability_pick(rng),
            received_at,
        )

    def _person(self, i: int, source: str, received_at: datetime) -> tuple[int, tuple | None, int]:
        """(person ordinal, new person's values or None, home locality) for referral i."""
        rng = self.rng
        if self.shape.history and rng.random() < REREFERRAL_SHARE:
            n, span = self.shape.referrals, self.shape.span
            back = rng.randint(max(1, int(n * (30 * DAY / span))), max(1, int(n * (365 * DAY / span))))
            if back <= i:
                person = self.person_of[i - back]
                if self.person_free_from[person] < received_at.timestamp():
                    return person, None, self.person_home[person]
        home = self.locality_pick(rng)
        person = len(self.person_home)
        self.person_home.append(home)
        self.person_free_from.append(math.inf)
        values = self._new_person(home, source, received_at)
        self.person_ethnicity.append(values[6])
        return person, values, home

    # --- one referral ----------------------------------------------------------

    def plans(self) -> Iterator[ReferralPlan]:
        for i in range(self.shape.referrals):
            yield self.plan(i)

    def plan(self, i: int) -> ReferralPlan:
        rng, now, shape, bulk = self.rng, self.now, self.shape, self.bulk
        n = shape.referrals
        received = now - shape.span * ((n - i - rng.random()) / n)
        source = self.source_pick(rng)
        urgency = self.urgency_pick[source in ACUTE_SOURCES](rng)
        person, new_person, home = self._person(i, source, received)
        teams = bulk.localities[home].teams
        team = teams[rng.randrange(len(teams))]
        p = ReferralPlan(
            person, new_person, received, source, urgency, rng.choice(c.PRESENTING_NEEDS), home, team, team
        )
        outcome = self.outcome_pick(rng)
        first = first_response_after(rng, self.targets[urgency][0])
        triage_at = received + min(self._between(*TRIAGE_DELAY[urgency]), first * 0.5)

        # The path, as times from receipt; what falls after now (or after the end) does not happen.
        attempts: list[datetime] = []
        first_at = handoff_to = ready_at = alloc_at = treat_at = restart_at = None
        followups: list[datetime] = []
        if outcome == "no_contact":
            t = triage_at
            for low, high in ((HOUR, 6 * HOUR), (2 * DAY, 4 * DAY), (4 * DAY, 6 * DAY)):
                t += self._between(low, high)
                attempts.append(t)
            natural_end = t + self._between(7 * DAY, 11 * DAY)
        else:
            first_at = received + first
            tries = self.attempts_pick(rng)
            attempts = [triage_at + (first_at - triage_at) * (k + 1) / (tries + 1) for k in range(tries)]
            first_mechanism = self.first_mechanism_pick(rng)
            if outcome in CLOSURES:
                natural_end = first_at + self._between(DAY, 10 * DAY)
            else:
                ready_at = first_at
                if outcome == "redirect" and shape.history:
                    handoff_to = self._redirect_target(p)
                    p.handoff_at = first_at + self._between(HOUR, 3 * DAY)
                    ready_at = p.handoff_at + self._between(2 * HOUR, 4 * DAY)
                alloc_at = ready_at + self._between(HOUR, 10 * DAY)
                treat_at = max(received + self._wait(p), alloc_at + self._between(DAY, 5 * DAY))
                natural_end = treat_at + self._between(21 * DAY, 90 * DAY)
                t = treat_at
                for _ in range(rng.randint(0, 2)):
                    t += self._between(7 * DAY, 21 * DAY)
                    followups.append(t)
                if shape.history and rng.random() < 0.01:
                    restart_at = max(received + 5 * DAY, first_at + HOUR)
        if now - received >= shape.open_for:
            p.ended_at = min(natural_end, now - min(HOUR, (now - received) / 2))
        limit = p.ended_at or now

        def happened(at: datetime | None) -> TypeGuard[datetime]:
            return at is not None and at < limit

        # Contacts, triage, hand-off, allocation and treatment, as far as they got.
        p.triaged = happened(triage_at)
        p.contacts = [ContactPlan(at, TELEPHONE, DID_NOT_ATTEND) for at in attempts if happened(at)]
        if happened(first_at):
            p.contacts.append(ContactPlan(first_at, first_mechanism, ATTENDED, note=c.CONTACT_NOTES["first"]))
        if not happened(p.handoff_at):
            p.handoff_at = None
        elif handoff_to is not None:
            p.team = handoff_to
        if not (
            happened(restart_at)
            and happened(restart_at + HOUR)
            and treat_at is not None  # always set when restart_at is
            and restart_at + 2 * HOUR < treat_at
        ):
            restart_at = None
        if restart_at is not None:  # the review after the restart: the first attended contact of the new clock
            p.contacts.append(ContactPlan(restart_at + HOUR, TELEPHONE, ATTENDED))
        p.allocated_at = alloc_at if happened(alloc_at) else None
        if happened(treat_at):
            p.treatment_started_at = treat_at
            p.contacts.append(
                ContactPlan(treat_at, self.treat_mechanism_pick(rng), ATTENDED, True, c.CONTACT_NOTES["treatment"])
            )
            p.contacts += [
                ContactPlan(at, FACE_TO_FACE, ATTENDED, note=c.CONTACT_NOTES["followup"])
                for at in followups
                if happened(at)
            ]
        self._status(p, outcome, triage_at, first_at, ready_at)
        self._clocks(p, restart_at)
        if shape.history:
            self._measures(p)
        if shape.care_plans and p.allocated_at is not None and rng.random() < 0.2:
            p.care_plan_at = p.allocated_at + min(DAY, (limit - p.allocated_at) / 2)
        self.person_of.append(person)
        self.person_free_from[person] = p.ended_at.timestamp() if p.ended_at else math.inf
        return p

    def _redirect_target(self, p: ReferralPlan) -> int:
        bulk = self.bulk
        to = self.redirect_pick[p.urgency in (U.EMERGENCY, U.VERY_URGENT)](self.rng)
        elsewhere = [t for loc in bulk.localities if loc is not bulk.localities[p.home] for t in loc.teams]
        if to == "locality" and elsewhere:
            return elsewhere[self.rng.randrange(len(elsewhere))]
        target = bulk.crisis if to == "crisis" else bulk.cen
        assert target is not None  # hand-offs are planned only with shape.history, which adds both teams
        return target

    def _wait(self, p: ReferralPlan) -> timedelta:
        wait = treatment_wait(self.rng) + LONGER_WAIT.get(self.person_ethnicity[p.person], timedelta(0))
        if self.bulk.localities[p.home].cast.locality.code == INNER_CITY:
            wait += INNER_CITY_LONGER_WAIT
        return wait

    def _status(
        self,
        p: ReferralPlan,
        outcome: str,
        triage_at: datetime,
        first_at: datetime | None,
        ready_at: datetime | None,
    ) -> None:
        if p.ended_at is not None:
            p.status_changed_at = p.ended_at
            if p.treatment_started_at is not None or p.allocated_at is not None:
                p.status = S.DISCHARGED
                p.discharge_reason = (
                    self.discharge_pick(self.rng) if p.treatment_started_at else Referral.DischargeReason.NO_ENGAGEMENT
                )
            else:
                p.status = S.CLOSED
                assessed = first_at is not None and first_at < p.ended_at
                p.closure_reason = CLOSURES.get(outcome, "other") if assessed else Referral.ClosureReason.NO_CONTACT
            return
        now = self.now
        if p.treatment_started_at is not None:
            p.status, p.status_changed_at = S.IN_TREATMENT, p.treatment_started_at
        elif p.allocated_at is not None:
            p.status, p.status_changed_at = S.ALLOCATED, p.allocated_at
        elif p.handoff_at is not None and ready_at is not None and ready_at > now:  # ready_at: set with handoff_at
            p.status, p.status_changed_at = S.REDIRECTED, p.handoff_at
        elif first_at is not None and first_at < now:
            p.status, p.status_changed_at = S.ASSESSED, min(ready_at or first_at, now)
        elif p.triaged:
            p.status, p.status_changed_at = S.TRIAGED, triage_at
        else:
            p.status, p.status_changed_at = S.RECEIVED, p.received_at

    def _clock(
        self,
        p: ReferralPlan,
        kind: str,
        started_at: datetime,
        *,
        stop_at: datetime | None,
        reason: str,
        current: bool = True,
    ) -> ClockPlan:
        """A clock stopped at ``stop_at`` for ``reason`` if that came first, else by the end, else running."""
        if kind == Clock.Kind.FIRST_RESPONSE:
            target, escalations = self.targets[p.urgency]
        else:
            target, escalations = self.treatment
        clock = ClockPlan(
            kind, current, started_at, target, escalations, self.stop_rule if kind != "first_response" else ""
        )
        if stop_at is not None:
            clock.stopped_at, clock.stop_reason = stop_at, reason
            clock.stopped_by_manager = reason in (Clock.StopReason.RESTARTED, Clock.StopReason.MANUAL)
        elif p.ended_at is not None:
            clock.stopped_at, clock.stop_reason, clock.stopped_by_manager = (
                p.ended_at,
                Clock.StopReason.REFERRAL_ENDED,
                True,
            )
        return clock

    def _clocks(self, p: ReferralPlan, restart_at: datetime | None) -> None:
        rng, now = self.rng, self.now
        first = next((ct.at for ct in p.contacts if ct.attendance == ATTENDED), None)
        p.clocks.append(
            self._clock(p, Clock.Kind.FIRST_RESPONSE, p.received_at, stop_at=first, reason="first_completed_contact")
        )
        started = p.received_at
        if restart_at is not None:
            p.clocks.append(
                self._clock(p, Clock.Kind.TREATMENT, started, stop_at=restart_at, reason="restarted", current=False)
            )
            started = restart_at
        stop_at, reason = p.treatment_started_at, self.treatment_stop
        if stop_at is not None and self.shape.history and rng.random() < 0.005:
            stop_at, reason = started + (stop_at - started) / 2, Clock.StopReason.MANUAL
        clock = self._clock(p, Clock.Kind.TREATMENT, started, stop_at=stop_at, reason=reason)
        if clock.stopped_at is None and self.shape.history and started < now - 3 * DAY and rng.random() < 0.002:
            clock.paused_at = now - 2 * DAY
        p.clocks.append(clock)

    def _measures(self, p: ReferralPlan) -> None:
        rng = self.rng
        if p.treatment_started_at is None or rng.random() >= 0.6:
            return
        instrument, low, high, higher_is_better = rng.choice(c.OUTCOME_MEASURES)
        worse = rng.uniform(0.55, 0.9)  # baselines sit at the unwell end of the scale
        baseline = round(high - (high - low) * worse if higher_is_better else low + (high - low) * worse)
        p.measures.append((instrument, Decimal(baseline), OutcomeMeasure.Stage.BASELINE, p.treatment_started_at))
        if p.status == S.DISCHARGED and rng.random() < 0.75:
            assert p.ended_at is not None  # a discharged referral has ended
            change = round((high - low) * rng.uniform(-0.1, 0.45))  # most improve, some do not
            score = min(max(baseline + change if higher_is_better else baseline - change, low), high)
            at = p.ended_at - min(HOUR, (p.ended_at - p.treatment_started_at) / 2)
            p.measures.append((instrument, Decimal(score), OutcomeMeasure.Stage.DISCHARGE, at))


def thresholds(clock: ClockPlan, warning_fraction: float) -> tuple[datetime, datetime, datetime, datetime]:
    """warn_at, due_at, escalation_at, second_escalation_at, as ``referrals.services.clocks`` sets them."""
    due = clock.started_at + clock.target
    return (
        clock.started_at + clock.target * warning_fraction,
        due,
        due + clock.escalations[0],
        due + clock.escalations[1],
    )
