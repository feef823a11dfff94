"""Authentication events into the audit log.

Logins, logouts and failed logins are the framework's events, not changes to our data, so we
listen for Django's signals (and django-axes' lockout signal) rather than wiring the login view:
that catches every way in (our login page, the admin's, a test's force_login) and the lockouts
axes decides deep inside authenticate(). Each receiver only adapts the signal and calls a
service in accounts.services.
"""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.utils import timezone

from . import services
from .request_ip import client_ip
from .two_factor import remember_enrolment


def _ip(request) -> str | None:
    return client_ip(request) if request is not None else None


@receiver(user_logged_in, dispatch_uid="accounts.audit_login")
def audit_login(sender, request, user, **kwargs) -> None:
    services.auth_login_record(user=user, now=timezone.now(), source_ip=_ip(request))
    if request is not None and hasattr(request, "session"):
        remember_enrolment(request, user)


@receiver(user_logged_out, dispatch_uid="accounts.audit_logout")
def audit_logout(sender, request, user, **kwargs) -> None:
    if user is not None:  # logging out with no one logged in records nothing
        services.auth_logout_record(user=user, now=timezone.now(), source_ip=_ip(request))


@receiver(user_login_failed, dispatch_uid="accounts.audit_login_failed")
def audit_login_failed(sender, credentials, request=None, **kwargs) -> None:
    # Django has already masked the password in ``credentials``; we take only the username.
    services.auth_login_failed_record(
        username=str(credentials.get("username", "")),
        now=timezone.now(),
        source_ip=_ip(request),
        locked_out=bool(getattr(request, "axes_locked_out", False)),
    )


@receiver(user_locked_out, dispatch_uid="accounts.audit_lockout")
def audit_lockout(sender, request, username, ip_address, **kwargs) -> None:
    services.auth_lockout_record(username=str(username or ""), now=timezone.now(), source_ip=ip_address)
