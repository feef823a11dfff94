from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    CLINICIAN = "clinician", "Clinician"
    LINK_WORKER = "link_worker", "Link worker"
    TEAM_MANAGER = "team_manager", "Team manager"
    SERVICE_MANAGER = "service_manager", "Service manager"
    IG_LEAD = "ig_lead", "Information governance lead"
    ADMINISTRATOR = "administrator", "Administrator"
    # A 24/7 line's call handler or a central access point: finds people, takes referrals, sees
    # the triage queue; never reads their history (docs/adr/0006).
    INTAKE = "intake", "Intake (call handler, access point)"


class RecordScope(models.TextChoices):
    """Which people's records a role reaches through its everyday relationships."""

    TEAM = "team", "The people their teams hold, and their localities' triage queues"
    HELD = "held", "Only the people they hold"
    QUEUE = "queue", "Their teams' localities' triage queues, without assessments or notes"
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
        if self.role == Role.INTAKE:
            return RecordScope.QUEUE
        return RecordScope.NONE

    @property
    def takes_referrals(self) -> bool:
        """May search for a person and take a referral (pages and API): intake and clinical staff
        in teams. Nobody else searches: the search reaches people outside the user's access."""
        return self.is_active and (self.role == Role.INTAKE or self.record_scope == RecordScope.TEAM)

    @property
    def routes_referrals(self) -> bool:
        """May send a referral somewhere other than the routed team (with a reason, audited)."""
        return self.is_active and self.role == Role.INTAKE

    @property
    def is_clinical(self) -> bool:
        """May hold or open clinical records at all (link workers included; intake is not)."""
        return self.record_scope in (RecordScope.TEAM, RecordScope.HELD)


class TeamMembership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    team = models.ForeignKey("localities.Team", on_delete=models.CASCADE, related_name="memberships")
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "team"], name="one_membership_per_team")]

    def __str__(self) -> str:
        return f"{self.user} in {self.team}"
