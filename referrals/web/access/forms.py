"""The break-glass form: who (found exactly, as at intake) and why."""

from django import forms
from django.core.exceptions import ValidationError

from access.grants import MIN_REASON
from referrals.web.shared import PersonSearchForm

REASON_HELP = "Say why this cannot wait, in a sentence. The information governance lead reviews every break-glass."


class BreakGlassForm(PersonSearchForm):
    reason = forms.CharField(
        label="Why do you need this record now?",
        help_text=REASON_HELP,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Give the reason you need this record in an emergency."},
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if len(reason) < MIN_REASON:
            raise ValidationError(f"Give the reason in a sentence (at least {MIN_REASON} characters).")
        return reason
