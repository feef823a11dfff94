"""Per-user rate limits (issue 10, item 3): the person search and the API.

The throttles count requests per user in Redis, so every web worker sees
the same count; the API answers 429 with ``Retry-After`` by itself, and the intake page and
the public form use the same classes through ``allow``. Rates are settings (``REST_FRAMEWORK``
``DEFAULT_THROTTLE_RATES``), set from the environment.

``MovingWindowThrottle`` keeps DRF's rule (at most N requests in any window of the rate's length;
a refused request does not count) but counts with the ``limits`` library, atomically in Redis
(docs/adr/0014). DRF's ``SimpleRateThrottle`` reads the window's list of times from the cache,
edits it in the worker and writes it back: two requests at once both read the same list and one's
entry is lost, so a burst across workers passes the limit; and the list, pickled both ways on every
request, grows with the rate (about a tenth of an intake's CPU at the load test's rate). Without
Redis (the demo's one web process) ``limits`` counts in the process's memory.
"""

from functools import cache

from django.conf import settings
from django.http import HttpRequest
from limits import RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from rest_framework.throttling import SimpleRateThrottle


@cache
def limiter() -> MovingWindowRateLimiter:
    """One per process, made on first use (after a web server's fork): its own Redis connections."""
    return MovingWindowRateLimiter(storage_from_string(settings.RATE_LIMIT_STORAGE_URI))


class MovingWindowThrottle(SimpleRateThrottle):
    """DRF's throttle (rates, scopes, 429 and ``Retry-After``) counted by ``limits`` (see above)."""

    def __init__(self) -> None:
        super().__init__()
        # N in a window of the rate's length, from DRF's parse of the rate ("600/minute", "5/h").
        count, seconds = self.parse_rate(self.rate)
        self.item = RateLimitItemPerSecond(count, seconds) if count and seconds else None
        self.ident = ""

    def allow_request(self, request, view):
        if self.item is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        self.ident = key
        return limiter().hit(self.item, self.ident)

    def wait(self):
        """Seconds until the oldest request counted leaves the window."""
        if self.item is None:
            return None
        reset_at, _ = limiter().get_window_stats(self.item, self.ident)
        return max(0.0, reset_at - self.timer())


class PerUserThrottle(MovingWindowThrottle):
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
