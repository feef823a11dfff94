"""Reads for the in-app alerts inbox: a user's own notifications, and nobody else's."""

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from accounts.models import User
from referrals.models import Alert, Notification


def notifications_for(user: User, *, level: str = "", unseen_only: bool = False) -> QuerySet[Notification]:
    """The user's notifications, newest first, with the alert, referral and person in the same query."""
    if not user.is_authenticated or not user.is_active:
        return Notification.objects.none()
    qs = Notification.objects.filter(recipient_id=user.pk)
    if level in Alert.Level.values:
        qs = qs.filter(alert__level=level)
    if unseen_only:
        qs = qs.filter(seen_at__isnull=True)
    # Escalations reach managers who may not open the record: they see the reference, not the name.
    from referrals.selectors import referrals_visible_to

    can_open = Exists(referrals_visible_to(user).filter(pk=OuterRef("alert__referral_id")))
    return (
        qs.select_related("alert__referral__person", "alert__referral__team")
        .annotate(can_open=can_open)
        .order_by("-created_at", "-pk")
    )


def notification_get_for_user(user: User, notification_id: int) -> Notification:
    """One of the user's own notifications; 404 for anyone else's (existence is not leaked)."""
    notification = notifications_for(user).filter(pk=notification_id).first()
    if notification is None:
        raise Http404("No such notification.")
    return notification


def unseen_count(user: User) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient_id=user.pk, seen_at__isnull=True).count()
