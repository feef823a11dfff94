"""Replays planned journeys through the services, as the staff would have done at the time.

Every write goes through a service with ``now=`` set to the simulated moment of
the step, so clocks, hand-offs, allocations, the trusted assessment, consent and
audit rows are the real ones. Steps planned after the load time have not
happened yet and are left out.
"""

import random
from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal

from access.consent import consent_lift_allowed, consent_record
from accounts.models import Role, User
from localities.models import Organisation, Team
from referrals.models import Carer, OutcomeMeasure, Person, Referral, RiskFlag, SharingConsent
from referrals.services import (
    assessment_record,
    care_plan_record,
    carer_add,
    caseload_allocate,
    contact_record,
    intervention_record,
    outcome_measure_record,
    person_equality_record,
    referral_assess,
    referral_close,
    referral_create,
    referral_discharge,
    referral_redirect,
    referral_triage,
    risk_flag_raise,
    risk_flag_resolve,
    trusted_assessment_add,
    trusted_assessment_write,
)

from . import catalogue as c
from .journeys import ATTENDED, DID_NOT_ATTEND, TELEPHONE, Journey, Step
from .reference import Cast

THRIVE = Referral.Thrive
OVERRIDE_REASONS = {
    "crisis": "Crisis response: taken straight to the crisis team.",
    "liaison": "Seen by the hospital liaison team in the emergency department.",
}


class _State:
    """Where a referral is up to while its steps replay."""

    __slots__ = ("referral", "person", "team", "home", "holder", "clock", "measure", "risk")

    def __init__(self, *, referral: Referral, team: Team | None, home: Team, clock: datetime) -> None:
        self.referral = referral
        self.person: Person = referral.person
        self.team = team
        self.home = home  # the locality team a crisis episode hands back to
        self.holder: User | None = None  # the allocated link worker
        self.clock = clock  # the last moment anyone acted: recording never goes back in time
        self.measure: tuple[str, int, int, bool, Decimal] | None = None  # instrument and baseline score
        self.risk: RiskFlag | None = None


