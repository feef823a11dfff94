import gc
import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.template.loader import get_template
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Import every page's module now, as the worker starts, rather than during the first request
# someone waits on: the URLconf pulls in the FHIR mapping, whose pydantic models take about a
# second to build (issue 16: the first visit after a start took seconds; scripts/bench_first_visit.py).
get_resolver().url_patterns  # noqa: B018  # the lookup itself does the import

# Compile the project's templates too (the cached template loader keeps them, DEBUG off): the
# waits dashboard's nested includes took about 100 ms to compile on the first visit at a million
# referrals; all 151 take about 170 ms here, once, as the worker starts.
_TEMPLATES = settings.BASE_DIR / "templates"
for _path in sorted(_TEMPLATES.rglob("*.html")):
    get_template(str(_path.relative_to(_TEMPLATES)))

# Then hand everything start-up made to the collector's permanent generation. A worker's heap is
# then some 200,000 objects (every module, the FHIR models, the compiled templates) that live as
# long as it does; Python's cyclic collector would otherwise walk all of them at each of its
# full collections, several times a minute under load, in the middle of someone's request. At a
# million referrals this took the API list's time in the collector from about 8 ms a request to
# about 2 (scripts/bench_pages.py --no-freeze against the default; docs/adr/0013, revised 2026-12-05).
gc.collect()
gc.freeze()
