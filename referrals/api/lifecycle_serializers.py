"""Input and output for the referral's lifecycle after intake: triage, the coded care events the
clocks wait for, hospital stays, redirect, discharge and closure (docs/measures.md).

Codes from the SNOMED CT lists are checked by the services, whose message names the list and its
reference set; the short MHSDS lists are choices here, so the schema shows them. Neither writes.
"""

from rest_framework import serializers

from codes.mhsds import CARE_PLAN_AGREED_BY, CARE_PLAN_TYPE
from localities.models import Team
from referrals.models import (
    Assessment,
    CarePlan,
    Handoff,
    HospitalStay,
    Intervention,
    OutcomeMeasure,
    Referral,
    UrgencyChange,
)

from .serializers import ClockOutputSerializer, InputSerializer, InstantField, OutputSerializer, choice_field

_UK_TIME = "ISO 8601; a time without an offset is UK time."
_CODE_LISTS = "GET /api/v1/code-lists/ lists the codes."


def _when(help_text: str, *, required: bool = True) -> InstantField:
    return InstantField(required=required, help_text=f"{help_text} {_UK_TIME}")


# --- input ------------------------------------------------------------------


class TriageInputSerializer(InputSerializer):
    urgency = choice_field(
        Referral.Urgency.choices,
        required=False,
        help_text="A change is kept in the referral's urgency history with its time; the running "
        "first-response clock keeps the target it started with.",
    )
    thrive_grouping = choice_field(Referral.Thrive.choices, required=False)
    next_step = serializers.CharField(required=False, allow_blank=True, default="", max_length=10_000)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=10_000)
    at = _when("When triage happened; defaults to now.", required=False)


class AssessmentInputSerializer(InputSerializer):
    completed_at = _when("When the assessment was completed.")
    code = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=18,
        help_text="SNOMED CT, from the assessment procedures reference set (1853441000000109). Without a "
        f"code the assessment is kept but does not count for the referral-spell clock stop. {_CODE_LISTS}",
    )
    summary = serializers.CharField(max_length=10_000)


class CarePlanInputSerializer(InputSerializer):
    agreed_at = _when("When the plan was agreed with the person.")
    plan_type = choice_field(
        [(c.code, c.display) for c in CARE_PLAN_TYPE.codes],
        required=False,
        default="10",
        help_text="MHSDS CarePlanTypeMH; defaults to 10 (mental health care plan).",
    )
    agreed_by = choice_field(
        [(c.code, c.display) for c in CARE_PLAN_AGREED_BY.codes],
        required=False,
        allow_blank=True,
        default="",
        help_text="Who agreed the plan's content (MHSDS CarePlanContentAgreedBy). Optional: left out, the "
        "plan is recorded without it and the monthly extract's validation report names it.",
    )
    summary = serializers.CharField(max_length=10_000)


class InterventionInputSerializer(InputSerializer):
    started_at = _when("When the intervention started.")
    code = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=18,
        help_text="SNOMED CT, from the psychological therapy (1853461000000105), psychosocial "
        "(1853481000000101) or medication (1853451000000107) reference sets. Without a code the "
        f"intervention is kept but does not count nationally. {_CODE_LISTS}",
    )
    description = serializers.CharField(max_length=200)
    kind = choice_field(Intervention.Kind.choices, required=False, default=Intervention.Kind.OTHER)


class OutcomeMeasureInputSerializer(InputSerializer):
    recorded_at = _when("When the measure was completed.")
    tool_code = serializers.CharField(
        max_length=18, help_text=f"SNOMED CT code of the tool's total score. {_CODE_LISTS}"
    )
    score = serializers.DecimalField(
        max_digits=6, decimal_places=2, help_text="Inside the tool's range, e.g. PHQ-9 0 to 27."
    )
    stage = choice_field(OutcomeMeasure.Stage.choices)


class HospitalStayInputSerializer(InputSerializer):
    admitted_at = _when("When the person was admitted.")
    discharged_at = InstantField(
        required=False, allow_null=True, help_text=f"When they left hospital, once known. {_UK_TIME}"
    )


class RedirectInputSerializer(InputSerializer):
    to_team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), help_text="The team or service taking the referral over (its id)."
    )
    note = serializers.CharField(max_length=10_000, help_text="The handover note for the receiving team.")
    person_informed = serializers.BooleanField(default=False, help_text="The person has been told where they went.")


class DischargeInputSerializer(InputSerializer):
    discharged_at = _when("When the person was discharged; defaults to now.", required=False)
    reason = choice_field(Referral.DischargeReason.choices)
    note = serializers.CharField(max_length=10_000, help_text="The return-to-self-care plan.")
    return_route = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=10_000, help_text="How to get back in touch."
    )


class CloseInputSerializer(InputSerializer):
    closed_at = _when("When the referral was closed; defaults to now.", required=False)
    reason = choice_field(Referral.ClosureReason.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=10_000)


# --- output -----------------------------------------------------------------


class UrgencyChangeOutputSerializer(OutputSerializer):
    class Meta:
        model = UrgencyChange
        fields = ["urgency", "at"]
        read_only_fields = fields


