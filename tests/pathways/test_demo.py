"""The demo shows the complex emotional needs pathway: three tiers, people on them who stepped up
and down or left to self-care, and a roll-out already live in some localities and still to come in
others, all made through the pathway services."""

from datetime import UTC, datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from accounts.models import AuditEvent
from demo import catalogue as c
from pathways.models import Pathway, Placement, Rollout, Step

LOAD_TIME = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)


@pytest.mark.django_db
def test_the_demo_has_a_three_tier_pathway_people_on_it_and_a_roll_out_past_and_future():
    with time_machine.travel(LOAD_TIME, tick=False):
        call_command("load_demo", referrals=150, stdout=StringIO())

    pathway = Pathway.objects.get(name="Complex emotional needs")
    assert pathway.team.name == c.CEN_SERVICE
    assert [t.label for t in pathway.tiers.all()] == ["1+", "2", "3"]
    assert pathway.minimum_age == 16 and pathway.alternative_team != pathway.team

    rollouts = Rollout.objects.filter(team=pathway.team)
    today = LOAD_TIME.date()
    assert rollouts.count() == 6
    assert rollouts.filter(live_from__lte=today).exists() and rollouts.filter(live_from__gt=today).exists()
    assert {r.locality.name for r in rollouts.filter(live_from__gt=today)} == {
        "North and West Bristol",
        "Inner City and East Bristol",
        "South Bristol",
    }

    assert Placement.objects.filter(pathway=pathway).exists()
    kinds = set(Step.objects.values_list("kind", flat=True))
    assert Step.Kind.ENTER in kinds and kinds & {Step.Kind.STEP_UP, Step.Kind.STEP_DOWN, Step.Kind.LEAVE}
    assert AuditEvent.objects.filter(action="pathway.enter").count() == Placement.objects.count()
