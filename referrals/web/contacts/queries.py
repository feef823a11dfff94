"""Reads for recording a contact."""

from access.selectors import referrals_visible_to
from accounts.models import User
from referrals.models import Referral
from referrals.web.shared import current_clocks


def referral_row(user: User, referral_id: int) -> Referral | None:
    """One queue or caseload row again (after a contact), with its current clocks."""
    return (
        referrals_visible_to(user)
        .select_related("person", "team", "locality")
        .prefetch_related(current_clocks())
        .filter(pk=referral_id)
        .first()
    )
