"""The demo's pathways, tiers and journeys along them; the roll-out of a service by locality (issue 14, items 1, 2, 6)."""

import random
from datetime import datetime

from .reference import Cast


def build(*, cast: Cast, rng: random.Random, now: datetime) -> None:
    """Placeholder until this part of the demo is written."""
