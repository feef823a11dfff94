"""The demo's internal waits for interventions; the early intervention in psychosis and urgent care hub clocks (issue 14, items 4-5)."""

import random
from datetime import datetime

from .reference import Cast


def build(*, cast: Cast, rng: random.Random, now: datetime) -> None:
    """Placeholder until this part of the demo is written."""
