"""Reporting copies of the records, shaped for the dashboards. Never edited by hand.

The waits, breaches, capacity and equality dashboards read these tables instead of
joining referrals, people, teams and clocks on every page: a year of a million
referrals is too much to join and sort in under a second. They hold nothing that is
not derived from the records, and ``reporting.facts`` keeps them exact:
every audited change (every service writes an audit row naming the person) makes the
refresh recompute that person's referrals, in one transaction with the rollup's
counters. ``facts_verify`` rebuilds them in memory and compares, row by row.

Anything that depends on the current instant (is a clock at risk *now*, is a hand-off
old enough to count as lost) is worked out when the page is drawn, never stored.
"""

from django.db import models

# The dashboards' filters, then the equality page's breakdowns: the last columns of the
# covering indexes below, so a page with filters set reads only an index.
FILTERED_BY = ["locality_id", "team_id", "service", "source", "urgency"]
EQUALITY_GROUPS = ["ethnicity", "gender", "sexual_orientation", "disability", "age_band", "deprivation_decile"]
_OTHER_FILTERS = [f for f in FILTERED_BY if f != "team_id"]  # with the team first, in the team indexes


class ReferralFact(models.Model):
    """One row per referral: who, where, from which access point, and how it ended."""

    referral = models.OneToOneField(
        "referrals.Referral", primary_key=True, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    person_id = models.BigIntegerField(db_index=True)
    received_at = models.DateTimeField()
    received_week = models.DateField(help_text="Monday (Europe/London) of the week it was received.")
    # Where it sits now (a redirect moves it), and how it arrived.
    locality_id = models.BigIntegerField(default=0, help_text="0: not routed to a locality.")
    team_id = models.BigIntegerField(default=0, help_text="0: not routed to a team.")
    service = models.CharField(max_length=32, blank=True, help_text="The team's kind; blank with no team.")
    source = models.CharField(max_length=32)
    urgency = models.CharField(max_length=16)
    # Equality monitoring, as answered (never guessed); age band at the date received.
    ethnicity = models.CharField(max_length=1)
    gender = models.CharField(max_length=16)
    sexual_orientation = models.CharField(max_length=16)
    disability = models.CharField(max_length=16)
    age_band = models.CharField(max_length=12)
    deprivation_decile = models.PositiveSmallIntegerField(null=True, blank=True)
    status = models.CharField(max_length=16)
    ended_at = models.DateTimeField(null=True, blank=True)
    previous_discharge_at = models.DateTimeField(
        null=True, blank=True, help_text="The person's latest discharge from another referral before this one."
    )
    # Paired outcome measure: first baseline, last discharge score on the same instrument.
    outcome_instrument = models.CharField(max_length=32, blank=True)
    outcome_start = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    outcome_end = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)

    class Meta:
        db_table = "referrals_referralfact"  # kept from before the move (docs/adr/0007)
        indexes = [
            models.Index(fields=["received_at", *FILTERED_BY, *EQUALITY_GROUPS], name="referralfact_received_idx"),
            # The referrals received in a period with their previous discharge, by every filter:
            # the flow page's re-referrals, from the index alone (narrower than the one above, which
            # the planner would rather not read in full).
            models.Index(
                fields=["received_at"],
                include=[*FILTERED_BY, "previous_discharge_at"],
                name="referralfact_rereferral_idx",
            ),
            # The referrals discharged in a period with their outcome scores, by every filter: the
            # flow page's outcome change, from the index alone.
            models.Index(
                fields=["ended_at"],
                include=[*FILTERED_BY, "outcome_instrument", "outcome_start", "outcome_end"],
                condition=models.Q(status="discharged"),
                name="referralfact_discharged_idx",
            ),
            # The referrals received by one team in a period, by the other filters and every
            # equality group: pages filtered to a team, which the rollup has no cells for (the
            # equality page by team), read just that team's, not every referral of the period.
            models.Index(
                fields=["team_id", "received_at"],
                include=[*_OTHER_FILTERS, *EQUALITY_GROUPS],
                name="referralfact_team_received_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Reporting row for referral {self.referral_id}"


class ClockFact(models.Model):
    """One row per clock (superseded ones too), with its referral's dimensions copied on."""

    clock = models.OneToOneField(
        "referrals.Clock", primary_key=True, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    referral_id = models.BigIntegerField(db_index=True)
    kind = models.CharField(max_length=16)
    is_current = models.BooleanField()
    started_at = models.DateTimeField()
    warn_at = models.DateTimeField()
    due_at = models.DateTimeField()
    paused_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    stop_reason = models.CharField(max_length=32, blank=True)
    stopped_week = models.DateField(null=True, blank=True)
    stopped_on = models.DateField(null=True, blank=True, help_text="The day (Europe/London) it stopped.")
    wait_seconds = models.BigIntegerField(
        null=True, blank=True, help_text="Whole seconds from start to stop, for a clock stopped by its rule."
    )
    met = models.BooleanField(null=True, help_text="Stopped by its rule on or before its due time; NULL otherwise.")
    locality_id = models.BigIntegerField(default=0)
    team_id = models.BigIntegerField(default=0)
    service = models.CharField(max_length=32, blank=True)
    source = models.CharField(max_length=32)
    urgency = models.CharField(max_length=16)
    ethnicity = models.CharField(max_length=1)
    gender = models.CharField(max_length=16)
    sexual_orientation = models.CharField(max_length=16)
    disability = models.CharField(max_length=16)
    age_band = models.CharField(max_length=12)
    deprivation_decile = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        db_table = "referrals_clockfact"  # kept from before the move (docs/adr/0007)
        constraints = [
            # A copy of its clock, which keeps stopped_at and stop_reason together; the week and
            # the day it stopped in come from stopped_at.
            models.CheckConstraint(
                condition=models.Q(
                    stopped_at__isnull=True, stop_reason="", stopped_week__isnull=True, stopped_on__isnull=True
                )
                | (
                    models.Q(stopped_at__isnull=False, stopped_week__isnull=False, stopped_on__isnull=False)
                    & ~models.Q(stop_reason="")
                ),
                name="clockfact_stopped_together",
            ),
            # A counted wait and whether it met its target are worked out together, from a stop.
            models.CheckConstraint(
                condition=models.Q(wait_seconds__isnull=True, met__isnull=True)
                | models.Q(wait_seconds__isnull=False, met__isnull=False, stopped_at__isnull=False),
                name="clockfact_wait_with_met",
            ),
        ]
        # Covering indexes: each page's queries read only an index, with or without filters (the
        # filter columns come last). Key columns, not INCLUDE, which SQLite does not have.
        indexes = [
            # Completed waits in a period, per kind, and their weeks (headline and trend centiles).
            models.Index(
                fields=["kind", "stopped_at", "wait_seconds", "met", "stopped_week", *FILTERED_BY, *EQUALITY_GROUPS],
                name="clockfact_stopped_idx",
            ),
            # Completed waits day by day with the dashboards' filters alone, in the order each day's
            # waits are packed (``waits.LiveDays``, two or more filters set): read in that order, with
            # no sort of a year of waits, and smaller than the index above (no equality columns, only
            # completed waits: 272 against 379 MB at a million referrals; issue 17).
            models.Index(
                fields=["kind", "stopped_on", "wait_seconds", "met", *FILTERED_BY],
                condition=models.Q(wait_seconds__isnull=False),
                name="clockfact_completed_on_idx",
            ),
            # Clocks that ended without a wait (restarted, referral ended, stopped by hand): few.
            models.Index(
                fields=["stopped_at", "kind", "stop_reason", *FILTERED_BY],
                condition=models.Q(stopped_at__isnull=False, wait_seconds__isnull=True),
                name="clockfact_other_stop_idx",
            ),
            # Clocks due in a period (breaches).
            models.Index(
                fields=["due_at", "kind", "stopped_at", "paused_at", *FILTERED_BY, *EQUALITY_GROUPS],
                name="clockfact_due_idx",
            ),
            # Clocks running now: the snapshot, the longest waits and the waiting list.
            models.Index(
                fields=["kind", "started_at", "warn_at", "due_at", "paused_at", *FILTERED_BY],
                condition=models.Q(is_current=True, stopped_at__isnull=True),
                name="clockfact_open_idx",
            ),
            # Clocks not stopped, by due time: the breaches page's breaches still running, of the
            # clocks due before today (its other counts come from the daily rollup).
            models.Index(
                fields=["due_at"],
                include=["kind", "paused_at", "team_id", "source", "stopped_at"],
                condition=models.Q(stopped_at__isnull=True),
                name="clockfact_unstopped_due_idx",
            ),
            # Clocks that can be breaches (not stopped, or stopped late), by due time, with their
            # referral: a team's reader's breaches list counted from the index alone (the year's
            # 185,000 breaches of 2,000,000 clocks at a million referrals; 36 MB; issue 17).
            models.Index(
                fields=["due_at"],
                include=["referral_id", "stopped_at", "paused_at", *FILTERED_BY],
                condition=models.Q(stopped_at__isnull=True) | models.Q(stopped_at__gt=models.F("due_at")),
                name="clockfact_late_due_idx",
            ),
            # One team's completed waits and clocks due in a period, by the other filters and every
            # equality group: the pages filtered to a team compute from these rows (the rollup keeps
            # no cells within a team), and the indexes above, by time first, would have them read
            # every team's year (the equality page for one team: 393 ms, 122 ms with these).
            models.Index(
                fields=["team_id", "kind", "stopped_at"],
                include=["wait_seconds", "met", *_OTHER_FILTERS, *EQUALITY_GROUPS],
                name="clockfact_team_stopped_idx",
            ),
            models.Index(
                fields=["team_id", "due_at"],
                include=["kind", "stopped_at", "paused_at", *_OTHER_FILTERS, *EQUALITY_GROUPS],
                name="clockfact_team_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Reporting row for clock {self.clock_id}"


class WeeklyRollup(models.Model):
    """Counts per week (Monday, Europe/London) and filter cell, kept by adding and taking away.

    ``kind`` is a clock kind, or ``referral`` for rows that only count referrals received.
    The event counters (started, stopped, warned...) each count clocks whose event fell in
    the week; summing them over every week up to a week's end gives how many clocks were
    open, at risk and breached at that moment (see reporting.waits). ``breached`` counts the
    clocks due in the week that breached, as the daily rollup does: the breaches page with filters
    set sums its whole past weeks (reporting.breaches).
    """

    week = models.DateField()
    kind = models.CharField(max_length=16)
    locality_id = models.BigIntegerField(default=0)
    team_id = models.BigIntegerField(default=0)
    service = models.CharField(max_length=32, blank=True)
    source = models.CharField(max_length=32)
    urgency = models.CharField(max_length=16)
    received = models.IntegerField(default=0)
    started = models.IntegerField(default=0)
    stopped = models.IntegerField(default=0)
    warned = models.IntegerField(default=0, help_text="Clocks whose warning time fell in the week.")
    due = models.IntegerField(default=0, help_text="Clocks whose due time fell in the week.")
    breached = models.IntegerField(
        default=0,
        help_text="...of which stopped late, still running, or paused late (as the daily rollup counts them; "
        "a breach only once the due time has passed).",
    )
    warned_or_stopped = models.IntegerField(default=0, help_text="...whose later of warning and stop fell in it.")
    due_or_stopped = models.IntegerField(default=0, help_text="...whose later of due time and stop fell in it.")
    counted = models.IntegerField(default=0, help_text="Clocks stopped by their rule in the week.")
    met = models.IntegerField(default=0, help_text="...of which on or before their due time.")

    class Meta:
        db_table = "referrals_weeklyrollup"  # kept from before the move (docs/adr/0007)
        constraints = [
            models.UniqueConstraint(
                fields=["week", "kind", "locality_id", "team_id", "service", "source", "urgency"],
                name="one_rollup_row_per_cell",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} week of {self.week}"


class WeeklyPercentile(models.Model):
    """Median and 90th centile of the waits completed in a week, for the whole service and for
    each value of one filter (a locality, a team, a service, a source, an urgency).

    Centiles do not add up across cells, so they are kept per cell that a page can ask for
    with at most one filter set; a page with two or more filters computes its own.
    """

    week = models.DateField()
    kind = models.CharField(max_length=16)
    dimension = models.CharField(max_length=16, blank=True, help_text="Blank: the whole service.")
    value = models.CharField(max_length=32, blank=True)
    n = models.IntegerField()
    p50 = models.FloatField()
    p90 = models.FloatField()

    class Meta:
        db_table = "referrals_weeklypercentile"  # kept from before the move (docs/adr/0007)
        constraints = [
            models.UniqueConstraint(fields=["week", "kind", "dimension", "value"], name="one_percentile_per_cell")
        ]

    def __str__(self) -> str:
        return f"{self.kind} week of {self.week} {self.dimension}={self.value}"


class HandoffFact(models.Model):
    """One row per warm hand-off, for the flow page: the teams and services it left and went to,
    its referral's filter columns now, and whether it was kept: a completed (attended) contact on
    the referral within 28 days after it. Whether it is old enough to tell is a matter of the
    moment the page is drawn, so the page works that out."""

    handoff = models.OneToOneField(
        "referrals.Handoff", primary_key=True, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    referral_id = models.BigIntegerField(db_index=True)
    at = models.DateTimeField()
    from_team_id = models.BigIntegerField(default=0, help_text="0: from no team.")
    to_team_id = models.BigIntegerField()
    from_service = models.CharField(max_length=32, blank=True, help_text="The team's kind; blank with no team.")
    to_service = models.CharField(max_length=32)
    locality_id = models.BigIntegerField(default=0, help_text="The referral's now; 0: not routed.")
    source = models.CharField(max_length=32)
    urgency = models.CharField(max_length=16)
    kept = models.BooleanField(help_text="A completed contact on the referral within 28 days after the hand-off.")

    class Meta:
        indexes = [
            # The hand-offs of a period with every column the page counts or filters by: the
            # flow page's hand-off tables from the index alone.
            models.Index(
                fields=[
                    "at",
                    "from_team_id",
                    "to_team_id",
                    "kept",
                    "from_service",
                    "to_service",
                    "locality_id",
                    "source",
                    "urgency",
                ],
                name="handofffact_at_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Hand-off {self.handoff_id} at {self.at:%Y-%m-%d %H:%M}"


class DailyEqualityRollup(models.Model):
    """One London day, clock kind (or ``referral``) and group (an equality breakdown's, a
    dashboard filter's, or a breakdown's within one locality, kind of team, source or urgency;
    or one London month's breakdown within a combination of all four, ``day`` its first day):
    what the equality page shows, the
    waits and breaches pages' counts and centiles, and the flow page's re-referrals by team, for
    every period, without reading a clock.

    Counts add up over the days of a period. Centiles do not, so the row keeps the waits
    themselves: every completed wait of the day and group, sorted, packed as 4-byte
    big-endian integers, or 8-byte where one does not fit (``reporting.equality_rollup.pack``;
    ``completed`` waits in ``len(waits)`` bytes say which). A period's median and
    90th centile are taken from the merged waits of its days: the same values, so the same
    figures, as ``percentile_cont`` over the clocks. Periods are whole London days, so
    every period is a run of whole rows. The equality page with two or more filters set sums the
    monthly combinations over a period's whole months and counts the days outside them; with a
    team, and the waits page with two or more filters, they compute their own.
    """

    day = models.DateField(help_text="London date of the event counted.")
    kind = models.CharField(max_length=16, help_text="A clock kind, or 'referral' for referrals received.")
    dimension = models.CharField(
        max_length=40,
        help_text="The column (ethnicity, ..., team_id, source, ...), <filter>|<breakdown> "
        "(locality_id, service, source or urgency), or monthly|<breakdown>.",
    )
    value = models.CharField(
        max_length=128,
        help_text="Its value as text ('None': no deprivation decile), '<filter's value>|<value>' within one, "
        "'<locality>|<kind of team>|<source>|<urgency>|<value>' monthly.",
    )
    received = models.IntegerField(default=0, help_text="Referrals received on the day.")
    re_referred = models.IntegerField(
        default=0, help_text="...of which within 12 months of the person's discharge from another referral."
    )
    due = models.IntegerField(default=0, help_text="Clocks whose due time fell on the day.")
    breached = models.IntegerField(default=0, help_text="...of which stopped late, still running, or paused late.")
    completed = models.IntegerField(default=0, help_text="Clocks stopped by their rule on the day.")
    met = models.IntegerField(default=0, help_text="...of which on or before their due time.")
    waits = models.BinaryField(
        default=b"", help_text="The completed waits in seconds, sorted, 4 bytes each (8 if one does not fit in 4)."
    )

    class Meta:
        db_table = "referrals_dailyequalityrollup"  # kept from before the move (docs/adr/0007)
        constraints = [
            # Leading with dimension and day: a page reads one dimension over a run of days.
            models.UniqueConstraint(fields=["dimension", "day", "kind", "value"], name="one_equality_row_per_cell")
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.day} {self.dimension}={self.value}"


class ReportingState(models.Model):
    """How far the reporting tables have caught up with the audit log (one row)."""

    last_audit_id = models.BigIntegerField(default=0)
    # Audit ids below last_audit_id not seen yet: a transaction still in flight when we
    # looked (ids are handed out before commit), or one rolled back. Kept for an hour.
    pending_ids = models.JSONField(default=dict, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    rebuilt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "referrals_reportingstate"  # kept from before the move (docs/adr/0007)

    def __str__(self) -> str:
        return f"Reporting caught up to audit event {self.last_audit_id}"
