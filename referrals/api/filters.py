"""Query-string filters for the list endpoints. A value the filter cannot read
is a 400 naming the parameter, never silently ignored."""

import django_filters
from django import forms
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from referrals.models import Alert, Clock, Referral
from referrals.selectors import referrals_with_breach


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(filters.NumberFilter):
    """A whole-number id: "1.5" or "abc" is refused rather than rounded or dropped."""

    # The stubs pin NumberFilter to DecimalField; django-filter lets a subclass choose its field.
    field_class = forms.IntegerField  # type: ignore[assignment]


class StrictBooleanField(forms.Field):
    def to_python(self, value):
        if value in (None, ""):
            return None
        lowered = str(value).strip().lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
        raise forms.ValidationError("Use true or false.", code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    # The plain filter, not the rest_framework one: that one's widget reads "maybe" as "not given".
    field_class = StrictBooleanField  # type: ignore[assignment]  # as IdFilter: a subclass chooses its field


class ReferralFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Referral.Status.choices)
    urgency = filters.ChoiceFilter(choices=Referral.Urgency.choices)
    locality = IdFilter(field_name="locality_id", help_text="Locality id.")
    team = IdFilter(field_name="team_id", help_text="Team id.")
    breached = StrictBooleanFilter(
        method="filter_breached",
        help_text="true: any clock stopped late or is open past its due time; false: none has.",
    )

    class Meta:
        model = Referral
        fields = ["status", "urgency", "locality", "team", "breached"]

    def filter_breached(self, queryset, name: str, value: bool):
        return referrals_with_breach(queryset, now=timezone.now(), breached=value)


class AlertFilter(filters.FilterSet):
    referral = IdFilter(field_name="referral_id", help_text="Referral id.")
    level = filters.ChoiceFilter(choices=Alert.Level.choices)
    clock_kind = filters.ChoiceFilter(choices=Clock.Kind.choices)

    class Meta:
        model = Alert
        fields = ["referral", "level", "clock_kind"]
