import pytest

from accounts.models import Role
from localities.models import Team
from tests.factories import TeamFactory, UserFactory


@pytest.fixture(autouse=True)
def provider_code(trust):
    """The standing cast's trust submits MHSDS as RXX (an invented ODS code)."""
    trust.ods_code = "RXX"
    trust.save(update_fields=["ods_code"])
    return "RXX"


@pytest.fixture(autouse=True)
def extracts_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path


@pytest.fixture
def community_team(north_team):
    """North team (alice's), counted nationally as a community mental health team (A06)."""
    north_team.mhsds_team_type = "A06"
    north_team.save(update_fields=["mhsds_team_type"])
    return north_team


@pytest.fixture
def crisis_team(trust):
    return TeamFactory(name="Crisis team", organisation=trust, kind=Team.Kind.CRISIS, mhsds_team_type="A02")


@pytest.fixture
def ingrid(trust):
    """The information governance lead."""
    return UserFactory(username="ingrid", role=Role.IG_LEAD, organisation=trust)
