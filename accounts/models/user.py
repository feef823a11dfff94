from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    CLINICIAN = "clinician", "Clinician"
    LINK_WORKER = "link_worker", "Link worker"
    TEAM_MANAGER = "team_manager", "Team manager"
    SERVICE_MANAGER = "service_manager", "Service manager"
    IG_LEAD = "ig_lead", "Information governance lead"
    ADMINISTRATOR = "administrator", "Administrator"


class User(AbstractUser):
    """A member of staff in one partner organisation, working in one or more teams."""

    role = models.CharField(max_length=32, choices=Role.choices, default=Role.CLINICIAN)
    organisation = models.ForeignKey(
        "localities.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    job_title = models.CharField(max_length=120, blank=True, help_text="e.g. Peer support worker, CPN, OT")
    caseload_capacity = models.PositiveSmallIntegerField(
        default=25, help_text="How many people this worker can hold at once (0 for staff who hold no caseload)."
    )
    teams = models.ManyToManyField("localities.Team", through="accounts.TeamMembership", related_name="members")

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class TeamMembership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    team = models.ForeignKey("localities.Team", on_delete=models.CASCADE, related_name="memberships")
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "team"], name="one_membership_per_team")]

    def __str__(self) -> str:
        return f"{self.user} in {self.team}"
