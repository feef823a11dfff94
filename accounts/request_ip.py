"""The address a request came from, for the audit log and for django-axes' lockouts."""

from collections.abc import Callable
from contextvars import ContextVar
from ipaddress import ip_address

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# The address of the request being served, for audit rows written by services that are not handed
# the request (a contact recorded, a referral triaged). None outside a request: a Celery task or a
# management command, whose rows say "Not recorded", which is true.
_current_ip: ContextVar[str | None] = ContextVar("audit_source_ip", default=None)


def current_ip() -> str | None:
    """The address of the request this code is serving, if any."""
    return _current_ip.get()


class RequestAddressMiddleware:
    """Remembers each request's address (``client_ip``) while it is served, so every audit row a
    request writes records where it came from, not only the sign-in rows that are given it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            _current_ip.reset(token)


def client_ip(request: HttpRequest) -> str | None:
    """REMOTE_ADDR, unless TRUSTED_PROXY_COUNT proxies stand in front of us.

    Each proxy appends the address it was connected from to X-Forwarded-For, so with N trusted
    proxies the client is the Nth entry from the right. Entries further left were written by
    the client itself and prove nothing. A malformed value gives REMOTE_ADDR, never a guess.
    """
    remote = _valid(request.META.get("REMOTE_ADDR", ""))
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if len(hops) >= proxies:
            return _valid(hops[-proxies]) or remote
    return remote


def _valid(value: str) -> str | None:
    try:
        return str(ip_address(value.strip()))
    except ValueError:
        return None
