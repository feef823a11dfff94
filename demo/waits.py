"""The demo's internal waits for interventions; the early intervention in psychosis and urgent care
hub clocks (issue 14, items 4-5; docs/internal-waits.md).

* An early intervention in psychosis team (MHSDS A14) whose clock policy wants treatment within
  two weeks, stopped as NHS England's EIP23a stops it, with a few referrals: one treated in time,
  one late, one still waiting for a care coordinator.
* An urgent care hub for police and ambulance, whose policy wants an assessment within two hours
  of arrival, with a few arrivals.
* Waiting lists: psychological therapies offered by the locality teams months ago, some still
  waiting past their 18 weeks (as LLR's "several years" waits were), some started, one withdrawn.

Everything through the services, as staff would do it; the policies are configuration, set here
as an administrator would in the admin.
"""

import random
from datetime import datetime, timedelta

from accounts.models import Role, TeamMembership, User
from localities.models import Team
from referrals.errors import InvalidTransition
from referrals.models import ClockPolicy, Intervention, Referral, ResponseTarget
from referrals.services import caseload_allocate, contact_record, referral_create, referral_triage
from referrals.services.intervention_waits import (
    intervention_offer_create,
    intervention_offer_start,
    intervention_offer_withdraw,
)

from . import catalogue as c
from .reference import Cast

EIP_TEAM = "Severnside Early Intervention in Psychosis Service"
HUB_TEAM = "Severnside Urgent Care Hub"
DAY, HOUR, WEEK = timedelta(days=1), timedelta(hours=1), timedelta(weeks=1)

THERAPIES = (
    (Intervention.Kind.TALKING_THERAPY, "CBT for depression (16 sessions)"),
    (Intervention.Kind.TALKING_THERAPY, "Trauma-focused CBT"),
    (Intervention.Kind.DBT_SKILLS, "DBT skills group (24 weeks)"),
    (Intervention.Kind.STRUCTURED_CLINICAL_MANAGEMENT, "Structured clinical management"),
    (Intervention.Kind.PEER_SUPPORT, "Peer support, weekly"),
)


def _team(name: str, *, cast: Cast, kind: str, team_type: str, email: str) -> Team:
    return Team.objects.create(
        name=name,
        kind=kind,
        organisation=cast.trust,
        mhsds_team_type=team_type,
        email=f"{email}@teams.{c.EMAIL_DOMAIN}",
    )


def _staff(team: Team, cast: Cast) -> tuple[User, User]:
    """A clinician, a team manager and a link worker of the first locality team also work in ``team``."""
    home = cast.localities[0].team
    clinician = cast.team_staff(home, Role.CLINICIAN)[0]
    manager = (cast.team_staff(home, Role.TEAM_MANAGER) or [clinician])[0]
    link_worker = (cast.team_staff(home, Role.LINK_WORKER) or [clinician])[0]
    for user in {clinician.pk: clinician, manager.pk: manager, link_worker.pk: link_worker}.values():
        TeamMembership.objects.get_or_create(user=user, team=team)
    return clinician, manager


def _eip(cast: Cast, rng: random.Random, now: datetime) -> None:
    team = _team(EIP_TEAM, cast=cast, kind=Team.Kind.SYSTEM_SERVICE, team_type="A14", email="eip")
    policy = ClockPolicy.objects.create(
        name="Early intervention in psychosis: treatment within 2 weeks (EIP23a)",
        team=team,
        treatment_target=timedelta(days=14),
        treatment_stop_rule=ClockPolicy.TreatmentStopRule.EIP,
        treatment_escalation_after=timedelta(days=2),
        treatment_second_escalation_after=timedelta(days=5),
    )
    for row in ClockPolicy.objects.get(is_default=True).response_targets.all():
        row.pk, row.policy = None, policy
        row.save()
    clinician, manager = _staff(team, cast)
    # (days ago received, [(day, "coordinator" or "contact")]): treated on day 9, within two weeks;
    # seen on day 4 but given a care coordinator only on day 16 (met with them the next day), late;
    # seen on day 2 and still waiting for a care coordinator.
    journeys = (
        (40, [(3, "coordinator"), (9, "contact")]),
        (35, [(4, "contact"), (16, "coordinator"), (17, "contact")]),
        (6, [(2, "contact")]),
    )
    for received_ago, events in journeys:
        received = now - received_ago * DAY
        practice = rng.choice(cast.localities[0].practices)
        referral, _ = referral_create(
            by=clinician,
            now=received,
            received_at=received,
            source=Referral.Source.GP,
            urgency=Referral.Urgency.URGENT,
            presenting_need="Hearing voices for the last month and not sleeping; family worried.",
            given_name=rng.choice(c.GIVEN_NAMES),
            family_name=rng.choice(c.FAMILY_NAMES),
            gp_practice=practice,
            team_override=team,
            override_reason="Suspected first episode of psychosis: straight to the EIP service.",
            primary_reason="01",
        )
        referral_triage(
            referral=referral,
            by=clinician,
            now=received + HOUR,
            thrive_grouping=Referral.Thrive.GETTING_MORE_HELP,
        )
        for after, what in events:
            at = received + after * DAY
            if what == "coordinator":
                caseload_allocate(referral=referral, by=manager, now=at, link_worker=clinician, team=team)
            else:
                contact_record(
                    referral=referral,
                    by=clinician,
                    now=at,
                    occurred_at=at,
                    consultation_mechanism="01",
                    attendance="5",
                    note="Assessment at home with the family.",
                )


