"""A page of a list with its count in one query (common.pagination.page_with_its_count): the same
page, rows and count as Django's ``Paginator.get_page``, whatever page is asked for."""

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from common.pagination import page_with_its_count
from localities.models import Organisation

pytestmark = pytest.mark.django_db

ASKED = [None, "", "1", "2", "3", "4", "0", "-1", "x", "1.5", " 2", "99", "99999999999999999999"]


def organisations(n: int):
    Organisation.objects.bulk_create(
        [Organisation(name=f"Zq paging {i:03}", kind=Organisation.Kind.VCSE) for i in range(n)]
    )
    return Organisation.objects.filter(name__startswith="Zq paging").order_by("-name")


@pytest.mark.parametrize("rows", [0, 1, 7, 21, 22])
def test_every_page_asked_for_is_the_page_django_gives(rows):
    qs = organisations(rows)
    for asked in ASKED:
        django_page = Paginator(qs, 7).get_page(asked)
        page = page_with_its_count(qs, asked, 7)

        assert page.number == django_page.number, asked
        assert page.paginator.count == django_page.paginator.count == rows, asked
        assert page.paginator.num_pages == django_page.paginator.num_pages, asked
        assert [o.pk for o in page.object_list] == [o.pk for o in django_page.object_list], asked
        assert (page.has_next(), page.has_previous()) == (django_page.has_next(), django_page.has_previous())


def test_a_page_and_its_count_are_one_query():
    qs = organisations(30)
    with CaptureQueriesContext(connection) as queries:
        page = page_with_its_count(qs, "2", 7)
        assert (page.paginator.count, page.paginator.num_pages, len(page.object_list)) == (30, 5, 7)
    assert len(queries) == 1
    assert "COUNT(*) OVER ()" in queries[0]["sql"]


def test_a_page_past_the_end_is_the_last_page_as_django_counts_it():
    qs = organisations(9)
    with CaptureQueriesContext(connection) as queries:
        page = page_with_its_count(qs, "5", 7)
        assert (page.number, len(page.object_list), page.paginator.count) == (2, 2, 9)
    assert len(queries) == 3  # the page asked for (empty), then Django's count and last page


def test_a_distinct_list_is_counted_without_the_rows_distinct_removes():
    # A window counts before DISTINCT: such a list is paged as Django pages it.
    organisations(3)
    twice = Organisation.objects.filter(name__startswith="Zq paging").values("kind").order_by("kind").distinct()
    page = page_with_its_count(twice, "1", 7)
    assert page.paginator.count == 1 and list(page.object_list) == [{"kind": Organisation.Kind.VCSE}]
