"""Output serializers work their fields out once per class, and every serializer copies its
fields cheaply (issue 17); each request still has fields of its own, bound to its own serializer
and context."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework import serializers

from referrals.api.serializers import (
    ClockOutputSerializer,
    ReferralCreateInputSerializer,
    ReferralReceiptSerializer,
    fresh_field,
)
from referrals.models import Clock
from tests.factories import make_referral

pytestmark = pytest.mark.django_db


def test_two_receipts_of_one_referral_at_two_instants_each_say_whether_it_had_breached_then(alice):
    received = timezone.now() - timedelta(days=40)
    referral = make_referral(by=alice, received_at=received, now=received)
    referral = type(referral).objects.prefetch_related("clocks").get(pk=referral.pk)
    first_response = referral.clocks.get(kind=Clock.Kind.FIRST_RESPONSE)

    before = ReferralReceiptSerializer(referral, context={"now": received + timedelta(minutes=1)})
    after = ReferralReceiptSerializer(referral, context={"now": first_response.due_at + timedelta(minutes=1)})
    before_body, after_body = before.data, after.data  # both made before either is read

    assert [c["breached"] for c in before_body["clocks"]] == [False, False]
    assert dict((c["kind"], c["breached"]) for c in after_body["clocks"])["first_response"] is True


def test_each_serializer_has_fields_of_its_own_bound_to_it(alice):
    referral = make_referral(by=alice)
    one, two = ReferralReceiptSerializer(referral), ReferralReceiptSerializer(referral)

    assert list(one.fields) == list(two.fields)
    assert all(one.fields[name] is not two.fields[name] for name in one.fields)
    assert all(field.parent is one for field in one.fields.values())
    assert ClockOutputSerializer(referral.clocks.first()).fields["breached"].parent is not None


# --- input serializers, and the copy each serializer gets (fresh_field) -----------------------


def test_two_intakes_validated_together_each_keep_their_own_person(north_practice):
    def body(given_name, postcode):
        person = {"given_name": given_name, "family_name": "Synthetic", "postcode": postcode}
        return {"person": person | {"gp_practice": north_practice.ods_code}, "source": "gp", "urgency": "routine"}

    one = ReferralCreateInputSerializer(data=body("Ada", "BS1 4XX") | {"presenting_need": "Low mood."})
    two = ReferralCreateInputSerializer(data=body("Bea", "not a postcode") | {"presenting_need": "Anxiety."})

    assert one.is_valid() and not two.is_valid()
    assert one.validated_data["person"]["given_name"] == "Ada"
    assert two.errors == {"person": {"postcode": ["Enter a full UK postcode, e.g. BS1 4XX."]}}
    assert one.fields["person"] is not two.fields["person"]
    assert one.fields["person"].fields["postcode"] is not two.fields["person"].fields["postcode"]
    assert one.fields["person"].fields["postcode"].parent is one.fields["person"]
    assert all(field.parent is one for field in one.fields.values())


def test_a_field_is_copied_shallowly_unless_it_is_a_serializer_or_holds_a_mutable_default():
    plain = serializers.CharField(default="", max_length=10)
    listed = serializers.ListField(child=serializers.CharField(), default=[])
    nested = ClockOutputSerializer(many=True, read_only=True)

    plain_copy, listed_copy, nested_copy = fresh_field(plain), fresh_field(listed), fresh_field(nested)

    assert plain_copy is not plain and plain_copy.max_length == 10 and plain_copy.parent is None
    assert plain_copy.validators == plain.validators
    assert listed_copy.default == [] and listed_copy.default is not listed.default  # each request its own list
    assert listed_copy.child is not listed.child
    assert nested_copy is not nested and nested_copy.child is not nested.child  # its own parent and context


# --- the time zone, read once per serializer -------------------------------------------------


def _drf_own(serializer_class):
    """The same serializer with DRF's own fields (deep-copied, each instant asking for the time
    zone itself) and DRF's own readable fields, nested serializers included."""

    class Plain(serializer_class):
        def get_fields(self):
            fields = serializers.ModelSerializer.get_fields(self)
            for name, field in fields.items():
                inner = getattr(field, "child", field)
                if isinstance(inner, serializers.Serializer):
                    plain = _drf_own(type(inner))(many=field is not inner, read_only=True, source=field.source)
                    fields[name] = plain
            return fields

        _readable_fields = serializers.Serializer._readable_fields

    Plain.__name__ = f"Plain{serializer_class.__name__}"
    return Plain


@pytest.mark.parametrize("season", ["winter", "summer"])
def test_a_referral_reads_as_drf_would_write_it_in_british_summer_time_and_out_of_it(alice, season):
    """Every instant carries the UK offset of the moment it names (+01:00 in summer, Z in winter),
    exactly as DRF writes it when each value asks for the current time zone itself."""
    from referrals.api.serializers import ReferralOutputSerializer
    from referrals.api.views import _with_clocks
    from referrals.models import Referral

    received = timezone.now().replace(month=7 if season == "summer" else 1, day=15, hour=9) - timedelta(days=365)
    referral = make_referral(by=alice, received_at=received, now=received)
    rows = list(_with_clocks(Referral.objects.filter(pk=referral.pk)))
    context = {"now": timezone.now()}

    ours = ReferralOutputSerializer(rows, many=True, context=context).data
    theirs = _drf_own(ReferralOutputSerializer)(rows, many=True, context=context).data

    assert ours == theirs
    assert ours[0]["received_at"].endswith("+01:00" if season == "summer" else "Z")
    assert ours[0]["clocks"][0]["started_at"] == ours[0]["received_at"]


def test_a_request_in_another_time_zone_reads_in_that_zone(alice):
    """The zone is read when the serializer makes its fields, inside the request, not once for
    the process: with another zone active, the instants are written in it."""
    import zoneinfo

    from referrals.api.serializers import ReferralReceiptSerializer as Receipt

    referral = make_referral(by=alice, received_at=timezone.now().replace(month=7, day=1) - timedelta(days=365))
    referral = type(referral).objects.prefetch_related("clocks").get(pk=referral.pk)
    london = Receipt(referral, context={"now": timezone.now()}).data
    with timezone.override(zoneinfo.ZoneInfo("America/New_York")):
        new_york = Receipt(referral, context={"now": timezone.now()}).data

    assert london["received_at"].endswith("+01:00") and new_york["received_at"].endswith("-04:00")
    assert new_york["clocks"][0]["started_at"].endswith("-04:00")
