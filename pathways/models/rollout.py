from django.db import models


class Rollout(models.Model):
    """A system-level service goes live in a locality from a date. A service with no roll-out rows
    is live everywhere; one with rows is live only in the localities listed, from their dates.
    Before that, referrals from the locality go by the existing route."""

    team = models.ForeignKey("localities.Team", on_delete=models.PROTECT, related_name="rollouts")
    locality = models.ForeignKey("localities.Locality", on_delete=models.PROTECT, related_name="rollouts")
    live_from = models.DateField(help_text="The first day (UK date) the service takes referrals from the locality.")
    existing_route = models.ForeignKey(
        "localities.Team",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Where referrals go until then; empty means the locality's intake team.",
    )

    class Meta:
        ordering = ["team", "live_from", "locality__name"]
        constraints = [
            models.UniqueConstraint(fields=["team", "locality"], name="one_rollout_per_service_and_locality"),
            models.CheckConstraint(
                condition=~models.Q(existing_route=models.F("team")), name="rollout_existing_route_is_another_team"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team_id} live in {self.locality_id} from {self.live_from}"
