"""Taking a referral without gaining the record (issue 10, item 1; docs/adr/0006)."""

from datetime import datetime

from django.db.models import Q

from accounts.models import User
from accounts.services import audit_record
from referrals.models import Referral

from .models import IntakeReceipt
from .selectors import referrals_visible_to


def intake_receipt_record(*, by: User, referral: Referral, now: datetime) -> IntakeReceipt | None:
    """Call in the transaction that created ``referral``, once it exists.

    When the person already had referrals and the taker could open none of them (apart from
    the one just made), the new referral must not become their way in: record it, so the
    selectors leave it out of the taker's team and queue relationships. A new person, or one
    the taker could already open, needs nothing.
    """
    # Set when the referral was made, under the person's lock (referral_scope_set_on_create):
    # whether the person had other referrals, without asking again.
    if not referral.person_has_other_referrals:
        return None
    if referrals_visible_to(by, among=Q(person_id=referral.person_id)).exclude(pk=referral.pk).exists():
        return None
    receipt, created = IntakeReceipt.objects.get_or_create(user=by, referral=referral, defaults={"taken_at": now})
    if created:
        audit_record(
            by=by,
            action="referral.taken_outside_access",
            obj=referral,
            now=now,
            person_id=referral.person_id,
            detail={"team": referral.team_id},
        )
    return receipt
