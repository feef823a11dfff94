from rest_framework.pagination import CursorPagination, PageNumberPagination


class ReferralPagination(PageNumberPagination):
    """Pages of settings.PAGE_SIZE (50) unless the caller asks for fewer or more."""

    page_size_query_param = "page_size"
    max_page_size = 200


class AlertPagination(CursorPagination):
    """Newest first. A cursor, not page numbers: new alerts arriving while a client
    pages through never shift a row onto the next page twice or skip one."""

    ordering = ("-created_at", "-id")
    page_size_query_param = "page_size"
    max_page_size = 200
