"""Services, their pathways (ordered tiers with eligibility), each person's place on a pathway, and
the roll-out of a service locality by locality (issue 14, items 1, 2 and 6)."""

from .pathway import Pathway, Tier
from .placement import Placement, Step
from .rollout import Rollout

__all__ = ["Pathway", "Placement", "Rollout", "Step", "Tier"]
