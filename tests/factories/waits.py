"""Internal waits and the EIP and urgent care hub clock policies (docs/internal-waits.md)."""

from datetime import datetime, timedelta

from django.utils import timezone

from accounts.models import User
from localities.models import Team
from referrals.models import ClockPolicy, Intervention, InterventionOffer, Referral, ResponseTarget
from referrals.services.intervention_waits import intervention_offer_create

URGENCIES = ("emergency", "very_urgent", "urgent", "routine")


def make_eip_policy(team: Team) -> ClockPolicy:
    """Early intervention in psychosis: treatment within 2 weeks, stopped as NHS England's EIP23a."""
    team.mhsds_team_type = "A14"
    team.save(update_fields=["mhsds_team_type"])
    policy = ClockPolicy.objects.create(
        name=f"{team.name}: EIP",
        team=team,
        treatment_target=timedelta(days=14),
        treatment_stop_rule=ClockPolicy.TreatmentStopRule.EIP,
        treatment_escalation_after=timedelta(days=2),
        treatment_second_escalation_after=timedelta(days=5),
    )
    for row in ClockPolicy.objects.get(is_default=True).response_targets.all():
        row.pk, row.policy = None, policy
        row.save()
    return policy


def make_urgent_care_hub_policy(team: Team) -> ClockPolicy:
    """An urgent care hub: assessed within 2 hours of arrival, whatever the urgency."""
    policy = ClockPolicy.objects.create(name=f"{team.name}: urgent care hub", team=team)
    for urgency in URGENCIES:
        ResponseTarget.objects.create(
            policy=policy,
            urgency=urgency,
            target=timedelta(hours=2),
            escalation_after=timedelta(minutes=30),
            second_escalation_after=timedelta(hours=1),
        )
    return policy


def make_offer(
    referral: Referral,
    *,
    by: User,
    team: Team | None = None,
    kind: str = Intervention.Kind.TALKING_THERAPY,
    description: str = "CBT for psychosis",
    decided_at: datetime | None = None,
    now: datetime | None = None,
    code: str = "",
) -> InterventionOffer:
    now = now or timezone.now()
    return intervention_offer_create(
        referral=referral,
        team=team or referral.team,
        kind=kind,
        description=description,
        by=by,
        now=now,
        decided_at=decided_at or now,
        code=code,
    )
