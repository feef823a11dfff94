"""A referral taken for someone whose record the taker could not open (issue 10, item 1)."""

from django.conf import settings
from django.db import models


class IntakeReceipt(models.Model):
    """The taker of this referral could not open the person's record when they took it.

    Taking a referral never widens the taker's access: ``access.selectors`` leaves this
    referral out of every team and triage-queue relationship *for the taker*, so they keep the
    receipt (reference, status, team, clocks) and nothing else. The receiving team sees it as
    usual; the taker reaches the record only as anyone else would (allocation to them, or
    break-glass with its review).
    """

    referral = models.ForeignKey("referrals.Referral", on_delete=models.CASCADE, related_name="intake_receipts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="intake_receipts")
    taken_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "referral"], name="one_intake_receipt_per_taker")]

    def __str__(self) -> str:
        return f"{self.user} took referral {self.referral_id} without access"
