"""/healthz for load balancers and monitors, /metrics for Prometheus. No login: a monitor has none."""

import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from referrals.services.alerts import sweep_stale_warn

from . import checks, metrics


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when every check passes, else 503; the body says which failed and the figures.

    ``?only=database`` checks only what this web process needs to serve pages, for a load
    balancer that should not take web servers out because beat or the broker is down.
    """
    now = timezone.now()
    if request.GET.get("only") == "database":
        results = {"database": checks.database()}
    else:
        results = checks.run_all(now)
        if results["database"].ok and not results["sweep"].ok:
            sweep_stale_warn(now=now)  # beat is down: nothing periodic would notice, so the monitor's poll does
    ok = all(check.ok for check in results.values())
    body = {
        "status": "ok" if ok else "fail",
        "checked_at": now.isoformat(),
        "checks": {name: {"ok": check.ok, **check.detail} for name, check in results.items()},
    }
    return JsonResponse(body, status=200 if ok else 503)


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    token = settings.METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if not hmac.compare_digest(given.encode(), token.encode()):
            return HttpResponse("A bearer token is needed.\n", status=401, content_type="text/plain")
    elif settings.PRODUCTION:
        return HttpResponse("Set METRICS_TOKEN to publish metrics.\n", status=403, content_type="text/plain")
    return HttpResponse(metrics.render(), content_type=CONTENT_TYPE_LATEST)
