"""Keeping the referrer informed: the messages owed to them (an outbox), and which ones each
source of referral is sent (configuration, editable in the admin)."""

from django.db import models

from .referral import Referral


class ReferrerUpdate(models.Model):
    """One event in a referral's life as its referrer may know it, and the message about it.

    Written in the same transaction as the clinical action (triage, redirect, first attended
    contact, discharge), so a message is never lost nor sent for an action that rolled back;
    delivered afterwards by a task that claims the row with a lease, as alerts are
    (referrals.services.referrer). ``to_send`` is False when the source's configuration sends
    nothing for this event or there is no mailbox: the row still dates the event for the
    referrer's status API. The text is fixed at the event: exactly what was (or would be) sent.
    """

    class Event(models.TextChoices):
        TRIAGED = "triaged", "Triaged"
        REDIRECTED = "redirected", "Redirected to another team"
        FIRST_SEEN = "first_seen", "First seen"
        DISCHARGED = "discharged", "Discharged"

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="referrer_updates")
    event = models.CharField(max_length=16, choices=Event.choices)
    at = models.DateTimeField(help_text="When the event happened.")
    team = models.ForeignKey(
        "localities.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+", help_text="After it."
    )
    to_send = models.BooleanField(default=True)
    address = models.EmailField(blank=True)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField()
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            # First seen and discharged happen once; a retried or concurrent action adds no twin.
            models.UniqueConstraint(
                fields=["referral", "event"],
                condition=models.Q(event__in=["first_seen", "discharged"]),
                name="one_referrer_update_per_once_event",
            ),
            models.CheckConstraint(
                condition=models.Q(to_send=False) | ~models.Q(address=""), name="referrer_update_sent_somewhere"
            ),
            models.CheckConstraint(
                condition=models.Q(sent_at__isnull=True) | models.Q(to_send=True), name="referrer_update_sent_if_due"
            ),
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(to_send=True, sent_at__isnull=True),
                name="referrer_update_unsent_idx",
            ),
            models.Index(fields=["referral", "at"], name="referrer_update_referral_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_event_display()} for referral {self.referral_id}"


class ReferrerUpdateRule(models.Model):
    """Which messages the referrers of one source of referral get. A source without a rule gets
    every message, outcome included (referrals.services.referrer.DEFAULT_RULE)."""

    source = models.CharField(max_length=32, choices=Referral.Source.choices, unique=True)
    on_triaged = models.BooleanField("when triaged", default=True)
    on_redirected = models.BooleanField("when redirected", default=True)
    on_first_seen = models.BooleanField("when first seen", default=True)
    on_discharged = models.BooleanField("when discharged", default=True)
    include_outcome = models.BooleanField(
        default=True,
        help_text="Say why a referral was redirected and the reason for discharge. Off: only what happened, "
        "where and when.",
    )

    class Meta:
        ordering = ["source"]
        verbose_name = "referrer update rule"

    def __str__(self) -> str:
        return f"Updates to referrers: {self.get_source_display()}"

    def sends(self, event: str) -> bool:
        return bool(getattr(self, f"on_{event}"))
