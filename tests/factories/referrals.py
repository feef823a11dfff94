from datetime import datetime

from django.utils import timezone

from accounts.models import User
from localities.models import Practice
from referrals.models import Alert, Clock, Notification, Referral
from referrals.services import referral_create

from .people import UserFactory, valid_nhs_number


def make_referral(
    *,
    by: User | None = None,
    received_at: datetime | None = None,
    now: datetime | None = None,
    source: str = Referral.Source.GP,
    urgency: str = Referral.Urgency.ROUTINE,
    practice: Practice | None = None,
    postcode: str = "BS1 4XX",
    nhs_number: str | None = "new",
    **extra,
) -> Referral:
    """A referral made through referral_create, as intake would make it."""
    now = now or timezone.now()
    referral, _ = referral_create(
        by=by or UserFactory(),
        now=now,
        received_at=received_at or now,
        source=source,
        urgency=urgency,
        presenting_need=extra.pop("presenting_need", "Low mood and anxiety for three months; not sleeping."),
        nhs_number=valid_nhs_number() if nhs_number == "new" else nhs_number,
        given_name=extra.pop("given_name", "Alex"),
        family_name=extra.pop("family_name", "Example"),
        birth_date=extra.pop("birth_date", None),
        postcode=postcode,
        gp_practice=practice,
        **extra,
    )
    return referral


def make_alert(clock: Clock, *, level: str, at: datetime, tier: int = 0) -> Alert:
    """An alert on ``clock`` raised at ``at``, as the sweep stores one."""
    return Alert.objects.create(
        clock=clock,
        referral_id=clock.referral_id,
        clock_kind=clock.kind,
        level=level,
        tier=tier,
        threshold_at=at,
        created_at=at,
    )


def make_notification(alert: Alert, *, to: User, seen: bool = False) -> Notification:
    """``alert`` as it reached ``to``'s inbox, when it was raised (and seen then, when ``seen``)."""
    at = alert.created_at
    return Notification.objects.create(alert=alert, recipient=to, created_at=at, seen_at=at if seen else None)
