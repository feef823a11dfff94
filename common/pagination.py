"""The page number a request asks for, for lists that page by hand rather than with Django's
Paginator (whose ``get_page`` already turns a bad number into the nearest real page); and a page
of a list with its count in one query."""

from functools import cached_property
from typing import Any, TypeVar

from django.core.paginator import Page, Paginator
from django.db.models import Count, Model, QuerySet, Window
from django.http import Http404, HttpRequest

_Model = TypeVar("_Model", bound=Model)
_COUNT = "list_count_over_all_pages"  # the annotation each row of a page carries

# Far past any list a person could page through (25 a page: 2.5 million rows), and small enough
# that page * page size stays a sane LIMIT: ?page=99999999999999999999 overflowed PostgreSQL's bigint.
MAX_PAGE = 100_000


class CountedPaginator(Paginator):
    """Django's paginator, told how many rows its list holds instead of running COUNT(*) over it:
    for a list whose count the page already has (a tab's count, a count read with the page)."""

    def __init__(self, object_list: Any, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


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


def page_with_its_count(qs: "QuerySet[_Model]", requested: str | None, per_page: int) -> "Page[_Model]":
    """``Paginator(qs, per_page).get_page(requested)`` in one query where Django runs two.

    Django counts the whole list (``SELECT COUNT(*)``, the list's conditions written and run once)
    and then reads the page (written and run again). Here each row of the page carries the whole
    list's count (``COUNT(*) OVER ()``), which PostgreSQL works out in the pass that sorts the list
    for the page: a list ordered by anything but an index already reads every row it counts. The
    triage queue, whose conditions are the user's visible referrals, is the case it was made for
    (issue 17). The same pages and the same count as ``get_page``: a page number that is not a
    number is page 1, and one before the first or past the last is the last page (read as
    ``get_page`` reads it: the only case with a second query).
    """
    try:
        number = int(requested) if requested is not None else 1
    except ValueError:
        number = 1
    django_own = Paginator(qs, per_page)  # answers the cases below as get_page does (it queries nothing yet)
    if qs.query.distinct:
        # A window is computed before DISTINCT: it would count the duplicates DISTINCT removes.
        return django_own.get_page(requested)
    if not 1 <= number <= MAX_PAGE:
        return django_own.get_page(number)  # the last page (and no OFFSET past PostgreSQL's bigint)
    offset = (number - 1) * per_page
    rows = list(qs.annotate(**{_COUNT: Window(Count("*"))})[offset : offset + per_page])
    if not rows and number > 1:
        return django_own.get_page(number)  # past the end: the last page, counted as Django counts
    paginator = CountedPaginator(qs, per_page, count=getattr(rows[0], _COUNT) if rows else 0)
    return Page(rows, number, paginator)
