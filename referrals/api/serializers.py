"""Input serializers check the shape of what a caller sends; output serializers
shape what we send back. Neither writes anything: views hand validated input to
the services in referrals.services."""

import copy
import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cached_property

from django.core.validators import RegexValidator
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from codes.mhsds import ATTENDANCE, CONSULTATION_MECHANISM, PRIMARY_REASON, SOURCE_OF_REFERRAL
from common.london import earliest_record_time, london
from localities.models import Practice, Team
from localities.selectors import practice_with_route
from referrals.models import Alert, Clock, Contact, Person, Referral
from referrals.nhs_number import normalise_nhs_number, validate_nhs_number

# The fields of the nested "person" object, as the services name them in their errors.
PERSON_FIELDS = {"nhs_number", "given_name", "family_name", "birth_date", "postcode", "gp_practice"}

# A full UK postcode (outward and inward code), with or without the space.
postcode_validator = RegexValidator(
    r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$",
    "Enter a full UK postcode, e.g. BS1 4XX.",
    flags=re.IGNORECASE,
)


def choice_field(choices: list[tuple[str, str]], **kwargs) -> serializers.ChoiceField:
    """A ChoiceField whose error lists the values the caller may use."""
    allowed = ", ".join(value for value, _ in choices)
    return serializers.ChoiceField(
        choices=choices, error_messages={"invalid_choice": f'"{{input}}" is not one of: {allowed}.'}, **kwargs
    )


class PracticeCodeField(serializers.SlugRelatedField):
    """A GP practice given by its ODS code, e.g. "L81001"."""

    default_error_messages = {
        "does_not_exist": "No GP practice has the ODS code {value}.",
        "invalid": "Give the GP practice's ODS code as text, e.g. L81001.",
    }

    def __init__(self, **kwargs):
        super().__init__(slug_field="ods_code", queryset=Practice.objects.all(), **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        # With its locality and intake team, which routing reads next (one read, not three: issue 17).
        code = data.strip().upper()
        practice = practice_with_route(code)
        if practice is None:
            self.fail("does_not_exist", slug_name=self.slug_field, value=code)
        return practice


class TextOnlyField(serializers.CharField):
    """Text, and only text: a JSON number would silently lose an NHS number's leading zeros."""

    default_error_messages = {"invalid": 'Send this as a string, e.g. "943 476 5919".'}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class InstantField(serializers.DateTimeField):
    """An ISO 8601 date and time. A bare date is refused rather than read as midnight:
    clocks start at the minute a referral arrives, and midnight would make it look late."""

    default_error_messages = {"too_early": "Nothing recorded here happened before {earliest} (UK time)."}

    def to_internal_value(self, value):
        if isinstance(value, str) and "T" not in value.upper() and " " not in value.strip():
            self.fail("invalid", format="YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]")
        try:
            instant = super().to_internal_value(value)
        except OverflowError:  # year 1 with an offset east of UTC falls before year 1 in UTC
            self.fail("too_early", earliest=london(earliest_record_time()))
        # A year like 785 parses, but has no valid UK offset to answer with (issue 10).
        if instant < earliest_record_time():
            self.fail("too_early", earliest=london(earliest_record_time()))
        return instant


# --- fields, copied per serializer -----------------------------------------

# DRF gives every serializer it makes its own copy of each field, by ``copy.deepcopy``, which for
# a field means making it again from its arguments, each deep-copied in turn: about a tenth of an
# intake's CPU for its input and its receipt (issue 17). Before a field is bound to a serializer
# nothing in it changes, and binding sets its name, parent and source on the copy itself; so a
# shallow copy of the unbound field is a field of its own. Two kinds still get DRF's deep copy:
# a nested serializer (its child and its fields must be its own, or two responses would share
# one parent and one context) and a field whose default or initial value is a mutable object
# (a shallow copy would hand every request the same list to change).
_IMMUTABLE = (str, bytes, int, float, bool, Decimal, date, datetime, time, timedelta, type(None))


def fresh_field(field: serializers.Field) -> serializers.Field:
    """An unbound copy of an unbound field, for one serializer (see above)."""
    if isinstance(field, serializers.BaseSerializer) or any(
        not (value is serializers.empty or callable(value) or isinstance(value, _IMMUTABLE))
        for value in (field._kwargs.get("default"), field._kwargs.get("initial"))  # type: ignore[attr-defined]
    ):
        return copy.deepcopy(field)
    return copy.copy(field)


# A Serializer whose declared fields are copied with ``fresh_field``, not deep-copied. (A comment,
# not a docstring: the API schema would show it as the description of every input serializer.)
class InputSerializer(serializers.Serializer):
    def get_fields(self) -> dict[str, serializers.Field]:
        return {name: fresh_field(field) for name, field in self._declared_fields.items()}


# --- input ------------------------------------------------------------------


class PersonInputSerializer(InputSerializer):
    nhs_number = TextOnlyField(
        required=False, allow_null=True, allow_blank=True, help_text="Optional: self-referrals may not know it."
    )
    given_name = serializers.CharField(max_length=100)
    family_name = serializers.CharField(max_length=100)
    birth_date = serializers.DateField(required=False, allow_null=True)
    postcode = serializers.CharField(required=False, allow_blank=True, default="", validators=[postcode_validator])
    gp_practice = PracticeCodeField(required=False, allow_null=True, help_text="The GP practice's ODS code.")

    def validate_nhs_number(self, value: str | None) -> str | None:
        if not value:
            return None
        number = normalise_nhs_number(value)
        validate_nhs_number(number)
        return number

    def validate_birth_date(self, value: date | None) -> date | None:
        if value is not None and value > timezone.localdate():
            raise serializers.ValidationError("A date of birth cannot be in the future.")
        return value


class ReferralCreateInputSerializer(InputSerializer):
    person = PersonInputSerializer()
    # DRF's metaclass takes declared fields off the class, so this never meets Field.source (the
    # attribute path) that the stubs see it overriding.
    source = choice_field(Referral.Source.choices)  # type: ignore[assignment]
    urgency = choice_field(Referral.Urgency.choices)
    presenting_need = serializers.CharField(max_length=10_000)
    received_at = InstantField(
        required=False,
        allow_null=True,
        help_text="When any access point got the referral; defaults to now. A time without an offset is UK time.",
    )
    source_of_referral = choice_field(
        [(c.code, c.display) for c in SOURCE_OF_REFERRAL.codes],
        required=False,
        allow_blank=True,
        default="",
        help_text='MHSDS SourceOfReferralMH, e.g. "A1" GP, "H1" emergency department; without it the code '
        "is derived from source.",
    )
    primary_reason = choice_field(
        [(c.code, c.display) for c in PRIMARY_REASON.codes],
        required=False,
        allow_blank=True,
        default="",
        help_text="MHSDS PrimReasonReferralMH.",
    )
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(),
        required=False,
        allow_null=True,
        help_text="The team or service the referrer chose (its id), when not the one the routing rules give. "
        "For intake roles only; it never opens the person's other referrals to the caller.",
    )
    team_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=500,
        help_text="Why the chosen team, kept on the referral and in the audit log; "
        'defaults to "the referrer chose this service".',
    )


