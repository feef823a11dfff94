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
