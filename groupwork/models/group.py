"""A group, its cohorts and their sessions: who runs it, how many it takes, when it meets."""

from django.conf import settings
from django.db import models

from codes.mhsds import FACE_TO_FACE, VIDEO

# How a group meets, as MHSDS codes a care contact's mechanism (MHS201 ConsMechanismMH): in a room
# or by video, both direct mechanisms that NHS England counts (docs/groups.md).
GROUP_MECHANISMS = ((FACE_TO_FACE, "Face to face"), (VIDEO, "Video"))


class Group(models.Model):
    """A skills, therapy, peer support or carers' group that a team runs in cohorts."""

    class Kind(models.TextChoices):
        SKILLS = "skills", "Skills group (for example DBT skills, emotional coping)"
        THERAPY = "therapy", "Therapy group (for example DBT, MBT)"
        PEER_SUPPORT = "peer_support", "Peer support group"
        CARERS = "carers", "Carers' psychoeducation and support"

    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    description = models.TextField(blank=True)
    team = models.ForeignKey("localities.Team", on_delete=models.PROTECT, related_name="groups")
    capacity = models.PositiveSmallIntegerField(help_text="The most people one cohort takes.")
    consultation_mechanism = models.CharField(max_length=2, choices=GROUP_MECHANISMS, default=FACE_TO_FACE)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(capacity__gte=1, capacity__lte=60), name="group_capacity_1_to_60"
            ),
            models.CheckConstraint(
                condition=models.Q(consultation_mechanism__in=[FACE_TO_FACE, VIDEO]), name="group_mechanism_direct"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def records_care_contacts(self) -> bool:
        """A carers' group meets the carers, not the person: their attendance is no care contact
        of the person's, and must not stop the person's clocks (docs/groups.md)."""
        return self.kind != self.Kind.CARERS


class Cohort(models.Model):
    """One run of a group: the people who start together and the sessions they share."""

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="cohorts")
    name = models.CharField(max_length=80)
    starts_on = models.DateField()
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["group", "starts_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["group", "starts_on"], name="cohort_one_start_per_group"),
        ]

    def __str__(self) -> str:
        return f"{self.group.name}: {self.name}"


class GroupSession(models.Model):
    """One meeting of a cohort. Its register is recorded once; recording it again adds only the
    people not yet recorded (``session_attendance_record``)."""

    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="sessions")
    starts_at = models.DateTimeField()
    topic = models.CharField(max_length=120, blank=True)
    register_recorded_at = models.DateTimeField(null=True, blank=True)
    register_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "starts_at"], name="session_one_per_cohort_time"),
            models.CheckConstraint(
                condition=models.Q(register_recorded_at__isnull=True, register_recorded_by__isnull=True)
                | models.Q(register_recorded_at__isnull=False, register_recorded_by__isnull=False),
                name="session_register_recorded_paired",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cohort} session {self.starts_at:%Y-%m-%d %H:%M}"
