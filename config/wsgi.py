import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Import every page's module now, as the worker starts, rather than during the first request
# someone waits on: the URLconf pulls in the FHIR mapping, whose pydantic models take about a
# second to build (issue 16: the first visit after a start took seconds; scripts/bench_first_visit.py).
get_resolver().url_patterns  # noqa: B018  # the lookup itself does the import
