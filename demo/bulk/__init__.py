"""The one fast synthetic generator, for the benchmarks: the demo's service at any size.

``demo.loader.demo_load`` replays a few thousand referral journeys through the services, so
clocks, hand-offs and the audit log are exactly as staff would leave them: right for a
demonstration, hours for a million. ``bulk_load`` builds the same reference data and staff
(``demo.reference``), then writes the referrals, people, clocks, contacts, hand-offs,
allocations, outcome measures, alerts, grants, pathway placements, intervention waits and
groups straight into PostgreSQL with COPY, drawn
from the demo's catalogue and proportions with one seed, keeping the rules the app relies on
(``demo.bulk.plan``). A million referrals take minutes. Everything is invented.

    from demo.bulk import BulkShape, bulk_load
    bulk_load(shape=BulkShape(referrals=1_000_000, alerts=False), now=timezone.now())
"""

from .load import BulkResult, bulk_load
from .shape import AccessGrants, BulkShape

# Bump when the rows the same shape makes change: benchmarks then rebuild their data.
VERSION = 3

__all__ = ["VERSION", "AccessGrants", "BulkResult", "BulkShape", "bulk_load"]
