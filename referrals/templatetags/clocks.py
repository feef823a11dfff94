"""Waiting-time clocks and times, as people read them.

``{% load clocks %}`` then:

* ``{% clock_badge clock now %}``: an NHS.UK tag saying where a clock stands. The words carry the
  meaning and the colour repeats it: green "Met", grey "Stopped" or "Paused", blue "3h 20m left",
  orange "Due in 45m" once the clock has passed its warning point (``warn_at``: 75% of the target
  by default), red "Overdue by 2h" once breached. A clock that was met or stopped after its due
  time stays red ("Met 2h late", "Stopped after breach"): breaches are facts. Pass the ``now`` the
  view used for its queries; it defaults to the current time. ``hidden_label="First response: "``
  prefixes words only screen readers hear, for badges outside a labelled table column.
* ``{{ some_datetime|london }}``: "Sat 14 Mar 2026, 02:00" in Europe/London time (a date alone
  gives "Sat 14 Mar 2026"). Naive datetimes are refused: everything is stored in UTC.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString

from common.london import london
from referrals.models import Clock

register = template.Library()
# "Sat 14 Mar 2026, 02:00" (GMT or BST as the date has it): the one London formatter, as a filter.
register.filter("london", london)
# Stops that mean the standard was met; the others (restart, discharge, by hand) just end the clock.
MET_REASONS = frozenset(
    {
        Clock.StopReason.FIRST_COMPLETED_CONTACT,
        Clock.StopReason.SECOND_COMPLETED_CONTACT,
        Clock.StopReason.REFERRAL_SPELL_COMPLETE,
        Clock.StopReason.TREATMENT_STARTED,
    }
)


@dataclass(frozen=True)
class Badge:
    colour: str  # an NHS.UK tag colour
    text: str  # what is shown: "3h 20m left"
    spoken: str  # what a screen reader says: "3 hours 20 minutes left"


def _minutes(delta: timedelta, *, round_up: bool) -> int:
    minutes = delta.total_seconds() / 60
    return max(1, math.ceil(minutes) if round_up else math.floor(minutes))


def _plural(n: int, unit: str) -> str:
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


def duration(delta: timedelta, *, round_up: bool = False) -> tuple[str, str]:
    """("3h 20m", "3 hours 20 minutes"); days and hours from 48 hours up ("20d 4h").

    Never less than a minute. Time left rounds up (a clock with 30 seconds to go is not "0m
    left"); time overdue rounds down.
    """
    minutes = _minutes(delta, round_up=round_up)
    if minutes >= 48 * 60:
        days, hours = divmod(minutes // 60, 24)
        short, long = [f"{days}d"], [_plural(days, "day")]
        if hours:
            short.append(f"{hours}h")
            long.append(_plural(hours, "hour"))
    else:
        hours, mins = divmod(minutes, 60)
        short, long = [], []
        if hours:
            short.append(f"{hours}h")
            long.append(_plural(hours, "hour"))
        if mins:
            short.append(f"{mins}m")
            long.append(_plural(mins, "minute"))
    return " ".join(short), " ".join(long)


def clock_status(clock: Clock, now: datetime) -> Badge:
    """Where a clock stands at ``now``, in words and an NHS.UK tag colour."""
    if clock.stopped_at is not None:
        late = clock.stopped_at > clock.due_at
        if clock.stop_reason in MET_REASONS:
            if not late:
                return Badge("green", "Met", "Met")
            short, long = duration(clock.stopped_at - clock.due_at)
            return Badge("red", f"Met {short} late", f"Met {long} late")
        if late:
            return Badge("red", "Stopped after breach", "Stopped after breach")
        return Badge("grey", "Stopped", "Stopped")
    if clock.paused_at is not None:
        if clock.paused_at > clock.due_at:
            return Badge("red", "Paused after breach", "Paused after breach")
        return Badge("grey", "Paused", "Paused")
    if now > clock.due_at:
        short, long = duration(now - clock.due_at)
        return Badge("red", f"Overdue by {short}", f"Overdue by {long}")
    short, long = duration(clock.due_at - now, round_up=True)
    if now >= clock.warn_at:
        return Badge("orange", f"Due in {short}", f"Due in {long}")
    return Badge("blue", f"{short} left", f"{long} left")


def badge_html(badge: Badge, hidden_label: str = "") -> SafeString:
    """The tag's markup, built here rather than through a template: a caseload page draws one or two
    per row, and a template render each cost more than the row's SQL (docs/adr/0013). The output
    is what includes/clock_badge.html gave, to the byte."""
    label = format_html('<span class="nhsuk-u-visually-hidden">{}</span>', hidden_label) if hidden_label else ""
    if badge.text == badge.spoken:
        words = conditional_escape(badge.text)
    else:
        words = format_html(
            '<span aria-hidden="true">{}</span><span class="nhsuk-u-visually-hidden">{}</span>',
            badge.text,
            badge.spoken,
        )
    return format_html('<strong class="nhsuk-tag nhsuk-tag--{}">{}{}</strong>\n', badge.colour, label, words)


@register.simple_tag
def clock_badge(clock: Clock | None, now: datetime | None = None, hidden_label: str = "") -> SafeString:
    if clock is None:
        badge = Badge("white", "No clock", "No clock")
    else:
        badge = clock_status(clock, now or timezone.now())
    return badge_html(badge, hidden_label)
