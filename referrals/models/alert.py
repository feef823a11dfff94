from django.conf import settings
from django.db import models


class Alert(models.Model):
    """A warning, breach or escalation raised once for one clock.

    Stored first, in the same transaction as the sweep step that raised it, then
    delivered by a task. Delivery is at-least-once: a sender claims the row with a
    lease (claimed_until), marks it sent only after success, and the sweep hands
    out again any alert whose lease has run out.
    """

    class Level(models.TextChoices):
        WARNING = "warning", "Warning"
        BREACH = "breach", "Breach"
        ESCALATION = "escalation", "Escalation"

    clock = models.ForeignKey("referrals.Clock", on_delete=models.PROTECT, related_name="alerts")
    referral = models.ForeignKey("referrals.Referral", on_delete=models.PROTECT, related_name="alerts")
    clock_kind = models.CharField(max_length=16)
    level = models.CharField(max_length=16, choices=Level.choices)
    tier = models.PositiveSmallIntegerField(
        default=0, help_text="Escalations: 1 to the team manager, 2 to the service manager."
    )
    threshold_at = models.DateTimeField(help_text="The instant the clock crossed this level.")
    created_at = models.DateTimeField()
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # Idempotency of the sweep: a second sweep or a retried task cannot add a twin.
            models.UniqueConstraint(fields=["clock", "level", "tier"], name="one_alert_per_clock_level"),
            models.CheckConstraint(
                condition=models.Q(level="escalation", tier__in=[1, 2])
                | (~models.Q(level="escalation") & models.Q(tier=0)),
                name="alert_tier_matches_level",
            ),
        ]
        indexes = [
            models.Index(fields=["created_at"], condition=models.Q(sent_at__isnull=True), name="alert_unsent_idx"),
            models.Index(fields=["referral", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.level} on {self.clock_kind} clock of referral {self.referral_id}"


class Notification(models.Model):
    """An alert as it reached one person's in-app inbox."""

    alert = models.ForeignKey(Alert, on_delete=models.PROTECT, related_name="notifications")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    created_at = models.DateTimeField()
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["alert", "recipient"], name="one_notification_per_recipient")]
        indexes = [models.Index(fields=["recipient", "seen_at"])]

    def __str__(self) -> str:
        return f"{self.alert} for {self.recipient_id}"


class AlertEmail(models.Model):
    """An alert's email as it reached one address, recorded once the mail server accepted it.

    A retried delivery sends only to the addresses without a row, so a mail server that
    refuses one recipient, or drops the connection halfway, costs a duplicate only to a
    recipient whose send was interrupted between the server's acceptance and this insert.
    """

    alert = models.ForeignKey(Alert, on_delete=models.PROTECT, related_name="emails")
    address = models.EmailField()
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["alert", "address"], name="one_email_per_alert_address")]

    def __str__(self) -> str:
        return f"{self.alert} to {self.address}"


class SweepStatus(models.Model):
    """The last clock sweep: when it ran, how long it took and what it did. One row, id 1.

    Written at the end of every sweep; read by /healthz, /metrics and the alerts inbox, which
    warn when sweeps have stopped (Celery beat down). ``stale_warned_at`` is when administrators
    were emailed about the current stop, cleared by the next sweep, so each stop warns once.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    duration_seconds = models.FloatField(default=0)
    clocks = models.PositiveIntegerField(default=0, help_text="Clocks handled by the last sweep.")
    alerts_raised = models.PositiveIntegerField(default=0)
    publish_failures = models.PositiveIntegerField(
        default=0, help_text="Delivery tasks the last sweep could not hand to the broker."
    )
    stale_warned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "sweep status"
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="sweep_status_single_row")]

    def __str__(self) -> str:
        return f"last sweep finished {self.finished_at:%Y-%m-%d %H:%M:%S}"
