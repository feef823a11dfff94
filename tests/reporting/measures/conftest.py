import pytest

from localities.models import Team
from tests.factories import TeamFactory


@pytest.fixture
def community_team(north_team):
    """North team, counted nationally as a community mental health team (A06): alice's team."""
    north_team.mhsds_team_type = "A06"
    north_team.save(update_fields=["mhsds_team_type"])
    return north_team


@pytest.fixture
def crisis_team(trust):
    return TeamFactory(name="Crisis team", organisation=trust, kind=Team.Kind.CRISIS, mhsds_team_type="A02")


@pytest.fixture
def liaison_team(trust):
    return TeamFactory(name="Liaison team", organisation=trust, kind=Team.Kind.SYSTEM_SERVICE, mhsds_team_type="A11")


@pytest.fixture
def eip_team(trust):
    """An early intervention in psychosis team (A14)."""
    return TeamFactory(name="Early intervention team", organisation=trust, mhsds_team_type="A14")
