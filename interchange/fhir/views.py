"""The FHIR API's views: read the request, ask the selectors, map, audit, answer in
application/fhir+json. Errors are OperationOutcomes (401, 404, 400...), as FHIR clients expect.
``ProcessMessage`` takes a referral sent as a message (``inbound`` reads it, ``services`` acts).

Authentication and throttling are /api/v1/'s (REST_FRAMEWORK): an API token or a verified
session; access is ``access.selectors``' through ``.selectors``; every read is audited with
``accounts.reads.seen``, one row per person shown (docs/adr/0006).
"""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from fhir_core.fhirabstractmodel import FHIRAbstractModel
from rest_framework import status
from rest_framework.exceptions import APIException, NotAcceptable, NotAuthenticated, PermissionDenied
from rest_framework.parsers import BaseParser, JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from accounts.models import User
from accounts.reads import VIEW, seen

from . import inbound, mapping, search, selectors
from .served import SERVED, Served, searchable
from .services import MessageConflict, UnknownReferral, referral_message_process

FHIR_JSON = "application/fhir+json"
_JSON_FORMATS = frozenset({"json", "application/json", FHIR_JSON})


class FhirJsonRenderer(BaseRenderer):
    media_type = FHIR_JSON
    format = "fhir"
    charset = None  # JSON is UTF-8 by definition; FHIR clients expect the bare media type

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        if isinstance(data, FHIRAbstractModel):
            return data.model_dump_json().encode()
        raise TypeError("The FHIR API answers with fhir.resources models only.")


# FHIR's issue type for each HTTP status we answer with.
_ISSUE_CODE = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    409: "duplicate",
    415: "not-supported",
    429: "throttled",
}


def _fhir_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, search.SearchError):
        return Response(mapping.operation_outcome("invalid", str(exc)), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, inbound.MessageRefused):
        issues = [(i.code, i.diagnostics, i.expression) for i in exc.issues]
        return Response(mapping.operation_outcome_of(issues), status=exc.status)
    if isinstance(exc, UnknownReferral):
        return Response(mapping.operation_outcome("not-found", str(exc)), status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, MessageConflict):
        return Response(mapping.operation_outcome("duplicate", str(exc)), status=status.HTTP_409_CONFLICT)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = exc.detail if isinstance(exc, APIException) else str(exc)
    outcome = mapping.operation_outcome(_ISSUE_CODE.get(response.status_code, "exception"), str(detail))
    return Response(outcome, status=response.status_code, headers=dict(response.items()))


class FhirView(APIView):
    renderer_classes = [FhirJsonRenderer]
    schema = None  # FHIR's own CapabilityStatement (/fhir/metadata) describes it, not /api/schema/
    parser_classes: tuple[type[BaseParser], ...] = ()  # reads take no body; ProcessMessage names its own

    def get_exception_handler(self) -> Callable[[Exception, dict[str, Any]], Response | None]:
        return _fhir_exception_handler

    def perform_content_negotiation(self, request: Request, force: bool = False) -> tuple[BaseRenderer, str]:
        # FHIR JSON whatever the Accept header (clients send application/json, */*, or the FHIR
        # type); _format may ask for JSON only: XML is not served.
        wanted = request.query_params.get("_format")
        if wanted is not None and wanted not in _JSON_FORMATS and not force:
            raise NotAcceptable("Only JSON is served: _format=json or application/fhir+json.")
        return FhirJsonRenderer(), FHIR_JSON

    def caller(self) -> User:
        user = self.request.user
        if not isinstance(user, User):
            raise NotAuthenticated()
        return user

    def base(self) -> str:
        """This server's FHIR base address, ending in "/"."""
        return self.request.build_absolute_uri(reverse("fhir:metadata")).removesuffix("metadata")


def _id(raw: str, resource_type: str) -> int:
    if not search.is_id(raw):
        raise Http404(f"No such {resource_type}.")
    return int(raw)


class ServedView(FhirView):
    # Each URL gives its own (urls.py: as_view(served=...)); Django accepts only the attributes a
    # view class already has, hence a class attribute and not just an annotation.
    served: Served | None = None

    def resource(self) -> Served:
        if self.served is None:
            raise ImproperlyConfigured("Route this view with as_view(served=...).")
        return self.served


