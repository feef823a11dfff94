"""/metrics: prometheus-client's registry, plus gauges read from the database at scrape time.

The counters and histograms (referrals.services.metrics) are counted in the worker; the
gauges here are the database's own state, the same whichever process is scraped.
"""

import os
from collections.abc import Iterator

from django.utils import timezone
from prometheus_client import CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import REGISTRY, GaugeMetricFamily
from prometheus_client.registry import Collector

from referrals.selectors import sweep_health


class DeliveryStateCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = timezone.now()
        health = sweep_health(now=now)
        last = health.last_finished_at
        yield GaugeMetricFamily(
            "caseload_clock_sweep_last_finished_timestamp_seconds",
            "When the last clock sweep finished (Unix time; 0 if none has).",
            value=last.timestamp() if last else 0,
        )
        yield GaugeMetricFamily(
            "caseload_clock_sweep_lag_seconds",
            "How long the oldest due clock has waited for a sweep.",
            value=health.lag_seconds,
        )
        yield GaugeMetricFamily(
            "caseload_alerts_deliverable", "Unsent alerts waiting for a sender.", value=health.deliverable
        )
        oldest = health.oldest_unsent_at
        yield GaugeMetricFamily(
            "caseload_alert_oldest_unsent_age_seconds",
            "Age of the oldest unsent alert (0 if none).",
            value=(now - oldest).total_seconds() if oldest else 0,
        )


def render() -> bytes:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Every process (web, worker) writes its samples there; add them all up.
        multiprocess.MultiProcessCollector(registry)
    else:
        # This process's own counters (with the sweep in the same process, as in the tests).
        registry.register(_Forward(REGISTRY))
    registry.register(DeliveryStateCollector())
    return generate_latest(registry)


class _Forward(Collector):
    def __init__(self, source: CollectorRegistry) -> None:
        self.source = source

    def collect(self) -> Iterator[object]:  # type: ignore[override]  # forwards whatever the registry yields
        yield from self.source.collect()
