"""Map service errors onto HTTP: bad input is a 400 with a message per field,
a refused state change a 409; never a 500 for something the caller can fix."""

import logging

from django.core.exceptions import NON_FIELD_ERRORS, ImproperlyConfigured
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from referrals.errors import InvalidTransition
from referrals.services.referrals import IdempotencyConflict

logger = logging.getLogger(__name__)


def validation_error_detail(exc: DjangoValidationError, *, nest: dict[str, set[str]] | None = None) -> dict:
    """A service's ValidationError as DRF's {field: [messages]} shape.

    ``nest`` moves fields the service names flatly under the input object they
    came in, e.g. {"person": {"nhs_number", ...}} turns "nhs_number" into
    {"person": {"nhs_number": [...]}}, so the caller sees the path it sent.
    """
    if not hasattr(exc, "error_dict"):
        return {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}
    detail: dict = {}
    for field, messages in exc.message_dict.items():
        key = api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field
        parent = next((name for name, fields in (nest or {}).items() if key in fields), None)
        if parent is None:
            detail.setdefault(key, []).extend(messages)
        else:
            detail.setdefault(parent, {}).setdefault(key, []).extend(messages)
    return detail


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        return Response(validation_error_detail(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, InvalidTransition):
        return Response({"detail": exc.message}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, IdempotencyConflict):
        return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, ImproperlyConfigured):
        # Not the caller's fault and nothing was written: say so, and let them retry once it is fixed.
        logger.error("configuration error answering %s: %s", context.get("request"), exc)
        return Response({"detail": f"The service is misconfigured: {exc}"}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
    return drf_exception_handler(exc, context)
