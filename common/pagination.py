"""The page number a request asks for, for lists that page by hand rather than with Django's
Paginator (whose ``get_page`` already turns a bad number into the nearest real page)."""

from django.http import Http404, HttpRequest

# Far past any list a person could page through (25 a page: 2.5 million rows), and small enough
# that page * page size stays a sane LIMIT: ?page=99999999999999999999 overflowed PostgreSQL's bigint.
MAX_PAGE = 100_000


def page_number(request: HttpRequest, *, param: str = "page") -> int:
    """The 1-based ``?page=`` asked for (1 when absent); 404 for anything that is not a page
    number: 0, -1, "two", 1.5 or a number past MAX_PAGE."""
    raw = request.GET.get(param, "1")
    if not raw.isascii() or not raw.isdigit() or len(raw) > len(str(MAX_PAGE)):
        raise Http404("No such page.")
    number = int(raw)
    if not 1 <= number <= MAX_PAGE:
        raise Http404("No such page.")
    return number