class ContactCreateInputSerializer(InputSerializer):
    occurred_at = InstantField(help_text="A time without an offset is UK time.")
    consultation_mechanism = serializers.ChoiceField(
        choices=[c.code for c in CONSULTATION_MECHANISM.codes],
        required=False,
        help_text='MHSDS ConsMechanismMH, e.g. "01" face to face, "02" telephone, "11" video, "09" text.',
    )
    attendance = serializers.ChoiceField(
        choices=[c.code for c in ATTENDANCE.codes],
        required=False,
        help_text='MHSDS AttendStatus: "5" or "6" attended; "7", "3" did not attend; "2", "4" cancelled. '
        "Required (no default).",
    )
    mode = serializers.ChoiceField(
        choices=Contact.Mode.choices,
        required=False,
        help_text="Deprecated, accepted for one release: mapped to consultation_mechanism "
        "(face_to_face 01, telephone 02, video 11, text 09; a letter is not a care contact).",
    )
    outcome = serializers.ChoiceField(
        choices=Contact.Outcome.choices,
        required=False,
        help_text="Deprecated, accepted for one release: completed is attendance 5, attempted is 3.",
    )
    starts_treatment = serializers.BooleanField(default=False)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=10_000)


# --- output -----------------------------------------------------------------


# A read-only ModelSerializer whose fields are worked out from the model once per process. DRF
# works them out again for every serializer it makes (each response, once per list): about a
# twelfth of an intake's CPU for the receipt and its clocks (issue 17). What it works out depends
# on the class alone (Meta, the model, the declared fields), so each serializer gets a copy
# (``fresh_field``) of the first result, as DRF gives each one a copy of its declared fields;
# binding to the serializer, and so the context, stays per serializer. (A comment, not a docstring: the API
# schema would show a docstring as the description of every serializer without its own.)
#
# Two more costs DRF paid again for every row, though one serializer writes all the rows of a list
# the same way: each date and time field asked Django for the current time zone, a context-local
# lookup, for every value (about a third of serializing a page of 50 referrals with their clocks);
# and the readable fields were filtered from the field dict again for every row. Here the zone is
# read once, when the serializer's fields are made (a request's zone does not change while it
# answers), and the readable fields listed once. The output is DRF's own:
# tests/referrals/api/test_output_serializers.py.
class OutputSerializer(serializers.ModelSerializer):
    def get_fields(self) -> dict[str, serializers.Field]:
        cls = type(self)
        built = cls.__dict__.get("_fields_built")
        if built is None:
            built = super().get_fields()
            cls._fields_built = built  # type: ignore[attr-defined]  # one per class, not inherited
        fields = {name: fresh_field(field) for name, field in built.items()}
        current = timezone.get_current_timezone()
        for field in fields.values():
            if isinstance(field, serializers.DateTimeField) and not hasattr(field, "timezone"):
                field.timezone = current  # what DRF's default_timezone() would answer for each value
        return fields

    @cached_property
    def _readable_fields(self) -> list[serializers.Field]:  # DRF's is a generator property
        return [field for field in self.fields.values() if not field.write_only]


