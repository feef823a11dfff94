"""Output serializers work their fields out once per class (issue 17); each response still has its
own, bound to its own serializer and context."""

from datetime import timedelta

import pytest
from django.utils import timezone

from referrals.api.serializers import ClockOutputSerializer, ReferralReceiptSerializer
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