class ReferralStateOutputSerializer(OutputSerializer):
    """Where the referral stands after a change: status, urgency and its history, team, clocks.
    No identity: the caller may have handed the referral on, or ended it, and lost sight of it."""

    urgency_history = UrgencyChangeOutputSerializer(source="urgency_changes", many=True, read_only=True)
    clocks = ClockOutputSerializer(many=True, read_only=True)
    # Declared, because a read-only model field loses allow_blank and the schema's enum would
    # then leave out the "" these are until triage, discharge or closure sets them.
    thrive_grouping = serializers.ChoiceField(
        choices=Referral.Thrive.choices, allow_blank=True, read_only=True, help_text='"" until triage sets it.'
    )
    discharge_reason = serializers.ChoiceField(
        choices=Referral.DischargeReason.choices, allow_blank=True, read_only=True, help_text='"" unless discharged.'
    )
    closure_reason = serializers.ChoiceField(
        choices=Referral.ClosureReason.choices, allow_blank=True, read_only=True, help_text='"" unless closed.'
    )

    class Meta:
        model = Referral
        fields = [
            "id",
            "reference",
            "status",
            "status_changed_at",
            "urgency",
            "urgency_history",
            "thrive_grouping",
            "locality",
            "team",
            "ended_at",
            "discharge_reason",
            "closure_reason",
            "clocks",
        ]
        read_only_fields = fields


class _RecordedOutputSerializer(OutputSerializer):
    """A record, and its referral's status and clocks after the clock rules saw it."""

    referral_status = serializers.CharField(
        source="referral.status", read_only=True, help_text="The referral's status after this record."
    )
    clocks = ClockOutputSerializer(source="referral.clocks", many=True, read_only=True)

    AFTER = ["referral_status", "clocks"]


class AssessmentRecordedOutputSerializer(_RecordedOutputSerializer):
    class Meta:
        model = Assessment
        fields = ["id", "referral", "completed_at", "code", "summary", "recorded_by", *_RecordedOutputSerializer.AFTER]
        read_only_fields = fields


class CarePlanRecordedOutputSerializer(_RecordedOutputSerializer):
    # A string: the model's choices would make a second enum of the input's care plan types.
    plan_type = serializers.CharField(read_only=True, help_text="MHSDS CarePlanTypeMH.")
    agreed_by = serializers.CharField(
        read_only=True, help_text="MHSDS CarePlanContentAgreedBy; empty when not recorded."
    )

    class Meta:
        model = CarePlan
        fields = [
            "id",
            "referral",
            "agreed_at",
            "plan_type",
            "agreed_by",
            "summary",
            "recorded_by",
            *_RecordedOutputSerializer.AFTER,
        ]
        read_only_fields = fields


class InterventionRecordedOutputSerializer(_RecordedOutputSerializer):
    kind = serializers.CharField(read_only=True)

    class Meta:
        model = Intervention
        fields = [
            "id",
            "referral",
            "started_at",
            "code",
            "kind",
            "description",
            "recorded_by",
            *_RecordedOutputSerializer.AFTER,
        ]
        read_only_fields = fields


class OutcomeMeasureRecordedOutputSerializer(_RecordedOutputSerializer):
    stage = serializers.CharField(read_only=True)

    class Meta:
        model = OutcomeMeasure
        fields = [
            "id",
            "referral",
            "recorded_at",
            "tool_code",
            "instrument",
            "score",
            "stage",
            "recorded_by",
            *_RecordedOutputSerializer.AFTER,
        ]
        read_only_fields = fields


class HospitalStayRecordedOutputSerializer(_RecordedOutputSerializer):
    class Meta:
        model = HospitalStay
        fields = [
            "id",
            "referral",
            "admitted_at",
            "discharged_at",
            "recorded_at",
            "recorded_by",
            *_RecordedOutputSerializer.AFTER,
        ]
        read_only_fields = fields


class HandoffOutputSerializer(OutputSerializer):
    """The warm handover, and where the referral stands after it."""

    referral = ReferralStateOutputSerializer(read_only=True)

    class Meta:
        model = Handoff
        fields = ["id", "from_team", "to_team", "note", "person_informed", "at", "clocks_restarted", "referral"]
        read_only_fields = fields


# --- code lists -------------------------------------------------------------


class CodeOutputSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    display = serializers.CharField(read_only=True)
    lowest = serializers.DecimalField(
        max_digits=6, decimal_places=2, read_only=True, allow_null=True, help_text="Outcome tools: the lowest score."
    )
    highest = serializers.DecimalField(
        max_digits=6, decimal_places=2, read_only=True, allow_null=True, help_text="Outcome tools: the highest score."
    )
    origin = serializers.ChoiceField(
        choices=["shipped", "loaded"],
        read_only=True,
        help_text="shipped with this system, or loaded from the trust's SNOMED CT UK release.",
    )


class LoadedSetOutputSerializer(serializers.Serializer):
    active = serializers.IntegerField(read_only=True, help_text="Active members loaded (listed in codes).")
    inactive = serializers.IntegerField(
        read_only=True, help_text="Members since inactivated: records made with them still count, new ones are refused."
    )
    release = serializers.DateField(read_only=True, help_text="The latest effectiveTime among the loaded members.")
    loaded_at = serializers.DateTimeField(read_only=True, help_text="When a loaded member last changed.")


class CodeListOutputSerializer(serializers.Serializer):
    name = serializers.CharField(read_only=True, help_text="Ours, e.g. consultation_mechanism.")
    national_set = serializers.CharField(
        read_only=True,
        help_text="What it follows: the SNOMED CT reference set id (e.g. 1853441000000109) or the MHSDS "
        "data dictionary element (e.g. MHSDS ConsMechanismMH).",
    )
    title = serializers.CharField(read_only=True)
    codes = CodeOutputSerializer(many=True, read_only=True)
    loaded = LoadedSetOutputSerializer(
        read_only=True,
        allow_null=True,
        help_text="SNOMED CT reference sets: what was loaded from the trust's release (manage.py "
        "load_snomed_refsets); null when nothing was, and only the shipped members are accepted.",
    )
