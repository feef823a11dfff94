"""API tokens as the admin shows them: named by their user, never by their key."""

from rest_framework.authtoken.models import TokenProxy


class ApiToken(TokenProxy):
    """DRF's token, whose name (``str``) is its key: the admin would put the key in page titles,
    breadcrumbs, delete confirmations and its own log. This proxy is named by the user it belongs
    to; the key is shown once, when it is made (issue 10, item 5)."""

    class Meta:
        proxy = True
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"API token for {self.user}"
