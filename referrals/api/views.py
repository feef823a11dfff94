"""The intake API. Views only adapt HTTP: validate input, call a service or a
selector, shape the output. Access control lives in access.selectors."""

import string
from datetime import datetime
from typing import cast

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone
from django_filters.utils import translate_validation
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access.intake import intake_receipt_record
from access.selectors import (
    Where,
    alerts_visible_to,
    referral_get_for_user,
    referral_receipt,
    referrals_visible_count,
    referrals_visible_newest_first,
    referrals_visible_to,
)
from accounts.reads import LIST, VIEW, seen
from referrals.models import Alert, Clock, Referral
from referrals.services import contact_record, referral_create

from .errors import validation_error_detail
from .filters import AlertFilter, ReferralFilter
from .pagination import AlertPagination, ReferralPagination
from .serializers import (
    PERSON_FIELDS,
    AlertOutputSerializer,
    ContactCreateInputSerializer,
    ContactRecordedOutputSerializer,
    ReferralCreateInputSerializer,
    ReferralOutputSerializer,
    ReferralReceiptSerializer,
)
from .shared import BAD_INPUT, NOT_FOUND, signed_in, validated

IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_MAX_LENGTH = 128  # Referral.idempotency_key
_PRINTABLE = set(string.printable) - set(string.whitespace) | {" "}

_TAKES_REFERRALS = "Your role does not take referrals (intake and clinical staff do)."
_ROUTES_REFERRALS = "Your role cannot choose the team: leave team out and the routing rules choose it."
_NOT_ALLOWED = OpenApiResponse(description=f"{_TAKES_REFERRALS} Or: {_ROUTES_REFERRALS}")
_CHOSEN_BY_REFERRER = "the referrer chose this service"
_NO_SUCH_PAGE = OpenApiResponse(description="No such page: page is 1 or more, and no further than the last page.")


def _idempotency_key(request: Request) -> str | None:
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > IDEMPOTENCY_KEY_MAX_LENGTH or not set(key) <= _PRINTABLE:
        raise serializers.ValidationError(
            {IDEMPOTENCY_HEADER: [f"Use 1 to {IDEMPOTENCY_KEY_MAX_LENGTH} printable characters, e.g. a UUID."]}
        )
    return key


def _with_clocks(referrals: QuerySet[Referral]) -> QuerySet[Referral]:
    """Everything ReferralOutputSerializer reads, in a fixed number of queries."""
    return referrals.select_related("person__gp_practice").prefetch_related(
        Prefetch("clocks", queryset=Clock.objects.order_by("kind", "started_at"))
    )


