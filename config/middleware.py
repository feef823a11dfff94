"""Response headers every page gets, and the one kind of bad input refused before any view runs.

Both sit here, in the wiring, because they are true of the whole site rather than of any app:
a view should not have to remember them.
"""

from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.cache import add_never_cache_headers

# Nothing here uses a camera, microphone, location or any other powerful feature, and nothing
# framed from elsewhere may either. An empty allow-list () switches a feature off.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "usb",
        "xr-spatial-tracking",
    )
)

NUL_REFUSED = "The request contains a NUL character (%00), which no field here accepts."
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class SecurityHeadersMiddleware:
    """Permissions-Policy on every response; ``Cache-Control: no-store`` (with Django's other
    never-cache headers) on every response to a signed-in user or API token.

    A person's record must not stay in a shared computer's browser cache, nor in a proxy's,
    after they log out. Placed after WhiteNoise, so static files (served by WhiteNoise, which
    answers before this runs) keep their long cache lifetimes; /healthz and /metrics answer
    no-store already and are never signed in. The user is read after the view, because an API
    token is checked inside DRF's view (which sets request.user on Django's request too).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response


class RejectNulMiddleware:
    """400 for a NUL character in the path, the query string or a posted form.

    No field accepts one (Django's and DRF's form fields already refuse it), PostgreSQL cannot
    store one in text, and a search term passed straight to a query turned ``?q=%00`` into a
    server error. Refusing it here covers every page, download and API list at once. API
    bodies are left to DRF: a form body gets 415, and the serializers' character fields refuse
    NUL in JSON with a 400 per field.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._has_nul(request):
            if request.path_info.startswith("/api/"):
                return JsonResponse({"detail": NUL_REFUSED}, status=400)
            return HttpResponseBadRequest(NUL_REFUSED, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    @staticmethod
    def _has_nul(request: HttpRequest) -> bool:
        if "\x00" in request.path_info or b"\x00" in unquote_to_bytes(request.META.get("QUERY_STRING", "")):
            return True
        if (
            request.method == "POST"
            and request.content_type in _FORM_TYPES
            and not request.path_info.startswith("/api/")
        ):
            # Pages only: the API takes JSON and refuses a form body with 415 (its parsers decide),
            # so its forms are not parsed here.
            try:
                form = request.POST
            except MultiPartParserError:
                return False  # a broken body is the view's to refuse (400), as without this middleware
            return any("\x00" in key or "\x00" in value for key, values in form.lists() for value in values)
        return False
