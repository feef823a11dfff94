"""Template context shared by every page."""

from functools import cached_property

from django.http import HttpRequest

from referrals.models import Notification


class UnreadAlerts:
    """The signed-in user's unseen in-app alerts, counted at most once per render, and only if a
    template asks (the header does; an htmx fragment or an admin page pays nothing)."""

    def __init__(self, user) -> None:
        self._user = user

    @cached_property
    def count(self) -> int:
        if self._user is None or not self._user.is_authenticated:
            return 0
        # One COUNT on the (recipient, seen_at) index.
        return Notification.objects.filter(recipient_id=self._user.pk, seen_at__isnull=True).count()

    def __bool__(self) -> bool:
        return self.count > 0

    def __str__(self) -> str:
        return str(self.count)


def unread_alerts(request: HttpRequest) -> dict[str, UnreadAlerts]:
    """``{{ unread_alerts.count }}`` in any template: the header's Alerts badge."""
    return {"unread_alerts": UnreadAlerts(getattr(request, "user", None))}
