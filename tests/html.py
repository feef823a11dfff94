"""Helpers for reading a rendered page in a test."""

import re

# Values that change with every response: the CSRF token (in forms and in htmx's headers) and the CSP nonce.
# They are random letters and digits, so a short name ("Ola") can turn up inside one by chance.
_PER_RESPONSE = re.compile(r'("X-CSRFToken": "|name="csrfmiddlewaretoken" value="|nonce=")[^"]*')


def without_tokens(page: str) -> str:
    """``page`` with each per-response random value emptied, so a test can say a name is absent."""
    return _PER_RESPONSE.sub(r"\1", page)
