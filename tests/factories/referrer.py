"""Who referred: a referral with its referrer recorded, through the service intake calls."""

from datetime import datetime
from typing import Any

from django.utils import timezone

from accounts.models import User
from referrals.models import Referral
from referrals.services.referrer import referrer_set

from .referrals import make_referral

REFERRER_MAILBOX = "gp.practice.referrals@nhs.invalid"


def make_referral_from_referrer(
    *,
    by: User,
    now: datetime | None = None,
    email: str = REFERRER_MAILBOX,
    ods_code: str = "L81001",
    organisation: str = "",
    police_reference: str = "",
    **intake: Any,
) -> Referral:
    """A received referral whose referrer (mailbox, ODS code...) is recorded, as at intake."""
    now = now or timezone.now()
    referral = make_referral(by=by, now=now, **intake)
    return referrer_set(
        referral=referral,
        by=by,
        now=now,
        email=email,
        ods_code=ods_code,
        organisation=organisation,
        police_reference=police_reference,
    )
