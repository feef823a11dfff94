"""Recording a contact: telephone, completed, just now unless told otherwise."""

from datetime import date, time
from typing import Any

from django import forms
from django.utils import timezone

from common.forms import TimeOfDayField, nhs_date_field
from common.london import london_date, london_instant
from referrals.models import Contact


class ContactForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=Contact.Outcome.choices,
        widget=forms.RadioSelect,
        initial=Contact.Outcome.COMPLETED,
        error_messages={"required": "Choose whether the contact was completed or attempted"},
    )
    mode = forms.ChoiceField(
        label="How",
        choices=Contact.Mode.choices,
        widget=forms.RadioSelect,
        initial=Contact.Mode.TELEPHONE,
        error_messages={"required": "Choose how the contact happened"},
    )
    occurred_date = nhs_date_field("Date of contact", required=False, help_text="Leave blank if it was just now")
    occurred_time = TimeOfDayField(
        label="Time of contact",
        required=False,
        help_text="24-hour clock, UK time, for example 14:30. Leave blank if it was just now",
        error_messages={"invalid": "Enter a time like 14:30"},
    )
    starts_treatment = forms.BooleanField(label="This contact starts treatment", required=False)
    note = forms.CharField(label="Note (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        day: date | None = data.get("occurred_date")
        at: time | None = data.get("occurred_time")
        if self.errors:
            return data
        if day is None and at is None:
            data["occurred_at"] = None  # now
        elif at is None:
            self.add_error("occurred_time", "Enter the time of the contact as well as the date")
        elif day is None:
            # A time alone means today.
            data["occurred_at"] = london_instant(london_date(timezone.now()), at)
        else:
            data["occurred_at"] = london_instant(day, at)
        return data
