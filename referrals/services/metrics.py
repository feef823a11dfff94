"""Prometheus metrics for the clock sweep and alert delivery (prometheus-client).

Counted where the work happens, in the worker. With ``PROMETHEUS_MULTIPROC_DIR`` set (the
Procfile sets it), every process writes its samples there and ``/metrics`` in the web
process adds them up; without it each process counts for itself. The state that /metrics
reads from the database at scrape time (queue depth, last sweep) is in ``ops.metrics``.
"""

from prometheus_client import Counter, Histogram

# Seconds: alerts must reach the inbox within a minute of their threshold (issue 11).
_LATENCY_BUCKETS = (1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 300, 600, 1800, 3600)

SWEEP_DURATION = Histogram(
    "caseload_clock_sweep_duration_seconds",
    "How long one whole clock sweep took.",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60),
)
ALERTS_RAISED = Counter("caseload_alerts_raised_total", "Alerts stored by the clock sweep.", ["level"])
ALERTS_DELIVERED = Counter(
    "caseload_alerts_delivered_total", "Alerts marked sent (in-app and every email reached).", ["level"]
)
ALERT_LATENCY = Histogram(
    "caseload_alert_delivery_latency_seconds",
    "From an alert's threshold to its first in-app delivery.",
    buckets=_LATENCY_BUCKETS,
)
EMAIL_FAILURES = Counter("caseload_alert_email_failures_total", "Alert emails the mail server did not take.")
PUBLISH_FAILURES = Counter(
    "caseload_broker_publish_failures_total", "Delivery tasks the sweep could not hand to the broker."
)
