"""gunicorn with our settings (config/gunicorn.py) names no server software in its answers."""

import http.client
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[2]


def hello(environ, start_response):
    """The smallest WSGI application: the header under test is gunicorn's, not Django's."""
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello\n"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(port: int) -> http.client.HTTPResponse:
    deadline = time.monotonic() + 30
    while True:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/")
            response = connection.getresponse()
            response.read()
            connection.close()
            return response
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.mark.slow
@pytest.mark.parametrize(("settings", "server_header"), [([], "gunicorn"), (["-c", "python:config.gunicorn"], None)])
def test_gunicorn_with_our_settings_sends_no_server_header(settings, server_header):
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", *settings, "--bind", f"127.0.0.1:{port}", "--workers", "1"]
        + ["--access-logfile", "/dev/null", "tests.config.test_gunicorn:hello"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        response = _get(port)
    finally:
        server.terminate()
        server.wait(timeout=30)

    assert response.status == 200
    # Without our settings gunicorn names itself, so the check below would notice a change.
    assert response.getheader("Server") == server_header


def test_a_worker_that_exits_is_marked_dead_for_the_metrics(tmp_path, monkeypatch):
    from config import gunicorn as settings  # patches gunicorn's headers in this process too: harmless here

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    live = tmp_path / "gauge_livesum_4242.db"
    live.write_bytes(b"")
    counter = tmp_path / "counter_4242.db"
    counter.write_bytes(b"")

    settings.child_exit(server=None, worker=SimpleNamespace(pid=4242))

    assert not live.exists()  # its live gauges no longer count
    assert counter.exists()  # what it counted still does
