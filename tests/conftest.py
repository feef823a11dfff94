"""A standing cast, after healthchecks' alice/bob/charlie:

* alice: clinician in North team (the team that receives North's referrals)
* bob: link worker in North team (a VCSE peer support worker)
* tina: North team's manager
* sam: service manager in the NHS trust
* charlie: clinician in South team: must see nothing of North's people

and a standing referral (factories for every other state: tests/factories/states.py):

* referral: a routine referral from a North practice, so it sits with North team, recorded by
  alice as it arrived (received). A module that works from a fixed instant, or tests another
  urgency, overrides ``referral_received_at`` or ``referral_urgency``, not the referral;
* triaged_referral: the same referral, triaged by alice as it arrived; nobody holds it yet.
"""

import pytest
from django.utils import timezone

from accounts.models import Role
from localities.models import Organisation, Team
from referrals.defaults import ensure_default_policy
from referrals.models import ClockPolicy, Referral, ResponseTarget
from tests.factories import (
    LocalityFactory,
    OrganisationFactory,
    PracticeFactory,
    TeamFactory,
    UserFactory,
    make_received_referral,
    make_triaged_referral,
)

# The standing referral's person. Synthetic: a valid check digit, issued to nobody.
STANDING_NHS_NUMBER = "9434765919"


@pytest.fixture(autouse=True)
def default_clock_policy(request):
    """Migration 0002 seeds it, but a transactional test's flush empties every table."""
    if "db" not in request.fixturenames and "transactional_db" not in request.fixturenames:
        if not request.node.get_closest_marker("django_db"):
            return None
    request.getfixturevalue("transactional_db" if _is_transactional(request) else "db")
    return ensure_default_policy(ClockPolicy, ResponseTarget)


def _is_transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("transaction")) or "transactional_db" in request.fixturenames


@pytest.fixture
def trust(db):
    return OrganisationFactory(name="Synthetic Partnership NHS Trust", kind=Organisation.Kind.NHS_TRUST)


@pytest.fixture
def vcse(db):
    return OrganisationFactory(name="Synthetic Mind", kind=Organisation.Kind.VCSE)


@pytest.fixture
def north(db):
    return LocalityFactory(name="North and West", code="north-west")


@pytest.fixture
def south(db):
    return LocalityFactory(name="South", code="south")


@pytest.fixture
def north_team(trust, north):
    team = TeamFactory(name="North IPCT", organisation=trust, locality=north, kind=Team.Kind.LOCALITY)
    north.intake_team = team
    north.save()
    return team


@pytest.fixture
def south_team(trust, south):
    team = TeamFactory(name="South IPCT", organisation=trust, locality=south, kind=Team.Kind.LOCALITY)
    south.intake_team = team
    south.save()
    return team


@pytest.fixture
def north_practice(north):
    return PracticeFactory(ods_code="L81001", name="Harbourside Surgery", locality=north)


@pytest.fixture
def south_practice(south):
    return PracticeFactory(ods_code="L81002", name="Hillcrest Medical Centre", locality=south)


@pytest.fixture
def alice(trust, north_team):
    return UserFactory(username="alice", role=Role.CLINICIAN, organisation=trust, teams=[north_team])


@pytest.fixture
def bob(vcse, north_team):
    return UserFactory(
        username="bob", role=Role.LINK_WORKER, organisation=vcse, teams=[north_team], job_title="Peer support worker"
    )


@pytest.fixture
def tina(trust, north_team):
    return UserFactory(username="tina", role=Role.TEAM_MANAGER, organisation=trust, teams=[north_team])


@pytest.fixture
def sam(trust):
    return UserFactory(username="sam", role=Role.SERVICE_MANAGER, organisation=trust)


@pytest.fixture
def charlie(trust, south_team):
    return UserFactory(username="charlie", role=Role.CLINICIAN, organisation=trust, teams=[south_team])


@pytest.fixture
def intake(trust):
    """The account a referral-intake system or call handler posts with."""
    return UserFactory(username="intake", role=Role.INTAKE, organisation=trust)


@pytest.fixture
def referral_received_at():
    """When the standing referral arrived (and was recorded)."""
    return timezone.now()


@pytest.fixture
def referral_urgency():
    return Referral.Urgency.ROUTINE


@pytest.fixture
def referral(alice, north_team, north_practice, referral_received_at, referral_urgency):
    return make_received_referral(
        by=alice,
        now=referral_received_at,
        practice=north_practice,
        urgency=referral_urgency,
        nhs_number=STANDING_NHS_NUMBER,
    )


@pytest.fixture
def triaged_referral(referral, alice, referral_received_at):
    return make_triaged_referral(referral=referral, by=alice, now=referral_received_at)
