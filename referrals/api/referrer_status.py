"""What an API account may read of the referrals it sent: their status, team and dates.

Only the caller's own referrals (``created_by``: the account that sent them through the API,
BaRS or the intake page), and never clinical content: no person, no presenting need, no
notes, no urgency. Another account's referral answers 404, as an unknown one does.
"""

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from referrals.models import Referral, ReferrerUpdate
from referrals.services.referrer import referrals_sent_by

from .pagination import ReferralPagination
from .serializers import OutputSerializer
from .shared import signed_in

_NOT_YOURS = OpenApiResponse(description="No such referral, or your account did not send it.")


class ReferrerUpdateOutputSerializer(OutputSerializer):
    """One thing that happened, as the referrer was (or would have been) told."""

    event = serializers.ChoiceField(choices=ReferrerUpdate.Event.choices, read_only=True)
    team: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="name", read_only=True, help_text="The team after it."
    )

    class Meta:
        model = ReferrerUpdate
        fields = ["event", "at", "team"]
        read_only_fields = fields


class ReferrerStatusOutputSerializer(OutputSerializer):
    """A referral's status as its sender may see it: never the person or clinical content."""

    team: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="name", read_only=True, allow_null=True
    )
    updates = ReferrerUpdateOutputSerializer(many=True, read_only=True, source="referrer_updates")

    class Meta:
        model = Referral
        fields = ["id", "reference", "status", "team", "received_at", "status_changed_at", "ended_at", "updates"]
        read_only_fields = fields


def _sent_by(request: Request) -> QuerySet[Referral]:
    return (
        referrals_sent_by(signed_in(request))
        .select_related("team")
        .prefetch_related(
            Prefetch("referrer_updates", queryset=ReferrerUpdate.objects.select_related("team").order_by("at", "pk"))
        )
        .order_by("-received_at", "-pk")
    )


class ReferrerStatusListApi(generics.ListAPIView):
    serializer_class = ReferrerStatusOutputSerializer
    pagination_class = ReferralPagination
    queryset = Referral.objects.none()  # the schema's model; get_queryset gives the caller's own

    @extend_schema(
        operation_id="referrer_referrals_list",
        summary="The referrals your account sent, with their status, team and dates (no clinical content)",
        responses={200: ReferrerStatusOutputSerializer(many=True), 404: OpenApiResponse(description="No such page.")},
    )
    def get(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Referral]:
        return _sent_by(self.request)


class ReferrerStatusDetailApi(APIView):
    @extend_schema(
        operation_id="referrer_referrals_retrieve",
        summary="One referral your account sent: its status, team and dates (no clinical content)",
        responses={200: ReferrerStatusOutputSerializer, 404: _NOT_YOURS},
    )
    def get(self, request: Request, referral_id: int) -> Response:
        referral = _sent_by(request).filter(pk=referral_id).first()
        if referral is None:
            raise Http404("No such referral.")
        return Response(ReferrerStatusOutputSerializer(referral).data)
