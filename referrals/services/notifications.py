"""Writes for the in-app alerts inbox: marking notifications as seen.

Only the recipient may mark their own notification. Both functions use a
conditional UPDATE (``seen_at IS NULL``) so a double click, or two tabs, mark a
row once and keep the first instant it was seen; they return how many rows they
changed.
"""

from datetime import datetime

from django.core.exceptions import PermissionDenied

from accounts.models import User
from referrals.models import Notification


def notification_mark_seen(*, notification: Notification, by: User, now: datetime) -> int:
    """Mark one notification as seen by its recipient. Returns 1, or 0 if it was already seen."""
    if notification.recipient_id != by.pk:
        raise PermissionDenied("Only the person a notification was sent to can mark it as seen.")
    changed = Notification.objects.filter(pk=notification.pk, recipient_id=by.pk, seen_at__isnull=True).update(
        seen_at=now
    )
    if changed:
        notification.seen_at = now
    return changed


def notifications_mark_all_seen(*, user: User, now: datetime) -> int:
    """Mark every unseen notification of the user as seen. Returns how many were marked."""
    return Notification.objects.filter(recipient_id=user.pk, seen_at__isnull=True).update(seen_at=now)
