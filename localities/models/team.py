from django.db import models

from codes.mhsds import TEAM_TYPE


class Team(models.Model):
    """A team that holds a caseload: a locality team or a system-level service."""

    class Kind(models.TextChoices):
        LOCALITY = "locality", "Locality team"
        SYSTEM_SERVICE = "system_service", "System-level service"
        CRISIS = "crisis", "Crisis team"

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=32, choices=Kind.choices, default=Kind.LOCALITY)
    organisation = models.ForeignKey("localities.Organisation", on_delete=models.PROTECT, related_name="teams")
    locality = models.ForeignKey(
        "localities.Locality",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="teams",
        help_text="Empty for system-level services that serve every locality.",
    )
    email = models.EmailField(blank=True, help_text="Shared inbox for the team's breach alerts.")
    mhsds_team_type = models.CharField(
        "MHSDS team type",
        max_length=3,
        choices=TEAM_TYPE.choices,
        blank=True,
        help_text="The service or team type NHS England counts this team as (MHS902 ServTeamTypeMH): "
        "it decides which national measures its referrals fall in (docs/measures.md).",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="locality") | models.Q(locality__isnull=False),
                name="locality_team_has_locality",
            )
        ]

    def __str__(self) -> str:
        return self.name
