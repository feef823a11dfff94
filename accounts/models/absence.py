from django.conf import settings
from django.db import models


class Absence(models.Model):
    """A worker away (leave, sickness, training...) for a range of time, and who covers them.

    While an absence is in force the worker's capacity is ``capacity_during`` (0: takes nobody
    new; a phased return may take a few), so allocation suggests others and warns before
    giving them more. A covering colleague may open the records of everyone the worker holds
    from ``starts_at`` to ``ends_at`` (access.grants: the grants are made when it starts and
    ``cover_started_at`` says when). The kind is enough: no note about a colleague's health.
    """

    class Kind(models.TextChoices):
        LEAVE = "leave", "Annual leave"
        SICKNESS = "sickness", "Sickness"
        TRAINING = "training", "Training or study"
        OTHER = "other", "Other absence"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="absences")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    capacity_during = models.PositiveSmallIntegerField(
        default=0, help_text="How many people the worker can hold while away (0: none new)."
    )
    covering = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="covers"
    )
    cover_reason = models.TextField(blank=True)
    cover_started_at = models.DateTimeField(null=True, blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="absence_ends_later"),
            models.CheckConstraint(
                condition=models.Q(covering__isnull=True) | ~models.Q(covering=models.F("user")),
                name="absence_covered_by_someone_else",
            ),
            models.CheckConstraint(
                condition=models.Q(covering__isnull=True) | ~models.Q(cover_reason=""), name="absence_cover_has_reason"
            ),
            models.CheckConstraint(
                condition=models.Q(cover_started_at__isnull=True) | models.Q(covering__isnull=False),
                name="absence_cover_started_only_with_cover",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "ends_at"], name="absence_user_idx"),
            # The covers still to start (access.grants.covers_start_due).
            models.Index(
                fields=["starts_at"],
                condition=models.Q(covering__isnull=False, cover_started_at__isnull=True),
                name="absence_cover_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} away ({self.get_kind_display()}) from {self.starts_at:%Y-%m-%d}"
