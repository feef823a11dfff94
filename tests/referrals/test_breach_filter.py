"""The API list's breach filter (``referrals.selectors.referrals_with_breach``) asks two questions,
each from its own index: has a clock stopped or paused late, and is an open, unpaused clock past
its due time. Together they are the clock's own rule (``Clock.is_breached``), for every state a
clock can be in; an intervention wait never makes a referral breached here."""

from datetime import timedelta

import pytest
from django.utils import timezone

from referrals.models import Clock, Referral
from referrals.selectors import referrals_with_breach
from tests.factories import make_referral

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)

# The first-response clock's state, relative to its due time, and whether it has breached.
STATES = {
    "stopped late": (dict(stopped_at=+HOUR, stop_reason="contact"), True),
    "stopped in time": (dict(stopped_at=-HOUR, stop_reason="contact"), False),
    "paused after its due time": (dict(paused_at=+HOUR), True),
    "paused before it, now past it": (dict(paused_at=-HOUR), False),
    "open past its due time": ({}, True),
    "open, not yet due": (dict(due_in_future=True), False),
}


def _set(clock: Clock, state: dict) -> None:
    """Stop or pause the clock an hour either side of its due time (what the state names)."""
    changes: dict = {}
    for field in ("stopped_at", "paused_at"):
        if field in state:
            changes[field] = clock.due_at + state[field]
            changes["next_check_at"] = None
    if "stop_reason" in state:
        changes["stop_reason"] = state["stop_reason"]
    if changes:
        Clock.all_kinds.filter(pk=clock.pk).update(**changes)


def test_each_state_of_a_clock_is_found_by_the_breach_filter_as_the_clock_itself_says(intake, north_practice):
    now = timezone.now()
    long_ago = now - timedelta(days=400)  # both clocks long past their due times
    made = {}
    for name, (state, _) in STATES.items():
        received = now if state.get("due_in_future") else long_ago
        referral = make_referral(
            by=intake, practice=north_practice, received_at=received, now=now, family_name=name.title().replace(" ", "")
        )
        clocks = {c.kind: c for c in referral.clocks.all()}
        _set(clocks[Clock.Kind.FIRST_RESPONSE], state)
        # The treatment clock stopped in time, so the first response decides.
        _set(clocks[Clock.Kind.TREATMENT], STATES["stopped in time"][0])
        made[name] = referral
    # A referral whose only clock past its due time is an intervention wait (docs/internal-waits.md).
    waiting = make_referral(by=intake, practice=north_practice, received_at=long_ago, now=now, family_name="Waiting")
    for clock in waiting.clocks.all():
        _set(clock, STATES["stopped in time"][0])
    overdue = waiting.clocks.get(kind=Clock.Kind.FIRST_RESPONSE)
    Clock.all_kinds.filter(pk=overdue.pk).update(kind="intervention", is_current=False, stopped_at=None, stop_reason="")

    every = Referral.objects.filter(pk__in=[r.pk for r in [*made.values(), waiting]])
    breached = set(referrals_with_breach(every, now=now, breached=True).values_list("pk", flat=True))
    not_breached = set(referrals_with_breach(every, now=now, breached=False).values_list("pk", flat=True))

    for name, (_, expected) in STATES.items():
        referral = made[name]
        own_rule = any(c.is_breached(now) for c in Clock.objects.filter(referral=referral))
        assert own_rule is expected, name
        assert (referral.pk in breached) is expected, name
        assert (referral.pk in not_breached) is (not expected), name
    assert Clock.all_kinds.get(pk=overdue.pk).is_breached(now)  # it is past due, as a wait
    assert waiting.pk in not_breached and waiting.pk not in breached
