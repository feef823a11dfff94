"""The clock policy and first-response target a new referral's clocks start under, read in one
query at intake (issue 17), say what the policy and its target read one at a time say."""

from datetime import timedelta

import pytest

from referrals.models import ClockPolicy, ResponseTarget
from referrals.selectors import policy_and_response_target
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db

URGENCIES = ["emergency", "very_urgent", "urgent", "routine"]


def read_one_at_a_time(team, urgency):
    """The rule, read plainly: the team's own policy, else the default; its target for the
    urgency, else the default policy's."""
    default = ClockPolicy.objects.get(is_default=True)
    policy = ClockPolicy.objects.filter(team=team).first() if team is not None else None
    policy = policy or default
    target = ResponseTarget.objects.filter(policy=policy, urgency=urgency).first()
    return policy, target or ResponseTarget.objects.get(policy=default, urgency=urgency)


def same(a: ResponseTarget, b: ResponseTarget) -> bool:
    fields = ("pk", "policy_id", "urgency", "target", "escalation_after", "second_escalation_after")
    return all(getattr(a, f) == getattr(b, f) for f in fields)


def pilot_policy(team, **targets: timedelta) -> ClockPolicy:
    """A team's own policy with its own targets for some urgencies only."""
    policy = ClockPolicy.objects.create(name=f"{team.name} pilot", team=team, treatment_target=timedelta(days=21))
    for urgency, within in targets.items():
        ResponseTarget.objects.create(
            policy=policy,
            urgency=urgency,
            target=within,
            escalation_after=within / 2,
            second_escalation_after=within,
        )
    return policy


@pytest.mark.parametrize("urgency", URGENCIES)
def test_every_urgency_for_every_kind_of_team_reads_as_one_query_as_it_does_in_two(urgency, north_team, trust):
    pilot_policy(north_team, routine=timedelta(hours=12), urgent=timedelta(hours=6))
    no_policy = TeamFactory(name="South IPCT", organisation=trust)
    for team in (None, north_team, no_policy):
        policy, target = policy_and_response_target(team, urgency)
        expected_policy, expected_target = read_one_at_a_time(team, urgency)
        assert policy == expected_policy
        assert target is not None and same(target, expected_target)


def test_a_team_policy_keeps_its_own_treatment_target_and_borrows_the_defaults_missing_response_target(north_team):
    own = pilot_policy(north_team, routine=timedelta(hours=12))

    policy, emergency = policy_and_response_target(north_team, "emergency")
    _, routine = policy_and_response_target(north_team, "routine")

    assert policy == own and policy.treatment_target == timedelta(days=21)
    assert emergency is not None and emergency.policy.is_default and emergency.target == timedelta(hours=1)
    assert routine is not None and routine.policy == own and routine.target == timedelta(hours=12)


def test_no_target_for_the_urgency_anywhere_is_none(north_team):
    ResponseTarget.objects.filter(policy__is_default=True, urgency="emergency").delete()

    assert policy_and_response_target(north_team, "emergency") == (ClockPolicy.objects.get(is_default=True), None)


def test_it_is_one_query(north_team, django_assert_num_queries):
    pilot_policy(north_team, routine=timedelta(hours=12))

    with django_assert_num_queries(1):
        policy_and_response_target(north_team, "emergency")
