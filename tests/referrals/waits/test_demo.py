"""The demo shows internal waits past target, the EIP team's two-week clock and the urgent care
hub's two hours, built through the services."""

from datetime import UTC, datetime

import pytest

from demo.loader import demo_load
from demo.waits import EIP_TEAM, HUB_TEAM
from referrals.models import Clock, InterventionOffer


@pytest.mark.slow
def test_the_demo_has_waits_past_target_and_the_eip_and_hub_clocks(db):
    now = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    demo_load(referrals=150, seed=7, now=now)
    waiting = InterventionOffer.objects.filter(clock__stopped_at__isnull=True)
    assert waiting.filter(kind="talking_therapy", clock__due_at__lt=now).exists()
    eip = Clock.objects.filter(referral__team__name=EIP_TEAM, kind="treatment")
    assert set(eip.values_list("stop_rule", flat=True)) == {"eip"}
    assert eip.filter(stopped_at__isnull=False).count() == 2
    hub = Clock.objects.filter(referral__team__name=HUB_TEAM, kind="first_response")
    assert {clock.target.total_seconds() for clock in hub} == {7200}
