"""What every API view needs: the caller, validated input, and the responses they share in the schema."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request

from accounts.models import User

from .errors import validation_error_detail

BAD_INPUT = OpenApiResponse(description="Bad input: a message per field, nested as the body was.")
NOT_FOUND = OpenApiResponse(description="No such referral, or you may not see it.")


def validated(serializer_class: type[serializers.Serializer], data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def signed_in(request: Request) -> User:
    """The caller's account. Every endpoint requires one (DEFAULT_PERMISSION_CLASSES), so an
    anonymous request is refused before a handler runs; this says so to the type checker."""
    user = request.user
    if not isinstance(user, User):
        raise NotAuthenticated()
    return user


def renamed(exc: DjangoValidationError, names: dict[str, str]) -> serializers.ValidationError:
    """A service's errors under the names the caller sent, e.g. the service's "at" as "closed_at"."""
    return serializers.ValidationError({names.get(k, k): v for k, v in validation_error_detail(exc).items()})
