from datetime import datetime

from django.conf import settings
from django.db import models

# A wait for one intervention (referrals.models.intervention_wait): a clock of its own kind, so the
# sweep, alerts and notifications treat it like the others, but not one of "the referral's clocks".
INTERVENTION = "intervention"

# A clock that has breached for good: stopped after its due time, or paused after it (while
# paused). With an open, unpaused clock past its due time, these are the breached clocks
# (referrals.selectors.referrals_with_breach); each has a small index of its own (below).
LATE = models.Q(stopped_at__gt=models.F("due_at")) | models.Q(stopped_at__isnull=True, paused_at__gt=models.F("due_at"))
OPEN_UNPAUSED = models.Q(stopped_at__isnull=True, paused_at__isnull=True)


class ReferralClockManager(models.Manager["Clock"]):
    """The referral's own clocks (first response, treatment): what every list, measure, dashboard,
    FHIR Task and caseload column reads through ``Clock.objects`` and ``referral.clocks``.

    Intervention waits (docs/internal-waits.md) are left out here, so that a referral waiting for
    two interventions counts no differently in any of those; they are read through
    ``Clock.all_kinds`` by the sweep and the internal-waits pages and services.
    """

    def get_queryset(self) -> models.QuerySet["Clock"]:
        return super().get_queryset().exclude(kind=INTERVENTION)


