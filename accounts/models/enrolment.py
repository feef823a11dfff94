"""One-time codes an administrator issues so that a member of staff can set up a second factor."""

from django.conf import settings
from django.db import models


class EnrolmentCode(models.Model):
    """Proof, besides the password, that whoever sets up an authenticator app is the account's owner.

    Without it, anyone holding a password for an account with no app yet could enrol their own
    (issue 10, item 7). Only a keyed hash of the code is kept: the code is shown once, to the
    administrator who issued it, to pass on by another channel. Used once, before it expires.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolment_codes")
    code_hash = models.CharField(max_length=64, unique=True)
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("issued_at")), name="enrolment_code_expires_later"
            ),
            models.CheckConstraint(
                condition=models.Q(used_at__isnull=True) | models.Q(used_at__gte=models.F("issued_at")),
                name="enrolment_code_used_after_issue",
            ),
        ]
        indexes = [
            models.Index(
                fields=["user", "expires_at"], condition=models.Q(used_at__isnull=True), name="enrolment_unused_idx"
            )
        ]

    def __str__(self) -> str:
        return f"Enrolment code for {self.user}, issued {self.issued_at:%Y-%m-%d %H:%M}"
