import gc
import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.template import Engine
from django.template.loader import get_template
from django.urls import get_resolver
from django.utils import formats
from django.utils.module_loading import import_string

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

# And what each worker's first request made for itself, whatever the page (issue 17: a new
# worker's first request took 69 to 153 ms where the second took 5 to 65; docs/performance.md,
# "The first visit after a start"): the URLconf's reverse
# look-up tables, which the first {% url %} or reverse() builds from every pattern (about 20 ms);
# the rate limiter's storage, which imports the Redis client (about 60 ms) when rates are counted
# in Redis, as the cache and sessions are; the template context processors; the session
# serializer and the messages' storage; the UK date formats. None of them opens a connection.
from accounts.throttles import limiter  # noqa: E402  # after get_wsgi_application: needs the apps

get_resolver().reverse_dict  # noqa: B018  # builds the tables for the language requests use
limiter()
Engine.get_default().template_context_processors  # noqa: B018  # a cached property: imports them
import_string(settings.SESSION_SERIALIZER)
import_string(settings.MESSAGE_STORAGE)
formats.get_format("DATE_INPUT_FORMATS")

# Then hand everything start-up made to the collector's permanent generation. A worker's heap is
# then some 200,000 objects (every module, the FHIR models, the compiled templates) that live as
# long as it does; Python's cyclic collector would otherwise walk all of them at each of its
# full collections, several times a minute under load, in the middle of someone's request. At a
# million referrals this took the API list's time in the collector from about 8 ms a request to
# about 2 (scripts/bench_pages.py --no-freeze against the default; docs/adr/0013, revised 2026-12-05).
gc.collect()
gc.freeze()