class JourneyRunner:
    def __init__(self, *, cast: Cast, rng: random.Random, now: datetime) -> None:
        self.cast = cast
        self.rng = rng
        self.now = now
        self.caseloads: Counter[int] = Counter()  # open allocations per worker
        self.assessed_people: set[int] = set()  # people who already have their one trusted assessment

    def run(self, journey: Journey) -> Referral:
        """Make the referral, record the person's equality-monitoring answers, and
        replay the steps that have happened by now."""
        p = journey.person
        line = journey.source == Referral.Source.MENTAL_HEALTH_LINE
        taker = self.cast.line_handler if line else self.cast.access_hub
        straight_to = {"crisis": self.cast.crisis, "liaison": self.cast.liaison}.get(journey.team)
        if straight_to is not None and journey.team == "liaison":
            taker = self._one(straight_to, Role.CLINICIAN)  # the liaison nurse in the department
        referral, _ = referral_create(
            by=taker,
            now=journey.received_at,
            received_at=journey.received_at,
            source=journey.source,
            urgency=journey.urgency,
            presenting_need=journey.need,
            nhs_number=p.nhs_number,
            given_name=p.given_name,
            family_name=p.family_name,
            birth_date=p.birth_date,
            postcode=p.postcode,
            gp_practice=p.practice,
            team_override=straight_to,
            override_reason=OVERRIDE_REASONS.get(journey.team, ""),
        )
        person_equality_record(
            person=referral.person,
            by=taker,
            now=journey.received_at,
            ethnicity=p.ethnicity,
            gender=p.gender,
            sexual_orientation=p.sexual_orientation,
            disability=p.disability,
        )
        # The locality team a crisis episode hands back to: the routed one, not the crisis team.
        home = journey.home.team if straight_to is not None else referral.team or journey.home.team
        state = _State(referral=referral, team=referral.team, home=home, clock=journey.received_at)
        for step in journey.steps:
            at = journey.received_at + step.after
            if at > self.now:
                break
            self._do(step, at, state, journey)
        return state.referral

    # --- who does it ---------------------------------------------------------------

    def _one(self, team: Team | None, *roles: str) -> User:
        people = self.cast.team_staff(team, *roles)
        return self.rng.choice(people) if people else self.cast.access_hub

    def _clinician(self, state: _State) -> User:
        return self._one(state.team, Role.CLINICIAN, Role.TEAM_MANAGER)

    def _contact_maker(self, state: _State) -> User:
        return state.holder if state.holder is not None else self._one(state.team, Role.CLINICIAN, Role.LINK_WORKER)

    def _least_loaded(self, team: Team | None) -> User:
        """The MDT gives the person to whoever has most room, link workers first."""
        roles = (Role.LINK_WORKER,) if self.rng.random() < 0.8 else (Role.CLINICIAN,)
        people = self.cast.team_staff(team, *roles) or self.cast.team_staff(team, Role.LINK_WORKER, Role.CLINICIAN)
        room = {u.pk: u.caseload_capacity - self.caseloads[u.pk] for u in people}
        best = max(room.values())
        return self.rng.choice([u for u in people if room[u.pk] == best])

    def _provider(self, kind: str) -> Organisation:
        return {"trust": self.cast.trust, "council": self.cast.council}.get(kind) or self.rng.choice(self.cast.vcse)

    def _release(self, state: _State) -> None:
        if state.holder is not None:
            self.caseloads[state.holder.pk] -= 1
            state.holder = None

    # --- steps ---------------------------------------------------------------------

    def _do(self, step: Step, at: datetime, state: _State, journey: Journey) -> None:
        now = max(at, state.clock)
        if step.action in ("contact", "attempt"):
            # A contact is written up a little after it happened.
            now = min(max(now, at + timedelta(minutes=self.rng.randint(2, 90))), self.now)
        state.clock = now
        match step.action:
            case "triage":
                self._triage(state, now, upgrade=step.params.get("upgrade", False))
            case "attempt":
                contact_record(
                    referral=state.referral,
                    by=self._contact_maker(state),
                    now=now,
                    occurred_at=at,
                    consultation_mechanism=TELEPHONE,
                    attendance=DID_NOT_ATTEND,
                    note=c.CONTACT_NOTES["attempt"],
                )
            case "contact":
                self._contact(state, now, at, kind=step.params["kind"], mechanism=step.params["mechanism"])
            case "assess":
                self._assess(state, now, journey)
            case "allocate":
                worker = self._least_loaded(state.team)
                allocation = caseload_allocate(
                    referral=state.referral,
                    by=self._one(state.team, Role.TEAM_MANAGER),
                    now=now,
                    link_worker=worker,
                    team=state.team,
                    handover_note="Allocated at the MDT caseload meeting.",
                )
                state.referral, state.holder = allocation.referral, worker
                self.caseloads[worker.pk] += 1
            case "redirect":
                to_team, by = self._redirect_target(step.params["to"], state, journey)
                handoff = referral_redirect(
                    referral=state.referral,
                    by=by,
                    now=now,
                    to_team=to_team,
                    note=c.REDIRECT_NOTES[step.params["to"]],
                    person_informed=True,
                )
                self._release(state)
                state.referral, state.team = handoff.referral, to_team
            case "close":
                reason = step.params["reason"]
                note = {
                    Referral.ClosureReason.DUPLICATE: "Already open to the service; details added to the open referral.",
                    Referral.ClosureReason.NO_CONTACT: "Three attempts and a letter; GP told, and how to come back.",
                }.get(reason, "Agreed with the person; GP informed and signposted to VCSE partners.")
                state.referral = referral_close(
                    referral=state.referral, by=self._clinician(state), now=now, reason=reason, note=note
                )
                self._release(state)
            case "discharge":
                self._discharge(state, now)
            case _:
                raise ValueError(f"unknown demo step {step.action!r}")

    def _triage(self, state: _State, now: datetime, *, upgrade: bool) -> None:
        urgency = Referral.Urgency.URGENT if upgrade else state.referral.urgency
        if state.team is not None and state.team.kind == Team.Kind.CRISIS:
            grouping = THRIVE.GETTING_RISK_SUPPORT
        elif urgency in (Referral.Urgency.EMERGENCY, Referral.Urgency.VERY_URGENT):
            grouping = THRIVE.GETTING_RISK_SUPPORT
        elif urgency == Referral.Urgency.URGENT:
            grouping = THRIVE.GETTING_MORE_HELP
        else:
            grouping = self.rng.choices(
                [THRIVE.GETTING_ADVICE, THRIVE.GETTING_HELP, THRIVE.GETTING_MORE_HELP], weights=[25, 50, 25]
            )[0]
        state.referral = referral_triage(
            referral=state.referral,
            by=self._clinician(state),
            now=now,
            urgency=Referral.Urgency.URGENT if upgrade else None,
            thrive_grouping=grouping,
            next_step=c.THRIVE_NEXT_STEPS[grouping],
            note="Risk higher than the referral suggested." if upgrade else "Triaged at the daily huddle.",
        )

    def _contact(self, state: _State, now: datetime, at: datetime, *, kind: str, mechanism: str) -> None:
        by = self._contact_maker(state)
        note = c.CONTACT_NOTES[kind]
        contact_record(
            referral=state.referral,
            by=by,
            now=now,
            occurred_at=at,
            consultation_mechanism=mechanism,
            attendance=ATTENDED,
            starts_treatment=kind == "treatment",
            note=note,
        )
        if kind == "first":
            self._consent(state, by, now)
        elif kind == "treatment":
            self._start_treatment(state, by, now, at)

    def _consent(self, state: _State, by: User, now: datetime) -> None:
        roll = self.rng.random()
        if roll >= 0.1 and not consent_lift_allowed(user=by, person=state.person):
            return  # an earlier refusal stands: only its organisation or the care coordinator lifts it
        if roll < 0.1:
            consent_record(
                person=state.person,
                by=by,
                now=now,
                decision=SharingConsent.Decision.REFUSED,
                note="Wants information kept within the NHS team for now.",
            )
        elif roll < 0.2:
            consent_record(
                person=state.person,
                by=by,
                now=now,
                decision=SharingConsent.Decision.GIVEN,
                scope=SharingConsent.Scope.NAMED_ORGANISATIONS,
                organisations=[self.cast.trust, self.rng.choice(self.cast.vcse)],
                note="Happy to share with the peer support charity, not with the council.",
            )
        else:
            consent_record(
                person=state.person,
                by=by,
                now=now,
                decision=SharingConsent.Decision.GIVEN,
                scope=SharingConsent.Scope.CARE_TEAM,
                note="Agreed to share with everyone in their care team.",
            )

    def _assess(self, state: _State, now: datetime, journey: Journey) -> None:
        by = self._clinician(state)
        person = state.person
        if person.pk in self.assessed_people:
            assessment = person.trusted_assessment
            trusted_assessment_add(
                assessment=assessment,
                by=by,
                now=now,
                section="goals",
                text=self.rng.choice(c.ASSESSMENT_SECTIONS["goals"]),
            )
        else:
            sections = {name: self.rng.choice(texts) for name, texts in c.ASSESSMENT_SECTIONS.items()}
            trusted_assessment_write(
                person=person, by=by, now=now, referral=state.referral, presenting_needs=journey.need, **sections
            )
            self.assessed_people.add(person.pk)
        state.referral = referral_assess(referral=state.referral, by=by, now=now)
        coded = self.rng.random() >= c.UNCODED_ASSESSMENT_SHARE
        assessment_record(
            referral=state.referral,
            by=by,
            now=now,
            completed_at=now,
            summary=c.ASSESSMENT_SUMMARY,
            code=c.ASSESSMENT_CODE if coded else "",
        )
        need = c.PRESENTING_NEEDS.index(journey.need) if journey.need in c.PRESENTING_NEEDS else -1
        if need in c.RISK_BY_NEED:
            risk = c.RISK_BY_NEED[need] if self.rng.random() < 0.7 else None
        else:
            risk = self.rng.choice(c.OTHER_RISKS) if self.rng.random() < 0.08 else None
        if risk is not None:
            state.risk = risk_flag_raise(person=person, by=by, now=now, kind=risk, note=c.RISK_NOTES[risk])
        if self.rng.random() < 0.15:
            carer_add(
                person=person,
                by=by,
                now=now,
                name=f"{self.rng.choice(c.GIVEN_NAMES)} {person.family_name}",
                relationship=self.rng.choice(c.CARER_RELATIONSHIPS),
                involved_with_consent=self.rng.random() < 0.8,
                carers_assessment=self.rng.choice(Carer.CarersAssessment.values),
            )

    def _start_treatment(self, state: _State, by: User, now: datetime, at: datetime) -> None:
        team_kind = state.team.kind if state.team is not None else Team.Kind.LOCALITY
        if team_kind == Team.Kind.CRISIS:
            kind, description, provider = c.CRISIS_INTERVENTION
        elif team_kind == Team.Kind.SYSTEM_SERVICE:
            kind, description, provider = self.rng.choice(c.CEN_INTERVENTIONS)
        else:
            kind, description, provider = self.rng.choice(c.INTERVENTIONS)
        plan = care_plan_record(referral=state.referral, by=by, now=now, agreed_at=at, summary=c.CARE_PLAN_SUMMARY)
        intervention_record(
            referral=state.referral,
            by=by,
            now=now,
            started_at=at,
            description=description,
            kind=kind,
            care_plan=plan,
            provider=self._provider(provider),
            code=c.INTERVENTION_CODES.get(kind, ""),
        )
        if state.measure is None:
            instrument, low, high, higher_is_better = self.rng.choice(c.OUTCOME_MEASURES)
            # Baselines sit at the unwell end of the scale.
            worse = self.rng.uniform(0.55, 0.9)
            score = Decimal(round(high - (high - low) * worse if higher_is_better else low + (high - low) * worse))
            state.measure = (instrument, low, high, higher_is_better, score)
            self._measure(state, by, now, at, score, OutcomeMeasure.Stage.BASELINE)

    def _measure(self, state: _State, by: User, now: datetime, at: datetime, score: Decimal, stage: str) -> None:
        assert state.measure is not None
        outcome_measure_record(
            referral=state.referral,
            by=by,
            now=now,
            recorded_at=at,
            instrument=state.measure[0],
            score=score,
            stage=stage,
        )

    def _discharge(self, state: _State, now: datetime) -> None:
        by = self._contact_maker(state)
        reasons = [reason for reason, _ in c.DISCHARGE_REASONS]
        weights = [weight for _, weight in c.DISCHARGE_REASONS]
        reason = self.rng.choices(reasons, weights=weights)[0]
        if state.measure is not None:
            instrument, low, high, higher_is_better, baseline = state.measure
            # Most people improve, some do not: the dashboard should show both.
            change = Decimal(round((high - low) * self.rng.uniform(-0.1, 0.45)))
            score = min(max(baseline + change if higher_is_better else baseline - change, Decimal(low)), Decimal(high))
            self._measure(state, by, now, now, Decimal(score), OutcomeMeasure.Stage.DISCHARGE)
        if state.risk is not None and self.rng.random() < 0.6:
            risk_flag_resolve(flag=state.risk, by=by, now=now, note="No longer current: reviewed at discharge.")
        state.referral = referral_discharge(
            referral=state.referral,
            by=by,
            now=now,
            note=self.rng.choice(c.DISCHARGE_NOTES),
            reason=reason,
            return_route=c.RETURN_ROUTE,
        )
        self._release(state)

    def _redirect_target(self, kind: str, state: _State, journey: Journey) -> tuple[Team, User]:
        by = self._clinician(state)
        match kind:
            case "cen":
                return self.cast.cen, by
            case "crisis":
                return self.cast.crisis, by
            case "back":
                return state.home, by
            case "route":
                return journey.home.team, self.cast.access_hub
            case "locality":
                here = state.team.pk if state.team else None
                return self.rng.choice([lc.team for lc in self.cast.localities if lc.team.pk != here]), by
        raise ValueError(f"unknown redirect {kind!r}")
