"""Waits: how many referrals came in, how long people waited, which clocks are running late.

Definitions (written on the page too, in templates/dashboard/includes/definitions.html):

* A **completed wait** is a clock stopped by its own rule in the period: the first
  completed contact for the first-response clock; the treatment clock's stop rule
  (second completed contact, referral spell, or recorded treatment start) for the
  treatment clock. Its wait is ``stopped_at - started_at``; it **met** its target if it
  stopped on or before ``due_at`` (the clock's own target, set by urgency and pathway
  when it started). Clocks that ended otherwise (restarted, the referral ended first,
  stopped by hand) are not waits: they are counted separately, never dropped.
* **Open now** are the current clocks not yet stopped; **at risk** are running clocks
  past their warning time and not yet due; **breached** are running clocks past their
  due time, and paused clocks paused after it.
* The weekly trend uses whole weeks (Monday to Sunday) that overlap the period and have
  ended; open, at risk and breached are counted at the end of each week (ignoring pauses).

Every function runs a fixed number of queries, however much data there is.

``figures`` works the numbers out, ``page`` draws them (issue 17 split the two).
"""

from .figures import (
    KINDS,
    OTHER_STOPS,
    DayWaits,
    KindStats,
    LiveDays,
    OpenNow,
    WeekRow,
    completed_in_period,
    live_days_for,
    open_now,
    received_in_period,
    weekly,
)
from .page import LongWait, WaitsPage, clock_status, longest_waits, referral_link, waits_page

__all__ = [
    "KINDS",
    "OTHER_STOPS",
    "DayWaits",
    "KindStats",
    "LiveDays",
    "LongWait",
    "OpenNow",
    "WaitsPage",
    "WeekRow",
    "clock_status",
    "completed_in_period",
    "live_days_for",
    "longest_waits",
    "open_now",
    "received_in_period",
    "referral_link",
    "waits_page",
    "weekly",
]
