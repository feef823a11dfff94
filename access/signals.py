"""Keeps each member of staff in their organisation's staff group, which consent-based shares
are granted to (django-guardian group permissions)."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from .grants import staff_group_sync


@receiver(post_save, sender="accounts.User", dispatch_uid="access.staff_group")
def keep_staff_group(sender, instance, update_fields=None, **kwargs) -> None:
    """A consent-based share is granted to an organisation's staff group: keep members in it."""
    if update_fields is None or "organisation" in update_fields:
        staff_group_sync(instance)
