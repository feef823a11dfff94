"""A believable synthetic service for demonstrations: six localities, partners, staff and referrals.

Everything here is invented. ``demo_load`` builds it through the same services
that staff use, so clocks, hand-offs, allocations and the audit log are real.
"""

from .catalogue import DEMO_PASSWORD
from .loader import Login, clock_states, demo_is_loaded, demo_load, demo_logins, referral_status_counts

__all__ = [
    "DEMO_PASSWORD",
    "Login",
    "clock_states",
    "demo_is_loaded",
    "demo_load",
    "demo_logins",
    "referral_status_counts",
]
