"""Helpers every page's view uses: where to go back to after a form, a service's refusal on the
form, the htmx request type, and display values carried on a model instance for its template."""

from collections.abc import Callable

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """A request that passed django-htmx's middleware (every request here): ``request.htmx`` says
    whether htmx sent it and which element it targets. Only for annotations, like
    ``accounts.http.AuthenticatedHttpRequest``."""

    htmx: HtmxDetails


_SENTINEL = 987_654_321_012  # an id no row has: stands in for the one filled in below


def url_with_id(name: str) -> Callable[[int], str]:
    """``lambda pk: reverse(name, args=[pk])``, reversing once: a list page links every row to
    the same few pages, and under the profiler ``reverse`` for each link was about a tenth of My
    caseload's time (issue 17; unprofiled, the page's median moved within the noise).
    The URL is reversed with a sentinel id, then the sentinel is replaced by each row's id."""
    template = reverse(name, args=[_SENTINEL])
    head, tail = template.split(str(_SENTINEL), 1)
    return lambda pk: f"{head}{int(pk)}{tail}"


def set_display_attrs(instance: Model, **values: object) -> None:
    """Values worked out for a template (a link, a tag), carried on the model instance it shows,
    as a queryset annotation would be. The model declares no such attributes and Python code
    never reads them back, so they are set by name rather than declared."""
    for name, value in values.items():
        setattr(instance, name, value)


def safe_next(request: HttpRequest, fallback: str) -> str:
    """Where to go after a form: its ``next`` (posted, or in the query string) if that is a page
    of this site, else ``fallback``.

    Another host (``https://evil.example/``, ``//evil.example``) is refused, so a link to one of
    our forms cannot send someone off-site after they use it.
    """
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def add_service_errors(form: forms.BaseForm, error: ValidationError, field_map: dict[str, str] | None = None) -> None:
    """A service's ValidationError on the form: errors about a field inline, the rest at the top.

    Services name their arguments (``received_at``, ``agreed_at``); where the form calls the
    field something else, ``field_map`` translates, or the form's ``service_fields`` does for
    every use of it.
    """
    names = {**getattr(form, "service_fields", {}), **(field_map or {})}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, messages in error.message_dict.items():
        field = names.get(name, name)
        form.add_error(field if field in form.fields else None, messages)
