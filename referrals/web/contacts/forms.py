"""Recording a contact: how it happened, whether the person attended (asked every time, never
assumed: a careless click must not stop a clock), and when (just now unless told otherwise)."""

from datetime import date, time
from typing import Any

from django import forms
from django.utils import timezone

from common.forms import TimeOfDayField, nhs_date_field
from common.london import london_date, london_instant

# Plain words for MHSDS AttendStatus, in the order staff think of them. No initial value.
ATTENDANCE_CHOICES = [
    ("5", "Yes, seen"),
    ("6", "Yes, arrived late but was seen"),
    ("7", "Arrived late and could not be seen"),
    ("3", "Did not attend"),
    ("2", "Cancelled by the person"),
    ("4", "Cancelled by us"),
]
# MHSDS ConsMechanismMH as staff choose it (03 is retired; message boards and chat rooms come
# through the API). A letter or email is not a contact.
MECHANISM_CHOICES = [
    ("02", "Telephone"),
    ("01", "Face to face"),
    ("11", "Video"),
    ("09", "Text message"),
    ("10", "Instant messaging"),
    ("04", "Talk type (for someone unable to speak)"),
    ("98", "Other"),
]


class ContactForm(forms.Form):
    consultation_mechanism = forms.ChoiceField(
        label="How",
        choices=MECHANISM_CHOICES,
        widget=forms.RadioSelect,
        initial="02",
        error_messages={"required": "Choose how the contact happened"},
    )
    attendance = forms.ChoiceField(
        label="Did the person attend?",
        choices=ATTENDANCE_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether the person attended"},
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
