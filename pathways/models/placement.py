from django.conf import settings
from django.db import models


class Placement(models.Model):
    """A person's time on a pathway, from entering to leaving to self-care; ``tier`` is where they
    are now (empty once they have left). Changed only by the services in ``pathways.services``,
    each of which records a Step."""

    person = models.ForeignKey("referrals.Person", on_delete=models.PROTECT, related_name="pathway_placements")
    pathway = models.ForeignKey("pathways.Pathway", on_delete=models.PROTECT, related_name="placements")
    referral = models.ForeignKey(
        "referrals.Referral",
        on_delete=models.PROTECT,
        related_name="pathway_placements",
        help_text="The referral the person came to the service on.",
    )
    tier = models.ForeignKey("pathways.Tier", null=True, on_delete=models.PROTECT, related_name="placements")
    entered_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["-entered_at", "-id"]
        constraints = [
            # Someone is on a pathway once at a time: entering again means leaving first.
            models.UniqueConstraint(
                fields=["person", "pathway"],
                condition=models.Q(left_at__isnull=True),
                name="one_open_placement_per_pathway",
            ),
            # On a tier while on the pathway, on none once left.
            models.CheckConstraint(
                condition=models.Q(left_at__isnull=True, tier__isnull=False)
                | models.Q(left_at__isnull=False, tier__isnull=True),
                name="placement_tier_iff_not_left",
            ),
            models.CheckConstraint(
                condition=models.Q(left_at__isnull=True) | models.Q(left_at__gte=models.F("entered_at")),
                name="placement_leaves_after_entering",
            ),
        ]
        indexes = [
            models.Index(fields=["tier"], condition=models.Q(left_at__isnull=True), name="placement_on_tier_idx")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} on {self.pathway_id}"


class Step(models.Model):
    """One change of a person's place on a pathway: when it took effect, why, and who decided."""

    class Kind(models.TextChoices):
        ENTER = "enter", "Entered"
        STEP_UP = "step_up", "Stepped up"
        STEP_DOWN = "step_down", "Stepped down"
        LEAVE = "leave", "Left to self-care"

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    from_tier = models.ForeignKey("pathways.Tier", null=True, on_delete=models.PROTECT, related_name="+")
    to_tier = models.ForeignKey("pathways.Tier", null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(help_text="When the decision took effect (it may be recorded later).")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", help_text="Who decided."
    )
    reason = models.TextField()
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="enter") & models.Q(from_tier__isnull=True, to_tier__isnull=False))
                | (models.Q(kind="leave") & models.Q(from_tier__isnull=False, to_tier__isnull=True))
                | (
                    models.Q(kind__in=["step_up", "step_down"])
                    & models.Q(from_tier__isnull=False, to_tier__isnull=False)
                    & ~models.Q(from_tier=models.F("to_tier"))
                ),
                name="step_tiers_fit_kind",
            ),
            models.CheckConstraint(condition=~models.Q(reason=""), name="step_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d}"
