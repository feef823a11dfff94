"""The referral's lifecycle after intake, through the same services as the pages, so the clock
rules see each event exactly as they do on the web (docs/measures.md).

Every endpoint looks the referral up first with ``referral_get_for_user`` (the contacts
endpoint's rule): a caller who may not open it gets a 404 and learns nothing from validation.
"""

from datetime import datetime
from typing import Any, ClassVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access.selectors import referral_get_for_user
from pathways.selectors import rollout_check
from referrals.errors import InvalidTransition
from referrals.models import Assessment, CarePlan, HospitalStay, Intervention, OutcomeMeasure, Referral
from referrals.services import (
    assessment_record,
    care_plan_record,
    hospital_stay_record,
    intervention_record,
    outcome_measure_record,
    referral_close,
    referral_discharge,
    referral_redirect,
    referral_triage,
)

from .lifecycle_serializers import (
    AssessmentInputSerializer,
    AssessmentRecordedOutputSerializer,
    CarePlanInputSerializer,
    CarePlanRecordedOutputSerializer,
    CloseInputSerializer,
    DischargeInputSerializer,
    HandoffOutputSerializer,
    HospitalStayInputSerializer,
    HospitalStayRecordedOutputSerializer,
    InterventionInputSerializer,
    InterventionRecordedOutputSerializer,
    OutcomeMeasureInputSerializer,
    OutcomeMeasureRecordedOutputSerializer,
    RedirectInputSerializer,
    ReferralStateOutputSerializer,
    TriageInputSerializer,
)
from .shared import BAD_INPUT, NOT_FOUND, renamed, signed_in, validated


def _conflict(description: str) -> OpenApiResponse:
    return OpenApiResponse(description=f"{description} The body's detail says why.")


_ENDED = _conflict("The referral ended before this happened.")


def _responses(created: Any, conflict: OpenApiResponse) -> dict[int, Any]:
    return {201: created, 400: BAD_INPUT, 404: NOT_FOUND, 409: conflict}


def _refuse_after_end(referral: Referral, at: datetime, what: str) -> None:
    """As for contacts: nothing is recorded on a referral after it ended (it belongs to a new one)."""
    if referral.ended_at is not None and at > referral.ended_at:
        raise InvalidTransition(f"This referral has ended; {what} after its end belongs to a new referral.")


# --- Records the clock rules read --------------------------------------------------------------


class _RecordApi(APIView):
    """POST a record on a referral: the service records it and re-evaluates the clocks; the
    answer is the record with the referral's status and clocks after it."""

    parser_classes = [JSONParser]
    input_serializer: ClassVar[type[serializers.Serializer]]
    output_serializer: ClassVar[type[serializers.Serializer]]
    when_field: ClassVar[str]  # the input's time, which may not be after the referral's end
    what: ClassVar[str]  # "an assessment", for the refusal

    def record(self, **arguments: Any) -> Any:
        """Call the service with the referral, by, now and the validated input."""
        raise NotImplementedError

    def post(self, request: Request, referral_id: int) -> Response:
        user = signed_in(request)
        referral = referral_get_for_user(user, referral_id)
        data = validated(self.input_serializer, request.data)
        _refuse_after_end(referral, data[self.when_field], self.what)
        now = timezone.now()
        row = self.record(referral=referral, by=user, now=now, **data)
        # Re-read after the service: its clock rules may have stopped clocks or moved the status on.
        row.referral = referral_get_for_user(user, referral.pk)
        return Response(self.output_serializer(row, context={"now": now}).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    post=extend_schema(
        operation_id="referrals_assessments_create",
        summary="Record an assessment, coded from the assessment procedures reference set",
        description="A coded assessment is one of the four events the referral-spell clock stop waits "
        "for. Consultation, signposting and codes in neither the shipped list nor the loaded reference set "
        "are refused.",
        request=AssessmentInputSerializer,
        responses=_responses(AssessmentRecordedOutputSerializer, _ENDED),
    )
)
class AssessmentCreateApi(_RecordApi):
    input_serializer = AssessmentInputSerializer
    output_serializer = AssessmentRecordedOutputSerializer
    when_field = "completed_at"
    what = "an assessment"

    def record(self, **arguments: Any) -> Assessment:
        return assessment_record(**arguments)


@extend_schema_view(
    post=extend_schema(
        operation_id="referrals_care_plans_create",
        summary="Record an agreed care plan, with its MHSDS care plan type",
        request=CarePlanInputSerializer,
        responses=_responses(CarePlanRecordedOutputSerializer, _ENDED),
    )
)
class CarePlanCreateApi(_RecordApi):
    input_serializer = CarePlanInputSerializer
    output_serializer = CarePlanRecordedOutputSerializer
    when_field = "agreed_at"
    what = "a care plan"

    def record(self, **arguments: Any) -> CarePlan:
        return care_plan_record(**arguments)


@extend_schema_view(
    post=extend_schema(
        operation_id="referrals_interventions_create",
        summary="Record an intervention, coded from the psychological therapy, psychosocial or medication sets",
        request=InterventionInputSerializer,
        responses=_responses(InterventionRecordedOutputSerializer, _ENDED),
    )
)
class InterventionCreateApi(_RecordApi):
    input_serializer = InterventionInputSerializer
    output_serializer = InterventionRecordedOutputSerializer
    when_field = "started_at"
    what = "an intervention"

    def record(self, **arguments: Any) -> Intervention:
        return intervention_record(**arguments)


