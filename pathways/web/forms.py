"""Forms for entering, moving along and leaving a pathway, and for the alternative's handover.
They adapt what was typed; the rules are the services' (their errors go back with
``common.web.add_service_errors``)."""

from datetime import date, datetime
from typing import Any

from django import forms
from django.utils import timezone

from common.forms import LimitedCharField, form_field, nhs_date_field
from common.london import london_midnight
from pathways.models import Tier
from referrals.models import Referral

REASON_MAX_LENGTH = 2000


def instant_on(day: date | None, *, now: datetime) -> datetime:
    """The day the decision took effect, as an instant: today (or nothing typed) means now, an
    earlier day its start in London; a future day is refused by the service."""
    if day is None or day == timezone.localdate(now):
        return now
    return london_midnight(day)


class TierChoiceField(forms.ModelChoiceField):  # not [Tier]: Django's class is not generic at run time
    def label_from_instance(self, obj: Tier) -> str:
        return f"Tier {obj.label}: {obj.name}"


class ReferralChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Referral) -> str:
        return (
            f"{obj.reference}, with {obj.team or 'no team'} (received {timezone.localdate(obj.received_at):%-d %b %Y})"
        )


def _reason() -> LimitedCharField:
    return LimitedCharField(
        label="Reason",
        max_length=REASON_MAX_LENGTH,
        what="The reason",
        help_text="Why, as agreed with the person; it is kept on their pathway journey",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Write the reason for the decision"},
    )


def _when() -> forms.DateField:
    return nhs_date_field(
        "Date of the decision",
        required=False,
        help_text="Leave empty for today. For example, 27 3 2026",
        error_messages={"invalid": "The date of the decision must be a real date, for example 27 3 2026"},
    )


class EnterForm(forms.Form):
    referral = ReferralChoiceField(
        label="Referral",
        queryset=None,
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the referral the person came to the service on"},
    )
    tier = TierChoiceField(
        label="Tier",
        queryset=None,
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the tier the person starts on"},
    )
    reason = _reason()
    at = _when()

    def __init__(self, *args: Any, referrals: Any, tiers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "referral", ReferralChoiceField).queryset = referrals
        form_field(self, "tier", TierChoiceField).queryset = tiers


class MoveForm(forms.Form):
    to_tier = TierChoiceField(
        label="Move to",
        queryset=None,
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the tier to step up or down to"},
    )
    reason = _reason()
    at = _when()

    def __init__(self, *args: Any, tiers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "to_tier", TierChoiceField).queryset = tiers


class LeaveForm(forms.Form):
    reason = _reason()
    at = _when()


class HandoverForm(forms.Form):
    """The warm handover to the pathway's alternative team (the same fields as a redirect)."""

    note = forms.CharField(
        label="Handover note",
        help_text="What the receiving team needs to know, so the person does not have to tell their story again",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Write a handover note for the receiving team"},
    )
    person_informed = forms.BooleanField(label="The person has been told where their referral has gone", required=False)