class ReadView(ServedView):
    """GET [base]/<Type>/<id>: the resource, or 404 with an OperationOutcome."""

    def get(self, request: Request, resource_id: str) -> Response:
        served = self.resource()
        pk = _id(resource_id, served.type)
        row = selectors.one_visible(served.visible(self.caller()), served.load([pk]), pk, f"No such {served.type}.")
        resource = served.to_fhir(row, self.base(), timezone.now())
        people = [p for p in [served.person_of(row)] if p is not None]  # staff and teams name no one
        seen(request, VIEW, people, what=f"fhir.{served.type}", object_id=str(row.pk))
        return Response(resource)


class SearchView(ServedView):
    """GET [base]/<Type>?params: a searchset Bundle, a page at a time (``_count``, ``page``)."""

    def get(self, request: Request) -> Response:
        served, params = self.resource(), request.query_params
        page = search.page_of(params)
        wanted = search.total_wanted(params)
        visible = served.visible(self.caller())
        matches = served.search(visible, params)
        each = visible.each_tested()
        # The page's ids from the ids alone (one more, to know whether a next page exists), then
        # those rows whole (the selectors' docstring).
        ids = selectors.page_ids(
            matches,
            None if each is None else served.search(each, params),
            ordering=served.ordering,
            start=page.offset,
            stop=page.offset + page.count + 1,
        )
        has_next = len(ids) > page.count
        ids = ids[: page.count]
        total = self._total(matches, wanted, page, found=len(ids), has_next=has_next)
        whole = {row.pk: row for row in served.load(ids)}
        rows = [whole[pk] for pk in ids]
        base, now = self.base(), timezone.now()
        resources = [served.to_fhir(row, base, now) for row in rows]
        bundle = mapping.searchset(resources, total=total, base=base, links=self._links(page, total, has_next))
        people = [p for p in (served.person_of(row) for row in rows) if p is not None]
        seen(request, served.audit_search, people, what=f"fhir.{served.type}")
        return Response(bundle)

    @staticmethod
    def _total(matches: Any, wanted: str, page: search.Page, *, found: int, has_next: bool) -> int | None:
        """Bundle.total: None (left out) for ``_total=none``, or when there are more matches than
        ``TOTAL_COUNTED_UP_TO`` and no accurate total was asked for."""
        if wanted == "none":
            return None
        if not has_next and (found or page.number == 1):
            return page.offset + found  # the last page says it without counting
        if wanted == "accurate":
            return int(matches.count())
        bound = search.TOTAL_COUNTED_UP_TO
        counted = matches.order_by().values("pk")[: bound + 1].count()
        return counted if counted <= bound else None

    def _links(self, page: search.Page, total: int | None, has_next: bool) -> mapping.Links:
        def at(number: int) -> str:
            query = self.request.query_params.copy()
            query["page"] = str(number)
            query["_count"] = str(page.count)
            return f"{self.base()}{self.resource().type}?{query.urlencode()}"

        # Past the end, "previous" is the last page there is (when we know which that is).
        last = max(1, -(-total // page.count)) if total is not None else page.number
        return mapping.Links(
            self=at(page.number),
            next=at(page.number + 1) if has_next else None,
            previous=at(min(page.number - 1, last)) if page.number > 1 else None,
        )


class FhirJsonParser(JSONParser):
    media_type = FHIR_JSON


_TAKES_REFERRALS = "Your role does not take referrals (intake and clinical staff do)."


class ProcessMessage(FhirView):
    """POST [base]/$process-message: a referral sent as a BaRS message Bundle. Answered with a
    response message Bundle (200), or an OperationOutcome naming each problem (400 when it is not
    a FHIR message at all, 422 when its content cannot be taken) and nothing written.

    Who may send: whoever may take a referral through POST /api/v1/referrals/ (``takes_referrals``).
    """

    parser_classes = (FhirJsonParser, JSONParser)

    def post(self, request: Request) -> Response:
        user = self.caller()
        if not user.takes_referrals:
            raise PermissionDenied(_TAKES_REFERRALS)
        message = inbound.read_referral_message(request.data, today=timezone.localdate())
        processed = referral_message_process(by=user, now=timezone.now(), message=message, base=self.base())
        headers = {"Idempotent-Replayed": "true"} if processed.replayed else {}
        return Response(Bundle.model_validate(processed.response), headers=headers)


# Fixed, so the statement is the same from one request to the next (clients cache it).
_PUBLISHED = datetime(2026, 12, 2, tzinfo=UTC)


class Metadata(FhirView):
    """GET [base]/metadata: what this server reads and searches. Open to anyone, as FHIR clients
    read it before they sign in; it names no person, so nothing to audit."""

    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        statement = mapping.capability_statement(
            resources=searchable(SERVED),
            base=self.base(),
            published=_PUBLISHED,
            software="Community mental health referrals",
        )
        return Response(statement)
