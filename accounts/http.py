"""Request types for the type checker."""

from django.http import HttpRequest

from common.web import HtmxHttpRequest

from .models import User


class AuthenticatedHttpRequest(HttpRequest):
    """A request that has passed ``login_required`` or ``LoginRequiredMixin``: its user is signed in.

    Only for annotations (Django never builds one): a view behind the login check takes
    ``request: AuthenticatedHttpRequest`` so ``request.user`` is a ``User``, not ``AnonymousUser``.
    """

    user: User


class AuthenticatedHtmxRequest(AuthenticatedHttpRequest, HtmxHttpRequest):
    """A signed-in request (``login_required``) to a page that also answers htmx (``request.htmx``)."""
