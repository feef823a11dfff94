"""Internal waits: the wait from the decision to offer an intervention to its start (issue 14, item 4).

Every intervention a team decides to offer has a wait, and every wait has a clock
(``Clock.Kind.INTERVENTION``), so warnings, breaches and escalations come from the same sweep
and alerts as the referral's own clocks. Recording the intervention (``intervention_record``,
from the care plan or the waiting list) stops the clock; withdrawing the offer stops it with a
reason. docs/internal-waits.md.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models

from .care import Intervention

# NHS England's referral-to-treatment standard for consultant-led care, the figure the brief and
# LLR use for psychological therapy; every target is edited in the admin.
PSYCHOLOGICAL_THERAPY_TARGET = timedelta(weeks=18)
PSYCHOLOGICAL_THERAPIES = (
    Intervention.Kind.TALKING_THERAPY,
    Intervention.Kind.DBT_SKILLS,
    Intervention.Kind.STRUCTURED_CLINICAL_MANAGEMENT,
)
# Any other intervention: the community 4-week standard, until a trust sets its own.
OTHER_INTERVENTION_TARGET = timedelta(weeks=4)


def default_wait_target(kind: str) -> timedelta:
    """The target a kind of intervention has until a trust sets its own (migration 0017)."""
    return PSYCHOLOGICAL_THERAPY_TARGET if kind in PSYCHOLOGICAL_THERAPIES else OTHER_INTERVENTION_TARGET


class InterventionWaitTarget(models.Model):
    """How long a person should wait for one kind of intervention: for one team, or (no team)
    for every team without its own. Configuration, edited in the admin.

    A wait copies its target when it starts, so an edit never rewrites a wait already running.
    """

    team = models.ForeignKey(
        "localities.Team",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="intervention_wait_targets",
        help_text="Empty: every team without a target of its own for this kind.",
    )
    kind = models.CharField(max_length=32, choices=Intervention.Kind.choices)
    target = models.DurationField(default=PSYCHOLOGICAL_THERAPY_TARGET)
    escalation_after = models.DurationField(
        default=timedelta(days=7), help_text="After a breach, escalate to the team manager."
    )
    second_escalation_after = models.DurationField(
        default=timedelta(days=14), help_text="After a breach, escalate to the service manager."
    )

    class Meta:
        ordering = ["team_id", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "kind"], condition=models.Q(team__isnull=False), name="one_wait_target_per_team_kind"
            ),
            models.UniqueConstraint(
                fields=["kind"], condition=models.Q(team__isnull=True), name="one_default_wait_target_per_kind"
            ),
            models.CheckConstraint(condition=models.Q(target__gt=timedelta(0)), name="wait_target_positive"),
            models.CheckConstraint(
                condition=models.Q(escalation_after__gt=timedelta(0))
                & models.Q(second_escalation_after__gt=models.F("escalation_after")),
                name="wait_escalations_in_order",
            ),
        ]

    def __str__(self) -> str:
        where = self.team.name if self.team_id and self.team else "every team"
        return f"{self.get_kind_display()} within {self.target.days} days ({where})"


class InterventionOffer(models.Model):
    """A team's decision to offer a person an intervention, and the wait that follows.

    Waiting while its clock is open; started once the intervention is recorded (``intervention``);
    withdrawn with a reason (who, when, why) when it is no longer offered. A referral that ends
    stops the wait too (the clock's stop reason says so).
    """

    referral = models.ForeignKey("referrals.Referral", on_delete=models.PROTECT, related_name="intervention_offers")
    team = models.ForeignKey(
        "localities.Team",
        on_delete=models.PROTECT,
        related_name="intervention_offers",
        help_text="The team that will deliver it, whose waiting list it joins.",
    )
    kind = models.CharField(max_length=32, choices=Intervention.Kind.choices)
    code = models.CharField("SNOMED CT code", max_length=18, blank=True)
    description = models.CharField(max_length=200)
    decided_at = models.DateTimeField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    clock = models.OneToOneField("referrals.Clock", on_delete=models.PROTECT, related_name="intervention_offer")
    intervention = models.OneToOneField(
        Intervention, null=True, blank=True, on_delete=models.PROTECT, related_name="offer"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["decided_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(withdrawn_at__isnull=True, withdrawn_by__isnull=True, withdrawn_reason="")
                | (models.Q(withdrawn_at__isnull=False, withdrawn_by__isnull=False) & ~models.Q(withdrawn_reason="")),
                name="offer_withdrawn_with_who_and_why",
            ),
            models.CheckConstraint(
                condition=models.Q(intervention__isnull=True) | models.Q(withdrawn_at__isnull=True),
                name="offer_started_or_withdrawn_not_both",
            ),
        ]
        indexes = [
            # The waiting list: a team's offers of one kind still waiting, longest first.
            models.Index(
                fields=["team", "kind", "decided_at"],
                condition=models.Q(intervention__isnull=True, withdrawn_at__isnull=True),
                name="offer_waiting_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} offered {self.decided_at:%Y-%m-%d}"

    @property
    def status(self) -> str:
        if self.intervention_id is not None:
            return "started"
        if self.withdrawn_at is not None:
            return "withdrawn"
        if self.clock.stopped_at is not None:
            return "ended"
        return "waiting"
