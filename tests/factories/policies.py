from localities.models import Team
from referrals.models import ClockPolicy


def make_team_policy(team: Team, **fields) -> ClockPolicy:
    """A team's own clock policy, with the default policy's response targets."""
    policy = ClockPolicy.objects.create(name=f"{team.name} pathway", team=team, **fields)
    for row in ClockPolicy.objects.get(is_default=True).response_targets.all():
        row.pk, row.policy = None, policy
        row.save()
    return policy
