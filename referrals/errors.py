"""Errors raised by referral services. Each carries a message a person can act on."""

import functools
import logging
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

SOMEONE_ELSE_CHANGED_THIS = (
    "Someone else changed this record at the same moment, so nothing you entered was saved. "
    "Look at it again and repeat the change if it is still needed."
)


class InvalidTransition(Exception):
    """The referral or clock is not in a state that allows this change."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConflictError(InvalidTransition):
    """Someone else changed the record at the same moment; nothing of this change was saved.

    A refused change like any other, so every page that shows an InvalidTransition shows this
    message, and the API answers 409 for it.
    """

    def __init__(self, message: str = SOMEONE_ELSE_CHANGED_THIS) -> None:
        super().__init__(message)


def _rolled_back_by_a_concurrent_transaction(error: OperationalError) -> bool:
    # SQLSTATE class 40: serialization failure (40001), deadlock detected (40P01).
    return str(getattr(error.__cause__, "pgcode", "") or "").startswith("40")


def atomic_refusing_races(service: Callable[P, R]) -> Callable[P, R]:
    """``transaction.atomic`` for a service two people may run on one record at the same moment.

    The service checks its rules under the referral's lock, so when the database still refuses
    the change (a constraint broken because another request committed between this one's read and
    its lock, or a deadlock) the record changed under it. All of the change is undone (the
    transaction, or its savepoint inside an outer one) and ConflictError says so: never a 500.
    The database's reason is logged, in case it was a bug rather than a race.
    """

    @functools.wraps(service)
    def refusing_races(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            with transaction.atomic():
                return service(*args, **kwargs)
        except IntegrityError as error:
            logger.warning("%s refused by the database (a concurrent change?): %s", service.__name__, error)
            raise ConflictError() from error
        except OperationalError as error:
            if not _rolled_back_by_a_concurrent_transaction(error):
                raise
            logger.warning("%s rolled back by a concurrent transaction: %s", service.__name__, error)
            raise ConflictError() from error

    return refusing_races


__all__ = [
    "SOMEONE_ELSE_CHANGED_THIS",
    "ConflictError",
    "InvalidTransition",
    "ValidationError",
    "atomic_refusing_races",
]