@extend_schema_view(
    post=extend_schema(
        operation_id="referrals_outcome_measures_create",
        summary="Record an outcome measure: a shipped tool and a score inside its range",
        request=OutcomeMeasureInputSerializer,
        responses=_responses(OutcomeMeasureRecordedOutputSerializer, _ENDED),
    )
)
class OutcomeMeasureCreateApi(_RecordApi):
    input_serializer = OutcomeMeasureInputSerializer
    output_serializer = OutcomeMeasureRecordedOutputSerializer
    when_field = "recorded_at"
    what = "an outcome measure"

    def record(self, **arguments: Any) -> OutcomeMeasure:
        return outcome_measure_record(**arguments)


@extend_schema_view(
    post=extend_schema(
        operation_id="referrals_hospital_stays_create",
        summary="Record a hospital stay linked to the referral (it leaves the community measures)",
        request=HospitalStayInputSerializer,
        responses=_responses(HospitalStayRecordedOutputSerializer, _ENDED),
    )
)
class HospitalStayCreateApi(_RecordApi):
    input_serializer = HospitalStayInputSerializer
    output_serializer = HospitalStayRecordedOutputSerializer
    when_field = "admitted_at"
    what = "an admission"

    def record(self, **arguments: Any) -> HospitalStay:
        return hospital_stay_record(**arguments)


# --- Transitions -------------------------------------------------------------------------------


def _moved(referral: Referral, now: datetime) -> Response:
    """Where the referral stands now, from the service's own copy: a caller who has just handed it
    on or ended it may no longer be able to read it back."""
    return Response(ReferralStateOutputSerializer(referral, context={"now": now}).data, status=status.HTTP_200_OK)


_TRANSITION_RESPONSES: dict[int, Any] = {200: ReferralStateOutputSerializer, 400: BAD_INPUT, 404: NOT_FOUND}


class ReferralTriageApi(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="referrals_triage",
        summary="Triage: urgency, THRIVE grouping and the next step",
        description="A change of urgency is kept in urgency_history with its time (the crisis measures "
        "read the urgency in force at a month's end).",
        request=TriageInputSerializer,
        responses=_TRANSITION_RESPONSES | {409: _conflict("The referral is past triage.")},
    )
    def post(self, request: Request, referral_id: int) -> Response:
        user = signed_in(request)
        referral = referral_get_for_user(user, referral_id)
        data = validated(TriageInputSerializer, request.data)
        now = timezone.now()
        referral = referral_triage(referral=referral, by=user, now=now, **data)
        return _moved(referral, now)


class ReferralRedirectApi(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="referrals_redirect",
        summary="Redirect: a warm handover of the same referral to another team or service",
        description="The clocks keep running unless the receiving team's clock policy restarts them. "
        "The team handing over may not see the referral afterwards. A service rolled out locality by "
        "locality refuses a referral from a locality where it is not live yet (400, naming the existing route).",
        request=RedirectInputSerializer,
        responses={
            201: HandoffOutputSerializer,
            400: BAD_INPUT,
            404: NOT_FOUND,
            409: _conflict("The referral has ended."),
        },
    )
    def post(self, request: Request, referral_id: int) -> Response:
        user = signed_in(request)
        referral = referral_get_for_user(user, referral_id)
        data = validated(RedirectInputSerializer, request.data)
        now = timezone.now()
        # A service rolled out locality by locality takes referrals only where it is live, as on the page.
        check = rollout_check(team=data["to_team"], locality=referral.locality, on=timezone.localdate(now))
        if not check.live:
            route = f"{check.existing_route.name} (team {check.existing_route.pk})" if check.existing_route else None
            raise serializers.ValidationError(
                {"to_team": [f"{check.reason} Until then, hand over to {route or 'the locality team'}."]}
            )
        handoff = referral_redirect(referral=referral, by=user, now=now, **data)
        body = HandoffOutputSerializer(handoff, context={"now": now}).data
        return Response(body, status=status.HTTP_201_CREATED)


class ReferralDischargeApi(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="referrals_discharge",
        summary="Discharge after treatment, with a reason and a return-to-self-care plan; open clocks stop",
        request=DischargeInputSerializer,
        responses=_TRANSITION_RESPONSES
        | {409: _conflict("Only an allocated referral or one in treatment can be discharged; it may have ended.")},
    )
    def post(self, request: Request, referral_id: int) -> Response:
        user = signed_in(request)
        referral = referral_get_for_user(user, referral_id)
        data = validated(DischargeInputSerializer, request.data)
        now = timezone.now()
        try:
            referral = referral_discharge(
                referral=referral,
                by=user,
                now=now,
                at=data.get("discharged_at"),
                reason=data["reason"],
                note=data["note"],
                return_route=data["return_route"],
            )
        except DjangoValidationError as exc:
            raise renamed(exc, {"at": "discharged_at"}) from exc
        return _moved(referral, now)


class ReferralCloseApi(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="referrals_close",
        summary="Close without treatment, with a reason; open clocks stop and any breach stands",
        request=CloseInputSerializer,
        responses=_TRANSITION_RESPONSES
        | {409: _conflict("The referral has ended, or is in treatment (discharge it instead).")},
    )
    def post(self, request: Request, referral_id: int) -> Response:
        user = signed_in(request)
        referral = referral_get_for_user(user, referral_id)
        data = validated(CloseInputSerializer, request.data)
        now = timezone.now()
        try:
            referral = referral_close(
                referral=referral, by=user, now=now, at=data.get("closed_at"), reason=data["reason"], note=data["note"]
            )
        except DjangoValidationError as exc:
            raise renamed(exc, {"at": "closed_at"}) from exc
        return _moved(referral, now)
