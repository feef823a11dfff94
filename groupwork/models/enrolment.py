"""A person's place in a group: in a cohort, or on the group's waiting list for the next one."""

from django.conf import settings
from django.db import models


class Enrolment(models.Model):
    """Made from the person's care plan (their referral). ``waiting`` has no cohort yet: the
    next cohort scheduled takes the waiting list in the order people joined it."""

    class Status(models.TextChoices):
        ENROLLED = "enrolled", "Enrolled"
        WAITING = "waiting", "Waiting for the next cohort"
        LEFT = "left", "Left the group"

    group = models.ForeignKey("groupwork.Group", on_delete=models.PROTECT, related_name="enrolments")
    cohort = models.ForeignKey(
        "groupwork.Cohort", null=True, blank=True, on_delete=models.PROTECT, related_name="enrolments"
    )
    referral = models.ForeignKey("referrals.Referral", on_delete=models.PROTECT, related_name="group_enrolments")
    status = models.CharField(max_length=16, choices=Status.choices)
    joined_at = models.DateTimeField(help_text="When they were enrolled or joined the waiting list.")
    joined_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    placed_at = models.DateTimeField(null=True, blank=True, help_text="When a waiting place became a cohort place.")
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["joined_at", "id"]
        indexes = [models.Index(fields=["group", "status", "joined_at"], name="enrolment_waiting_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="waiting", cohort__isnull=True)
                | (~models.Q(status="waiting") & models.Q(cohort__isnull=False)),
                name="enrolment_waiting_has_no_cohort",
            ),
            models.CheckConstraint(
                condition=models.Q(status="left", left_at__isnull=False)
                | (~models.Q(status="left") & models.Q(left_at__isnull=True)),
                name="enrolment_left_has_left_at",
            ),
            # Twice in one cohort, or twice on one waiting list, is one click too many.
            models.UniqueConstraint(
                fields=["cohort", "referral"], condition=models.Q(status="enrolled"), name="enrolment_once_per_cohort"
            ),
            models.UniqueConstraint(
                fields=["group", "referral"], condition=models.Q(status="waiting"), name="enrolment_waits_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()}: referral {self.referral_id} in {self.group_id}"