class Clock(models.Model):
    """A waiting-time clock on a referral, measured in elapsed time from started_at.

    Thresholds are stored as absolute instants (UTC), so daylight-saving changes
    never move a deadline. next_check_at is the next instant the sweep must look
    at this clock (the next alert threshold); it is NULL once there is nothing
    left to raise, and the partial index on it keeps the sweep's cost tied to the
    number of clocks due, not the number of referrals.
    """

    class Kind(models.TextChoices):
        FIRST_RESPONSE = "first_response", "First response"
        TREATMENT = "treatment", "Treatment (4-week wait)"
        INTERVENTION = INTERVENTION, "Intervention wait"

    class StopReason(models.TextChoices):
        # Values kept from before MHSDS coding; what counts is now an attended, direct contact.
        FIRST_COMPLETED_CONTACT = "first_completed_contact", "First attended contact"
        SECOND_COMPLETED_CONTACT = "second_completed_contact", "Second attended contact"
        REFERRAL_SPELL_COMPLETE = (
            "referral_spell_complete",
            "Referral spell clock stop: contact, assessment, care plan or intervention, baseline measure",
        )
        TREATMENT_STARTED = "treatment_started", "Treatment started"
        INTERVENTION_STARTED = "intervention_started", "The intervention started"
        OFFER_WITHDRAWN = "offer_withdrawn", "The intervention is no longer offered"
        RESTARTED = "restarted", "Superseded by a restarted clock"
        REFERRAL_ENDED = "referral_ended", "Referral discharged or closed"
        MANUAL = "manual", "Stopped by hand with a reason"

    # The alert ladder a clock climbs: (level, tier) in order of their thresholds.
    LADDER = (("warning", 0), ("breach", 0), ("escalation", 1), ("escalation", 2))

    referral = models.ForeignKey("referrals.Referral", on_delete=models.PROTECT, related_name="clocks")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    is_current = models.BooleanField(default=True)
    stop_rule = models.CharField(max_length=32, blank=True, help_text="Treatment clocks: the rule that stops it.")
    started_at = models.DateTimeField()
    target = models.DurationField()
    warn_at = models.DateTimeField()
    due_at = models.DateTimeField()
    escalation_at = models.DateTimeField()
    second_escalation_at = models.DateTimeField()
    paused_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    stopped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    stop_reason = models.CharField(max_length=32, choices=StopReason.choices, blank=True)
    next_alert_step = models.PositiveSmallIntegerField(default=0)
    next_check_at = models.DateTimeField(null=True, blank=True)

    all_kinds = models.Manager()  # intervention waits too: the sweep and the internal-waits code
    objects = ReferralClockManager()  # the default (Meta): first response and treatment only

    class Meta:
        # The base manager (foreign keys: an alert's clock) stays unfiltered.
        default_manager_name = "objects"
        ordering = ["referral_id", "kind", "started_at"]
        constraints = [
            # A referral may wait for several interventions at once: one clock per offer instead
            # (InterventionOffer.clock is one-to-one).
            models.UniqueConstraint(
                fields=["referral", "kind"],
                condition=models.Q(is_current=True) & ~models.Q(kind=INTERVENTION),
                name="one_current_clock_per_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(stopped_at__isnull=True, stop_reason="")
                | (models.Q(stopped_at__isnull=False) & ~models.Q(stop_reason="")),
                name="stopped_at_with_reason",
            ),
            # Only a stopped clock names who stopped it. One way only: a clock stopped by its rule
            # may name nobody (clocks_evaluate(by=None); the benchmarks' contact-stopped clocks).
            models.CheckConstraint(
                condition=models.Q(stopped_by__isnull=True) | models.Q(stopped_at__isnull=False),
                name="stopped_by_only_when_stopped",
            ),
            models.CheckConstraint(
                condition=models.Q(stopped_at__isnull=True)
                | models.Q(next_check_at__isnull=True, paused_at__isnull=True),
                name="stopped_clock_is_not_checked",
            ),
            models.CheckConstraint(
                condition=models.Q(paused_at__isnull=True) | models.Q(next_check_at__isnull=True),
                name="paused_clock_is_not_checked",
            ),
            models.CheckConstraint(
                condition=models.Q(started_at__lt=models.F("warn_at"))
                & models.Q(warn_at__lt=models.F("due_at"))
                & models.Q(due_at__lt=models.F("escalation_at"))
                & models.Q(escalation_at__lt=models.F("second_escalation_at")),
                name="clock_thresholds_in_order",
            ),
            models.CheckConstraint(condition=models.Q(next_alert_step__lte=4), name="alert_step_in_ladder"),
        ]
        indexes = [
            # The API list's breach filter (referrals.selectors.referrals_with_breach): whether a
            # referral has a clock that stopped or paused late, or an open unpaused one past its
            # due time, each answered from a small index alone (7 MB and 2 MB at a million)
            # instead of reading each of the referral's clocks: a service's 80,000 referrals
            # tested in about 0.3 s instead of 0.8 (issue 17; docs/performance.md).
            models.Index(fields=["referral"], condition=~models.Q(kind=INTERVENTION) & LATE, name="clock_late_idx"),
            models.Index(
                fields=["referral"],
                include=["due_at"],
                condition=~models.Q(kind=INTERVENTION) & OPEN_UNPAUSED,
                name="clock_open_unpaused_idx",
            ),
            # The triage queue (referrals.web.triage.queries): the referrals still awaiting a first
            # response, a few in a hundred of the open ones, to semi-join with those a user may see
            # instead of probing each of them (issue 17).
            models.Index(
                fields=["referral"],
                include=["due_at"],
                condition=models.Q(kind="first_response", is_current=True, stopped_at__isnull=True),
                name="clock_first_response_open_idx",
            ),
            # The sweep's only query: running clocks by the next instant to look at them.
            models.Index(
                fields=["next_check_at"], condition=models.Q(next_check_at__isnull=False), name="clock_next_check_idx"
            ),
            # Caseload and team lists: each referral's open clocks and their deadlines, read from
            # the index alone for every row a list sorts (next deadline, waiting for treatment).
            models.Index(
                fields=["referral", "kind", "due_at"],
                include=["paused_at"],
                condition=models.Q(is_current=True, stopped_at__isnull=True),
                name="clock_open_referral_idx",
            ),
            # FHIR Task searches (a team's or a worker's clocks, soonest deadline first): a page is
            # read in deadline order, each clock checked against the referrals searched, instead
            # of sorting all of a busy team's clocks (docs/adr/0011, "Performance").
            models.Index(fields=["due_at", "id"], name="clock_due_at_idx"),
            # The local promise (reporting.local_promise): a month's first responses, stopped in it
            # or still running at its end, without reading every clock there is (issue 17).
            models.Index(
                fields=["stopped_at"],
                include=["started_at", "due_at", "stop_reason", "referral"],
                condition=models.Q(kind="first_response"),
                name="clock_first_response_stop_idx",
            ),
            # Internal waits (reporting.internal_waits): the intervention clocks alone, open or by
            # when they stopped, without reading every referral's clocks (issue 17).
            models.Index(
                fields=["stopped_at"],
                include=["stop_reason", "due_at"],
                condition=models.Q(kind="intervention"),
                name="clock_intervention_stop_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} clock for {self.referral_id}"

    @property
    def is_running(self) -> bool:
        return self.stopped_at is None and self.paused_at is None

    def threshold(self, step: int) -> datetime:
        return (self.warn_at, self.due_at, self.escalation_at, self.second_escalation_at)[step]

    def is_breached(self, now: datetime) -> bool:
        """Breached if it stopped after its due time, or is still open past it."""
        if self.stopped_at is not None:
            return self.stopped_at > self.due_at
        if self.paused_at is not None:
            return self.paused_at > self.due_at
        return now > self.due_at


class ClockEvent(models.Model):
    """The history of a clock: started, paused, resumed, stopped, restarted. Append-only."""

    class Kind(models.TextChoices):
        STARTED = "started", "Started"
        PAUSED = "paused", "Paused"
        RESUMED = "resumed", "Resumed"
        STOPPED = "stopped", "Stopped"
        RESTARTED = "restarted", "Restarted"
        # The clock's stop was looked at again under a changed rule (e.g. MHSDS coding, 0010).
        REEVALUATED = "reevaluated", "Re-evaluated"

    clock = models.ForeignKey(Clock, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} at {self.at:%Y-%m-%d %H:%M}"
