"""The pathway sections other pages include, so their views need not know of pathways:
``{% pathway_journey person %}`` on the person page, ``{% team_pathway_tiers team %}`` on the team
caseload page. Each runs a fixed number of queries, whatever the numbers of people and steps."""

from typing import Any

from django import template

from localities.models import Team
from pathways.selectors import person_journeys, team_pathways
from referrals.models import Person

register = template.Library()


@register.inclusion_tag("pathways/_person_section.html")
def pathway_journey(person: Person) -> dict[str, Any]:
    """The person's pathway journey (the caller has already checked the user may see them)."""
    return {"person": person, "journeys": person_journeys(person)}


@register.inclusion_tag("pathways/_team_tiers.html")
def team_pathway_tiers(team: Team) -> dict[str, Any]:
    """How many people are on each tier of the team's pathways now, each tier linking to who."""
    return {"team": team, "pathways": team_pathways(team)}
