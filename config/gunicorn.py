"""gunicorn's settings (``gunicorn -c python:config.gunicorn config.wsgi``): docker compose's web
service and ``make fuzz-api``. Command-line flags still win over anything here."""

import os

from gunicorn.http import wsgi  # type: ignore[import-untyped]  # no stubs for gunicorn in requirements
from prometheus_client import multiprocess

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# WEB_CONCURRENCY is read by gunicorn itself for the number of workers.
accesslog = "-"


# No Server header: gunicorn always sends "Server: gunicorn", naming the software to anyone who
# asks, and has no setting to stop it. Dropping the one line from its default headers is the
# smallest change; tests/config/test_gunicorn.py checks it against the pinned gunicorn.
_default_headers = wsgi.Response.default_headers


def _default_headers_without_server(self: wsgi.Response) -> list[str]:
    return [line for line in _default_headers(self) if not line.lower().startswith("server:")]


wsgi.Response.default_headers = _default_headers_without_server


def child_exit(server: object, worker: object) -> None:
    """prometheus-client's multi-process mode: a worker that has gone no longer counts in the
    live gauges (ops.metrics adds up every process's files in PROMETHEUS_MULTIPROC_DIR)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined]
