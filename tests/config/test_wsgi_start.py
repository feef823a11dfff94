"""The web process loads every page's code as it starts, so the first visit after a start is not
the one that waits for it (the FHIR mapping's models alone take about a second to build)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import sys
before = "interchange.fhir.views" in sys.modules
import config.wsgi
print(before, "interchange.fhir.views" in sys.modules, "reporting.views" in sys.modules)
"""


def test_starting_the_web_application_loads_every_pages_code_before_the_first_request():
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.split()[-3:] == ["False", "True", "True"]


def _started_with_debug_off(probe: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``probe`` in a fresh Python process, DEBUG off as in production (and ``env`` set)."""
    return subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env={**os.environ, "DJANGO_DEBUG": "0", **env},
    )


TEMPLATES_PROBE = """
import config.wsgi
from django.template import engines
from django.template.loaders.cached import Loader

loaders = [loader for loader in engines["django"].engine.template_loaders if isinstance(loader, Loader)]
print(len(loaders), any("dashboard/flow.html" in key for loader in loaders for key in loader.get_template_cache))
"""


def test_starting_the_web_application_compiles_the_page_templates_before_the_first_request():
    """The waits dashboard's nested includes took about 100 ms to compile on the first visit."""
    out = _started_with_debug_off(TEMPLATES_PROBE)
    assert out.stdout.split()[-2:] == ["1", "True"]


FREEZE_PROBE = """
import gc
import config.wsgi
print(gc.get_freeze_count(), len(gc.get_objects()))
"""


def test_what_the_web_application_built_as_it_started_is_not_walked_by_the_collector_again():
    """Full collections walked the worker's whole heap (modules, FHIR models, compiled templates)
    in the middle of requests; start-up's objects are frozen once, so only a request's own are."""
    out = _started_with_debug_off(FREEZE_PROBE)
    frozen, still_tracked = (int(n) for n in out.stdout.split()[-2:])
    assert frozen > 100_000
    assert still_tracked < frozen / 20


FIRST_REQUEST_PROBE = """
import sys
import config.wsgi
from accounts.throttles import limiter
from django.urls import get_resolver
from django.utils.translation import get_language

modules = ("referrals.context_processors", "django.contrib.messages.storage.fallback", "redis")
print(get_language() in get_resolver()._reverse_dict, limiter.cache_info().currsize, *(m in sys.modules for m in modules))
"""


def test_a_new_worker_builds_what_its_first_request_would_otherwise_wait_for():
    """A new worker's first request took 69 to 153 ms where the second took 5 to 65: it built the
    URLconf's reverse tables and the rate limiter (importing the Redis client) and imported the
    context processors and the messages' storage. They are made as the worker starts, without
    connecting to anything: here Redis is named on a port where nothing listens."""
    out = _started_with_debug_off(FIRST_REQUEST_PROBE, REDIS_URL="redis://127.0.0.1:1/0")
    assert out.stdout.split()[-5:] == ["True", "1", "True", "True", "True"]
