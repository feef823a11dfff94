"""Errors raised by referral services. Both carry a message a person can act on."""

from django.core.exceptions import ValidationError


class InvalidTransition(Exception):
    """The referral or clock is not in a state that allows this change."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


__all__ = ["InvalidTransition", "ValidationError"]