_SOURCE_OF_REFERRAL_OUT = "MHSDS SourceOfReferralMH: the code given at intake, else the one the source maps to."


class ClockOutputSerializer(OutputSerializer):
    """A clock as it stands at the instant in context["now"]."""

    status = serializers.SerializerMethodField()
    stop_reason = serializers.ChoiceField(
        choices=Clock.StopReason.choices, allow_blank=True, read_only=True, help_text="Blank while the clock runs."
    )
    breached = serializers.SerializerMethodField()

    class Meta:
        model = Clock
        fields = [
            "id",
            "kind",
            "is_current",
            "status",
            "started_at",
            "warn_at",
            "due_at",
            "paused_at",
            "stopped_at",
            "stop_reason",
            "breached",
        ]
        read_only_fields = fields

    # A plain string in the schema: an enum here would collide with the referral's "status" enum.
    @extend_schema_field({"type": "string", "description": "running, paused or stopped"})
    def get_status(self, clock: Clock) -> str:
        if clock.stopped_at is not None:
            return "stopped"
        return "paused" if clock.paused_at is not None else "running"

    def get_breached(self, clock: Clock) -> bool:
        return clock.is_breached(self.context["now"])


class PersonOutputSerializer(OutputSerializer):
    gp_practice: serializers.SlugRelatedField[Practice] = serializers.SlugRelatedField(
        slug_field="ods_code", read_only=True, allow_null=True
    )

    class Meta:
        model = Person
        fields = ["id", "nhs_number", "given_name", "family_name", "birth_date", "postcode", "gp_practice"]
        read_only_fields = fields


class ReferralOutputSerializer(OutputSerializer):
    """Needs the referral's person (with gp_practice) joined and its clocks prefetched."""

    person = PersonOutputSerializer(read_only=True)
    source_of_referral = serializers.CharField(
        source="mhsds_source_of_referral", read_only=True, help_text=_SOURCE_OF_REFERRAL_OUT
    )
    primary_reason = serializers.CharField(read_only=True, help_text="MHSDS PrimReasonReferralMH; blank if not given.")
    clocks = ClockOutputSerializer(many=True, read_only=True)

    class Meta:
        model = Referral
        fields = [
            "id",
            "reference",
            "status",
            "source",
            "source_of_referral",
            "primary_reason",
            "urgency",
            "presenting_need",
            "received_at",
            "locality",
            "team",
            "routing_reason",
            "allocated_to",
            "person",
            "clocks",
            "created_at",
        ]
        read_only_fields = fields


class ReferralReceiptSerializer(OutputSerializer):
    """What the sender of a referral reads back: where it went and its clocks, never the person.

    The person is matched by NHS number, so echoing the stored identity would tell anyone with
    an account the name, date of birth, postcode and GP of any NHS number (issue 10). The
    routing reason is left out too: it names the stored GP practice or postcode district.
    """

    source_of_referral = serializers.CharField(
        source="mhsds_source_of_referral", read_only=True, help_text=_SOURCE_OF_REFERRAL_OUT
    )
    clocks = ClockOutputSerializer(many=True, read_only=True)

    class Meta:
        model = Referral
        fields = [
            "id",
            "reference",
            "status",
            "source",
            "source_of_referral",
            "urgency",
            "received_at",
            "locality",
            "team",
            "clocks",
            "created_at",
        ]
        read_only_fields = fields


class ContactOutputSerializer(OutputSerializer):
    class Meta:
        model = Contact
        fields = [
            "id",
            "referral",
            "occurred_at",
            "consultation_mechanism",
            "attendance",
            "starts_treatment",
            "note",
            "recorded_at",
            "recorded_by",
        ]
        read_only_fields = fields


class ContactRecordedOutputSerializer(ContactOutputSerializer):
    """The contact, and its referral's status and clocks after the clock rules saw it."""

    referral_status = serializers.CharField(
        source="referral.status", read_only=True, help_text="The referral's status after this contact."
    )
    clocks = ClockOutputSerializer(source="referral.clocks", many=True, read_only=True)

    class Meta(ContactOutputSerializer.Meta):
        fields = [*ContactOutputSerializer.Meta.fields, "referral_status", "clocks"]
        read_only_fields = fields


class AlertOutputSerializer(OutputSerializer):
    reference = serializers.CharField(source="referral.reference", read_only=True)
    # A string, as on the model; the values are those of the clocks' "kind" enum.
    clock_kind = serializers.CharField(read_only=True, help_text="first_response or treatment")

    class Meta:
        model = Alert
        fields = ["id", "referral", "reference", "clock_kind", "level", "tier", "threshold_at", "created_at", "sent_at"]
        read_only_fields = fields
