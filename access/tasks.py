"""Background work for access control: tell the IG leads about break-glass, tidy expired grants."""

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from referrals.models import SharingConsent

from .models import BreakGlassReview, PersonGrant


# Named as before the move to this app, so tasks already queued under the old name still run.
@shared_task(name="accounts.tasks.notify_ig_of_break_glass", autoretry_for=(OSError,), retry_backoff=30, max_retries=10)
def notify_ig_of_break_glass(review_id: int) -> int:
    """Email every active IG lead that a record was opened with break-glass.

    The email names the member of staff and the time, never the person: the details are on the
    review page, behind a login.
    """
    review = BreakGlassReview.objects.select_related("opened_by").get(pk=review_id)
    addresses = list(
        User.objects.filter(role=Role.IG_LEAD, is_active=True).exclude(email="").values_list("email", flat=True)
    )
    if not addresses:
        return 0
    opened = timezone.localtime(review.opened_at).strftime("%-d %B %Y at %H:%M")
    subject = f"Break-glass: a record was opened by {review.opened_by} on {opened}"
    body = (
        f"{review.opened_by} ({review.opened_by.username}) opened a person's record with break-glass on {opened}.\n\n"
        f"Review it: {settings.SITE_URL}{reverse('ig:break_glass')}\n"
    )
    messages = [EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [address]) for address in addresses]
    return get_connection().send_messages(messages) or 0


@shared_task(name="accounts.tasks.expire_grants")
def expire_grants() -> int:
    deleted, _ = PersonGrant.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted


@shared_task(name="access.tasks.notify_ig_of_consent_lift", autoretry_for=(OSError,), retry_backoff=30, max_retries=10)
def notify_ig_of_consent_lift(consent_id: int) -> int:
    """Email every active IG lead that a person's refusal to share was replaced by consent given.

    Like the break-glass email, it names the member of staff and the time, never the person: the
    details (who, why, whose refusal) are on the IG page, behind a login.
    """
    consent = SharingConsent.objects.select_related("recorded_by__organisation").get(pk=consent_id)
    addresses = list(
        User.objects.filter(role=Role.IG_LEAD, is_active=True).exclude(email="").values_list("email", flat=True)
    )
    if not addresses:
        return 0
    by = consent.recorded_by
    at = timezone.localtime(consent.recorded_at).strftime("%-d %B %Y at %H:%M")
    subject = f"Consent: a refusal to share was lifted by {by} on {at}"
    body = (
        f"{by} ({by.username}, {by.organisation or 'no organisation'}) replaced a person's refusal to share "
        f"their record with consent given, on {at}.\n\n"
        f"See who, and why: {settings.SITE_URL}{reverse('ig:consent_lifts')}\n"
    )
    messages = [EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [address]) for address in addresses]
    return get_connection().send_messages(messages) or 0
