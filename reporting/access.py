"""Who sees what on the dashboards.

Everyone who can log in sees the aggregates: counts, rates and centiles, with small
numbers suppressed, so no aggregate can identify a person. Lists of individual referrals
(the longest waits, the breaches) show only referrals the user may open
(``referrals.selectors.referrals_visible_to``), by reference and never by name, and are
not shown to anyone whose role reads no records (service managers, IG leads, administrators,
superusers included, unless they also work clinically): they commission and manage services,
not people's care (docs/adr/0006).
"""

from accounts.models import RecordScope, User


def can_drill_down(user: User) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.record_scope != RecordScope.NONE
