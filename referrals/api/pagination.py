from django.core.paginator import Paginator
from rest_framework.pagination import CursorPagination, PageNumberPagination

from common.pagination import CountedPaginator


class ReferralPagination(PageNumberPagination):
    """Pages of settings.PAGE_SIZE (50) unless the caller asks for fewer or more.

    A view that knows the list's size more cheaply than COUNT(*) over its queryset sets
    ``known_count`` before paginating (the referral list with no filter: ``referrals_visible_count``).
    """

    page_size_query_param = "page_size"
    max_page_size = 200
    known_count: int | None = None

    def django_paginator_class(self, object_list, per_page) -> Paginator:  # type: ignore[override]
        # DRF calls self.django_paginator_class(queryset, page_size); a method can pass the count on.
        if self.known_count is None:
            return Paginator(object_list, per_page)
        return CountedPaginator(object_list, per_page, count=self.known_count)


class AlertPagination(CursorPagination):
    """Newest first. A cursor, not page numbers: new alerts arriving while a client
    pages through never shift a row onto the next page twice or skip one."""

    ordering = ("-created_at", "-id")
    page_size_query_param = "page_size"
    max_page_size = 200
