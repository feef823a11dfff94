from django.conf import settings
from django.db import models


class Allocation(models.Model):
    """Who holds a person's referral, and for how long: the history of hand-offs.

    Exactly one open allocation per referral at a time (ended_at IS NULL).
    """

    referral = models.ForeignKey("referrals.Referral", on_delete=models.PROTECT, related_name="allocations")
    link_worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="allocations")
    team = models.ForeignKey("localities.Team", on_delete=models.PROTECT, related_name="allocations")
    started_at = models.DateTimeField()
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    handover_note = models.TextField(blank=True)
    release_note = models.TextField(
        blank=True, help_text="Left when the person went back to the team's unallocated list at its end."
    )
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # Moved from the caseload app with its table and rows (docs/adr/0007).
        db_table = "caseload_allocation"
        ordering = ["started_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["referral"], condition=models.Q(ended_at__isnull=True), name="one_open_allocation"
            ),
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True) | models.Q(ended_at__gte=models.F("started_at")),
                name="allocation_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["link_worker"], condition=models.Q(ended_at__isnull=True), name="open_allocation_idx"),
            # Team caseload, access control and the capacity dashboard: who the team holds now
            # (the referral ids come from the index alone).
            models.Index(
                fields=["team", "referral"],
                include=["link_worker"],
                condition=models.Q(ended_at__isnull=True),
                name="open_allocation_team_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.referral_id} held by {self.link_worker}"
