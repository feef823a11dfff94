"""The demo's groups, cohorts, sessions and attendance (issue 14, item 3)."""

import random
from datetime import datetime

from .reference import Cast


def build(*, cast: Cast, rng: random.Random, now: datetime) -> None:
    """Placeholder until this part of the demo is written."""
