from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    CLINICIAN = "clinician", "Clinician"
    LINK_WORKER = "link_worker", "Link worker"
    TEAM_MANAGER = "team_manager", "Team manager"
    SERVICE_MANAGER = "service_manager", "Service manager"
    IG_LEAD = "ig_lead", "Information governance lead"
    ADMINISTRATOR = "administrator", "Administrator"


class RecordScope(models.TextChoices):
    """Which people's records a role reaches through its everyday relationships."""

    TEAM = "team", "The people their teams hold, and their localities' triage queues"
    HELD = "held", "Only the people they hold"
    NONE = "none", "No identifiable records (aggregates only)"


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
    also_clinician = models.BooleanField(
        "also works clinically",
        default=False,
        help_text="A service manager, IG lead or administrator who also holds a clinical role: they see "
        "their teams' records as a clinician does. Off, they see aggregate figures only.",
    )
    teams = models.ManyToManyField("localities.Team", through="accounts.TeamMembership", related_name="members")

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def record_scope(self) -> str:
        """Role decides actions and which relationships count; see docs/adr/0006."""
        if self.role in (Role.CLINICIAN, Role.TEAM_MANAGER) or self.also_clinician:
            return RecordScope.TEAM
        if self.role == Role.LINK_WORKER:
            return RecordScope.HELD
        return RecordScope.NONE

    @property
    def is_clinical(self) -> bool:
        """May hold or open clinical records at all (link workers included)."""
        return self.record_scope != RecordScope.NONE


class TeamMembership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    team = models.ForeignKey("localities.Team", on_delete=models.CASCADE, related_name="memberships")
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "team"], name="one_membership_per_team")]

    def __str__(self) -> str:
        return f"{self.user} in {self.team}"
