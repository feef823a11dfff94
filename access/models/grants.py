"""Explicit, per-person grants of access, on django-guardian's direct foreign-key models.

Everyday access is derived from relationships (team membership, allocation, the locality's
triage queue) in ``access.selectors``; these rows are the exceptions a person makes on
purpose: a break-glass opening, temporary cover for an absent colleague, and a consent-based
share with another organisation. Guardian's generic table keys objects by a text id and slows
to seconds at millions of rows; these tables carry a real foreign key to the person, indexed
with the user (or group), so the selectors join them with ``Exists()``.

The selectors are the authority: they also check ``expires_at``; a Celery task deletes expired
rows so guardian's own ``has_perm`` agrees with them within a minute.
"""

from django.conf import settings
from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase


class PersonGrant(UserObjectPermissionBase):
    """One user may open one person's record until ``expires_at``, for a recorded reason."""

    class Kind(models.TextChoices):
        BREAK_GLASS = "break_glass", "Break-glass (emergency)"
        COVER = "cover", "Covering for a colleague"

    content_object = models.ForeignKey("referrals.Person", on_delete=models.CASCADE, related_name="user_grants")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    reason = models.TextField()
    granted_at = models.DateTimeField()
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    expires_at = models.DateTimeField()

    class Meta(UserObjectPermissionBase.Meta):
        db_table = "accounts_persongrant"  # kept from before the move (docs/adr/0007)
        verbose_name = "person access grant"
        indexes = [models.Index(fields=["user", "content_object", "expires_at"], name="person_grant_user_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(expires_at__gt=models.F("granted_at")), name="grant_ends_later"),
            models.CheckConstraint(condition=~models.Q(reason=""), name="grant_has_reason"),
        ]


class PersonShare(GroupObjectPermissionBase):
    """A person's record shared with another organisation's clinical staff, under their consent.

    The group is the organisation's staff group. Withdrawing the consent deletes the share in
    the same transaction, so it ends at once.
    """

    content_object = models.ForeignKey("referrals.Person", on_delete=models.CASCADE, related_name="shares")
    organisation = models.ForeignKey("localities.Organisation", on_delete=models.CASCADE, related_name="+")
    consent = models.ForeignKey("referrals.SharingConsent", on_delete=models.CASCADE, related_name="shares")
    reason = models.TextField()
    granted_at = models.DateTimeField()
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta(GroupObjectPermissionBase.Meta):
        db_table = "accounts_personshare"  # kept from before the move (docs/adr/0007)
        verbose_name = "consent-based share"
        indexes = [models.Index(fields=["organisation", "content_object"], name="person_share_org_idx")]


class BreakGlassReview(models.Model):
    """Every break-glass opening waits here until an information governance lead has reviewed it."""

    class Outcome(models.TextChoices):
        APPROPRIATE = "appropriate", "Appropriate"
        INAPPROPRIATE = "inappropriate", "Not appropriate: follow up"

    person = models.ForeignKey("referrals.Person", on_delete=models.PROTECT, related_name="+")
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    opened_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    source_ip = models.GenericIPAddressField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    review_note = models.TextField(blank=True)

    class Meta:
        db_table = "accounts_breakglassreview"  # kept from before the move (docs/adr/0007)
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reviewed_at__isnull=True, reviewed_by__isnull=True, outcome="")
                | models.Q(reviewed_at__isnull=False, reviewed_by__isnull=False) & ~models.Q(outcome=""),
                name="break_glass_reviewed_together",
            )
        ]
        indexes = [
            models.Index(fields=["opened_at"], condition=models.Q(reviewed_at__isnull=True), name="unreviewed_idx")
        ]

    def __str__(self) -> str:
        return f"Break-glass by {self.opened_by} at {self.opened_at:%Y-%m-%d %H:%M}"
