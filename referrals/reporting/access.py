"""Who sees what on the dashboards.

Everyone who can log in sees the aggregates: counts, rates and centiles, with small
numbers suppressed, so no aggregate can identify a person. Lists of individual referrals
(the longest waits, the breaches) show only referrals the user may open
(``referrals.selectors.referrals_visible_to``), by reference and never by name, and are
not shown to service managers at all: they commission and manage services, not people's
care.
"""

from accounts.models import Role, User


def can_drill_down(user: User) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user.role != Role.SERVICE_MANAGER
