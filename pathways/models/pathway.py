from django.db import models


class Pathway(models.Model):
    """A service's pathway: ordered tiers, who it is for (a minimum age), and the team a person
    outside it is handed to with a warm handover instead of being turned away (no wrong door).

    Configuration, not code: a trust edits its pathways in the admin."""

    team = models.ForeignKey(
        "localities.Team",
        on_delete=models.PROTECT,
        related_name="pathways",
        help_text="The service the pathway belongs to: its staff move people along it.",
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    minimum_age = models.PositiveSmallIntegerField(
        default=16, help_text="People younger than this on the day they would enter are offered the alternative."
    )
    alternative_team = models.ForeignKey(
        "localities.Team",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Where someone outside the eligibility is handed over to, with a warm handover.",
    )
    alternative_description = models.CharField(
        max_length=300, blank=True, help_text="What the alternative offers, in a sentence shown to staff."
    )

    class Meta:
        ordering = ["team__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["team", "name"], name="pathway_name_unique_in_service"),
            models.CheckConstraint(
                condition=~models.Q(alternative_team=models.F("team")), name="pathway_alternative_is_another_team"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Tier(models.Model):
    """One tier or step of a pathway, in order (``position`` 1 is the least intensive), with the
    interventions it offers."""

    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="tiers")
    position = models.PositiveSmallIntegerField(help_text="1 is the least intensive; stepping up goes higher.")
    label = models.CharField(max_length=8, help_text='Short, as staff say it: "1+", "2", "3".')
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    interventions = models.TextField(blank=True, help_text="What the tier offers, one intervention a line.")

    class Meta:
        ordering = ["pathway", "position"]
        constraints = [
            models.UniqueConstraint(fields=["pathway", "position"], name="tier_position_unique_in_pathway"),
            models.UniqueConstraint(fields=["pathway", "label"], name="tier_label_unique_in_pathway"),
        ]

    def __str__(self) -> str:
        return f"Tier {self.label}: {self.name}"

    @property
    def intervention_list(self) -> list[str]:
        return [line.strip() for line in self.interventions.splitlines() if line.strip()]