def _hub(cast: Cast, rng: random.Random, now: datetime) -> None:
    team = _team(HUB_TEAM, cast=cast, kind=Team.Kind.CRISIS, team_type="A18", email="urgent-care-hub")
    policy = ClockPolicy.objects.create(name="Urgent care hub: assessed within 2 hours of arrival", team=team)
    for urgency in ("emergency", "very_urgent", "urgent", "routine"):
        ResponseTarget.objects.create(
            policy=policy,
            urgency=urgency,
            target=2 * HOUR,
            escalation_after=timedelta(minutes=30),
            second_escalation_after=HOUR,
        )
    clinician, _ = _staff(team, cast)
    for arrived_ago, seen_after in ((timedelta(days=2), timedelta(minutes=80)), (3 * HOUR, None)):
        arrived = now - arrived_ago
        referral, _ = referral_create(
            by=clinician,
            now=arrived,
            received_at=arrived,
            source=rng.choice([Referral.Source.POLICE, Referral.Source.AMBULANCE]),
            urgency=Referral.Urgency.VERY_URGENT,
            presenting_need="Brought in by the crew after a crisis in the street; calmer now.",
            given_name=rng.choice(c.GIVEN_NAMES),
            family_name=rng.choice(c.FAMILY_NAMES),
            team_override=team,
            override_reason="Police and ambulance bring people to the urgent care hub.",
        )
        if seen_after is not None:
            contact_record(
                referral=referral,
                by=clinician,
                now=arrived + seen_after,
                occurred_at=arrived + seen_after,
                consultation_mechanism="01",
                attendance="5",
                note="Assessed face to face at the hub; plan agreed with the person.",
            )


def _waiting_lists(cast: Cast, rng: random.Random, now: datetime) -> None:
    """Therapies offered months ago on open referrals: most still waiting, some past target."""
    open_referrals = list(
        Referral.objects.filter(ended_at__isnull=True, received_at__lte=now - 8 * WEEK, team__kind=Team.Kind.LOCALITY)
        .select_related("team")
        .order_by("received_at")[:24]
    )
    for i, referral in enumerate(open_referrals):
        staff = cast.team_staff(referral.team, Role.CLINICIAN)
        if referral.team is None or not staff:
            continue
        kind, description = THERAPIES[i % len(THERAPIES)]
        oldest = max((now - referral.received_at) / DAY - 1, 1)
        decided = now - timedelta(days=rng.uniform(min(oldest, 7), oldest))
        try:
            offer = intervention_offer_create(
                referral=referral,
                team=referral.team,
                kind=kind,
                description=description,
                by=staff[0],
                now=decided,
                decided_at=decided,
            )
        except InvalidTransition:
            continue
        if i % 6 == 4:
            start = decided + (now - decided) * rng.uniform(0.3, 0.9)
            intervention_offer_start(offer=offer, by=staff[0], now=start, started_at=start)
        elif i % 11 == 10:
            intervention_offer_withdraw(
                offer=offer, by=staff[0], now=now - DAY, reason="Chose the peer support group instead."
            )


def build(*, cast: Cast, rng: random.Random, now: datetime) -> None:
    _eip(cast, rng, now)
    _hub(cast, rng, now)
    _waiting_lists(cast, rng, now)
