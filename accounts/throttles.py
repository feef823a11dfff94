"""Per-user rate limits (issue 10, item 3): the person search and the API.

DRF's throttles count requests per user in the shared cache (Redis), so every web worker
sees the same count; the API answers 429 with ``Retry-After`` by itself, and the intake page
uses the same classes through ``allow``. Rates are settings (``REST_FRAMEWORK``
``DEFAULT_THROTTLE_RATES``), set from the environment.
"""

from django.http import HttpRequest
from rest_framework.throttling import SimpleRateThrottle


class PerUserThrottle(SimpleRateThrottle):
    """Counted per signed-in user (every endpoint needs one), else per address."""

    def get_cache_key(self, request, view):
        user = getattr(request, "user", None)
        ident = user.pk if user is not None and user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class ApiThrottle(PerUserThrottle):
    scope = "api"


class PersonSearchThrottle(PerUserThrottle):
    """Finding a person reaches beyond the user's own access, so it is counted on its own."""

    scope = "person_search"


def allow(throttle: SimpleRateThrottle, request: HttpRequest) -> int | None:
    """None when the request may go on, else the seconds to wait (for ``Retry-After``)."""
    if throttle.allow_request(request, None):  # type: ignore[arg-type]
        return None
    return max(1, int(throttle.wait() or 1))