class ReferralListCreateApi(generics.GenericAPIView):
    parser_classes = [JSONParser]  # the body nests "person": form encodings cannot carry it
    filterset_class = ReferralFilter
    pagination_class = ReferralPagination

    def get_queryset(self) -> QuerySet[Referral]:
        # What the list holds, as a queryset: the API schema reads the filters' model from it.
        # get() pages through the visible ids themselves (access.selectors).
        return referrals_visible_to(self.request.user)

    @extend_schema(
        operation_id="referrals_list",
        summary="Referrals you can see, newest received first",
        responses={200: ReferralOutputSerializer(many=True), 400: BAD_INPUT, 404: _NO_SUCH_PAGE},
    )
    def get(self, request: Request) -> Response:
        # The count and the page come from the visible ids themselves, each relationship narrowed
        # by the filters inside its own branch (access.selectors): never every visible referral
        # looked up again in the table to be tested.
        user, where = signed_in(request), self._filters(request)
        if isinstance(self.paginator, ReferralPagination):  # always: pagination_class is set
            self.paginator.known_count = referrals_visible_count(user, where=where)
        newest = referrals_visible_newest_first(user, where=where)
        chosen: list[int] = [cast(int, row["pk"]) for row in self.paginate_queryset(newest) or []]
        whole = {r.pk: r for r in _with_clocks(Referral.objects.filter(pk__in=chosen))}
        page = [whole[pk] for pk in chosen]
        data = ReferralOutputSerializer(page, many=True, context={"now": timezone.now()}).data
        seen(request, LIST, [r.person_id for r in page], what="referrals.referral")
        return self.get_paginated_response(data)

    def _filters(self, request: Request) -> Where | None:
        """The query string's filters (ReferralFilter), as a condition on each referral row; None
        when none is given. A value a filter cannot read is a 400 naming it, as DjangoFilterBackend
        answers, before anything is read."""
        if not ReferralFilter.base_filters.keys() & request.query_params.keys():
            return None
        filterset = ReferralFilter(request.query_params, queryset=Referral.objects.none(), request=request)
        if not filterset.is_valid():
            # A DRF ValidationError (the stubs say a dict).
            raise cast(serializers.ValidationError, translate_validation(filterset.errors))
        return filterset.filter_queryset

    @extend_schema(
        operation_id="referrals_create",
        summary="Record a referral from any access point and start its clocks",
        request=ReferralCreateInputSerializer,
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                location=OpenApiParameter.HEADER,
                description="Send the same key when retrying: the first referral comes back instead of a second.",
            ),
            OpenApiParameter(
                "Idempotent-Replayed",
                location=OpenApiParameter.HEADER,
                response=[201],
                description='"true" when this is the referral an earlier request with the same key made.',
            ),
            OpenApiParameter("Location", location=OpenApiParameter.HEADER, response=[201]),
        ],
        responses={
            201: ReferralReceiptSerializer,
            400: BAD_INPUT,
            403: _NOT_ALLOWED,
            409: OpenApiResponse(description="The Idempotency-Key was already used for a different referral."),
        },
    )
    def post(self, request: Request) -> Response:
        if not signed_in(request).takes_referrals:
            raise PermissionDenied(_TAKES_REFERRALS)
        key = _idempotency_key(request)
        data = validated(ReferralCreateInputSerializer, request.data)
        if data.get("team") is not None and not signed_in(request).routes_referrals:
            # As on the intake page (issue 10): a clinician choosing their own team must not be a
            # way into a record. Whoever chooses, intake_receipt_record keeps the person's history shut.
            raise PermissionDenied(_ROUTES_REFERRALS)
        now = timezone.now()
        try:
            # No transaction of our own: referral_create's is the outermost, with the intake
            # receipt inside it (on_created), so no savepoint (issue 17).
            referral, created = self._create(request, data, key, now)
        except DjangoValidationError as exc:
            # The person's checks name their fields flatly; report them where the caller sent them.
            raise serializers.ValidationError(validation_error_detail(exc, nest={"person": PERSON_FIELDS})) from exc
        referral = referral_receipt(signed_in(request), referral, created=created)
        headers = {"Location": reverse("api:referral-detail", kwargs={"referral_id": referral.pk})}
        if not created:
            headers["Idempotent-Replayed"] = "true"
        # A receipt: where it went and its clocks, never the stored identity of the person matched.
        body = ReferralReceiptSerializer(referral, context={"now": now}).data
        return Response(body, status=status.HTTP_201_CREATED, headers=headers)

    @staticmethod
    def _create(request: Request, data: dict, key: str | None, now: datetime) -> tuple[Referral, bool]:
        person = data["person"]
        referral, created = referral_create(
            by=signed_in(request),
            now=now,
            source=data["source"],
            urgency=data["urgency"],
            presenting_need=data["presenting_need"],
            received_at=data.get("received_at"),
            nhs_number=person.get("nhs_number"),
            given_name=person["given_name"],
            family_name=person["family_name"],
            birth_date=person.get("birth_date"),
            postcode=person["postcode"],
            gp_practice=person.get("gp_practice"),
            team_override=data.get("team"),
            override_reason=(data["team_reason"].strip() or _CHOSEN_BY_REFERRER) if data.get("team") else "",
            source_of_referral=data["source_of_referral"],
            primary_reason=data["primary_reason"],
            idempotency_key=key,
            # Taking a referral is never a way into the person's record (issue 10): recorded in
            # the transaction that makes the referral.
            on_created=lambda referral: intake_receipt_record(by=signed_in(request), referral=referral, now=now),
        )
        return referral, created


class ReferralDetailApi(APIView):
    @extend_schema(
        operation_id="referrals_retrieve",
        summary="One referral with its clocks",
        responses={200: ReferralOutputSerializer, 404: NOT_FOUND},
    )
    def get(self, request: Request, referral_id: int) -> Response:
        referral = referral_get_for_user(signed_in(request), referral_id)
        seen(request, VIEW, [referral.person_id], what="referrals.referral", object_id=str(referral.pk))
        return Response(ReferralOutputSerializer(referral, context={"now": timezone.now()}).data)


class ReferralContactCreateApi(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="referrals_contacts_create",
        summary="Record an attempted or completed contact; the clock rules see it at once",
        request=ContactCreateInputSerializer,
        responses={
            201: ContactRecordedOutputSerializer,
            400: BAD_INPUT,
            404: NOT_FOUND,
            409: OpenApiResponse(description="The referral has ended before this contact."),
        },
    )
    def post(self, request: Request, referral_id: int) -> Response:
        # Look the referral up first: a caller who may not see it learns nothing from our validation.
        user = signed_in(request)
        referral = referral_get_for_user(user, referral_id)
        data = validated(ContactCreateInputSerializer, request.data)
        now = timezone.now()
        contact = contact_record(referral=referral, by=user, now=now, **data)
        # Re-read after the service: its clock rules may have stopped clocks or moved the status on.
        contact.referral = referral_get_for_user(user, referral.pk)
        body = ContactRecordedOutputSerializer(contact, context={"now": now}).data
        return Response(body, status=status.HTTP_201_CREATED)


@extend_schema(
    summary="Warnings, breaches and escalations on referrals you can see, or sent to you; newest first",
    responses={
        200: AlertOutputSerializer(many=True),
        400: BAD_INPUT,
        404: OpenApiResponse(description="The cursor is not one this list gave out."),
    },
)
class AlertListApi(generics.ListAPIView):
    serializer_class = AlertOutputSerializer
    filterset_class = AlertFilter
    pagination_class = AlertPagination

    def get_queryset(self) -> QuerySet[Alert]:
        # The page's referrals read after it is chosen (one query for the 50): joined before, the
        # referral table was read for every visible alert before sorting them (issue 17).
        return alerts_visible_to(self.request.user).prefetch_related(
            Prefetch("referral", queryset=Referral.objects.only("pk", "reference"))
        )
