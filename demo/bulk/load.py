"""``bulk_load``: the demo's service and ``shape.referrals`` referrals, written with COPY."""

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction

from referrals.models import Person
from referrals.selectors import policy_for_team
from referrals.services.measure_scope import referral_measure_scope_rebuild
from referrals.services.milestones import referral_milestones_rebuild, referral_second_contacts_rebuild

from .grants import grants_build
from .plan import BulkPlanner
from .rows import BulkRows
from .service_models import service_models_build
from .shape import BulkShape
from .staff import BulkCast, holders_build, staff_build

CHUNK = 10_000  # referrals planned, then sent and committed together


@dataclass
class BulkResult:
    bulk: BulkCast
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows written
    seconds: float = 0.0


def _last_synthetic_nhs_serial() -> int:
    """Carry on after any synthetic NHS number already issued (the demo's, an earlier load's)."""
    highest = (
        Person.objects.filter(nhs_number__startswith="999").order_by("-nhs_number").values_list("nhs_number", flat=True)
    ).first()
    return int(highest[:9]) if highest else 998_999_999


def bulk_load(*, shape: BulkShape, now: datetime, progress: Callable[[str], None] | None = None) -> BulkResult:
    """Build the demo's reference data and staff, then ``shape.referrals`` referrals received up to ``now``.

    PostgreSQL only (COPY). The same shape and ``now`` give the same rows, up to their ids.
    """
    if connection.vendor != "postgresql":
        raise NotImplementedError("demo.bulk writes with PostgreSQL's COPY; use load_demo elsewhere.")
    started = time.monotonic()
    say = progress or (lambda message: None)
    staff_rng = random.Random(f"{shape.seed}-staff")
    with transaction.atomic():
        bulk = staff_build(shape=shape, rng=staff_rng, now=now)
    policy = policy_for_team(None)
    nhs_after = _last_synthetic_nhs_serial()

    def planner() -> BulkPlanner:
        return BulkPlanner(shape=shape, now=now, bulk=bulk, policy=policy, nhs_after=nhs_after)

    wanted = [shape.holders_per_team] * len(bulk.teams)
    if shape.worker_holds is not None:
        # A first pass over the same plans counts what each team holds, to staff it.
        held = [0] * len(bulk.teams)
        for plan in planner().plans():
            if plan.is_open and plan.allocated_at is not None:
                held[plan.team] += 1
        wanted = [max(1, math.ceil(count / shape.worker_holds)) for count in held]
    with transaction.atomic():
        holders_build(bulk=bulk, wanted=wanted, rng=staff_rng, now=now)
    say(f"{len(bulk.teams)} teams, {sum(wanted):,} people holding their referrals")

    result = BulkResult(bulk=bulk)
    with connection.cursor() as cursor:
        rows = BulkRows(cursor, bulk=bulk, shape=shape, warning_fraction=float(policy.warning_fraction), now=now)
        for i, plan in enumerate(planner().plans(), start=1):
            rows.write(plan)
            if i % CHUNK == 0 or i == shape.referrals:
                with transaction.atomic():
                    rows.flush()
                say(f"{i:,} of {shape.referrals:,} referrals")
        with transaction.atomic():
            rows.close()
        result.rows = rows.counts()
        # Statistics for what COPY just wrote: without them the planner takes the new tables for
        # empty and joins the measure-scope rebuild's hand-offs to a million referrals in a nested
        # loop (hours, not seconds).
        cursor.execute("ANALYZE")
        if shape.history and shape.service_models:
            with transaction.atomic():
                written = service_models_build(
                    cursor,
                    bulk=bulk,
                    now=now,
                    seed=shape.seed,
                    warning_fraction=float(policy.warning_fraction),
                    alerts=shape.alerts,
                )
            for table, count in written.items():  # clocks, contacts and alerts add to the referrals' own
                result.rows[table] = result.rows.get(table, 0) + count
            cursor.execute("ANALYZE")
            say("pathway placements, roll-out, intervention waits and groups")
        with transaction.atomic():
            # Each referral's earliest clock-stop events, and what the measures read of it, as the
            # services would have kept them.
            referral_milestones_rebuild()
            referral_second_contacts_rebuild()
            referral_measure_scope_rebuild()
        say("referral milestones and measure scope")
        if shape.grants is not None:
            with transaction.atomic():
                people = range(rows.people.first_id, rows.people.next_id)
                grants_rng = random.Random(f"{shape.seed}-grants")
                result.rows |= grants_build(
                    cursor, bulk=bulk, grants=shape.grants, people=people, rng=grants_rng, now=now
                )
    result.seconds = time.monotonic() - started
    return result
