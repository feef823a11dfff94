"""The questions, one page each (or a small group), in plain English. Each asks only what triage
needs; every text has a limit the page states."""

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone

from common.forms import nhs_date_field
from referrals.services.people import EARLIEST_BIRTH_DATE, POSTCODE

YES_NO = [("yes", "Yes"), ("no", "No")]
WHAT_IS_HAPPENING_MAX = 2000
OTHERS_INVOLVED_MAX = 1000


class HoneypotForm(forms.Form):
    """Every page carries a field that people never see (its wrapper is ``hidden``, so neither
    sight nor screen readers reach it) and form-filling robots do."""

    website = forms.CharField(required=False, max_length=200, label="Leave this empty")

    def caught(self) -> bool:
        return bool(self.data.get("website", "").strip())


class DangerForm(HoneypotForm):
    in_immediate_danger = forms.ChoiceField(
        label="Are you in danger right now, or could you harm yourself or someone else soon?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": "Select yes if you are in danger right now"},
    )


class NameForm(HoneypotForm):
    given_name = forms.CharField(
        label="First name", max_length=100, error_messages={"required": "Enter your first name"}
    )
    family_name = forms.CharField(
        label="Last name", max_length=100, error_messages={"required": "Enter your last name"}
    )


class BirthDateForm(HoneypotForm):
    birth_date = nhs_date_field(
        "What is your date of birth?",
        help_text="For example, 15 3 1984",
        error_messages={"invalid": "Date of birth must be a real date", "required": "Enter your date of birth"},
    )

    def clean_birth_date(self) -> date:
        value: date = self.cleaned_data["birth_date"]
        if value > timezone.localdate():
            raise forms.ValidationError("Date of birth must be in the past")
        if value < EARLIEST_BIRTH_DATE:
            raise forms.ValidationError(f"Date of birth must be after {EARLIEST_BIRTH_DATE:%Y}: check the year")
        return value


class PostcodeForm(HoneypotForm):
    postcode = forms.CharField(
        label="What is your postcode?",
        max_length=8,
        help_text="We use it to find the team nearest to you. For example, BS5 6XX",
        error_messages={"required": "Enter your postcode"},
    )

    def clean_postcode(self) -> str:
        value = " ".join(self.cleaned_data["postcode"].upper().split())
        if not POSTCODE.match(value):
            raise forms.ValidationError("Enter a real UK postcode, for example BS5 6XX")
        return value


class ContactForm(HoneypotForm):
    methods = forms.MultipleChoiceField(
        label="Ways we can contact you",
        help_text="Select all that are safe for you.",
        choices=[("phone", "Phone call or text message"), ("email", "Email"), ("post", "Letter")],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select at least one way we can contact you"},
    )
    phone = forms.CharField(label="Phone number", required=False, max_length=32, help_text="If you chose phone")
    email = forms.EmailField(
        label="Email address",
        required=False,
        max_length=254,
        help_text="If you chose email",
        error_messages={"invalid": "Enter an email address in the right format, like name@example.com"},
    )
    address = forms.CharField(
        label="Address for letters",
        required=False,
        max_length=300,
        help_text="If you chose letters. You do not need to repeat the postcode.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_phone(self) -> str:
        value = self.cleaned_data["phone"].strip()
        digits = [c for c in value if c.isdigit()]
        if value and (len(digits) < 10 or any(c not in "0123456789 +()-" for c in value)):
            raise forms.ValidationError("Enter a phone number, like 07700 900 982 or 0117 496 0000")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        methods = data.get("methods") or []
        needed = {
            "phone": "Enter a phone number",
            "email": "Enter an email address",
            "post": "Enter an address for letters",
        }
        for method in methods:
            field = "address" if method == "post" else method
            if not data.get(field) and field not in self.errors:
                self.add_error(field, needed[method])
        return data


class SafeContactForm(HoneypotForm):
    safe_to_leave_message = forms.ChoiceField(
        label="Is it safe for us to leave a message?",
        help_text="For example, a voicemail, or a letter someone else might open.",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": "Select yes if it is safe to leave a message"},
    )
    times = forms.MultipleChoiceField(
        label="When is it safe to contact you?",
        help_text="Select all that apply.",
        choices=[
            ("weekday mornings", "Weekday mornings"),
            ("weekday afternoons", "Weekday afternoons"),
            ("weekday evenings", "Weekday evenings"),
            ("weekends", "Weekends"),
        ],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select when it is safe to contact you"},
    )
    times_note = forms.CharField(
        label="Anything else about when to contact you (optional)",
        required=False,
        max_length=100,
        help_text="Up to 100 characters. For example, not on Tuesdays.",
    )


class HappeningForm(HoneypotForm):
    what_is_happening = forms.CharField(
        label="Tell us what is happening",
        help_text=(
            "How you have been feeling, for how long, and what you would like help with. "
            f"You can write up to {WHAT_IS_HAPPENING_MAX:,} characters."
        ),
        max_length=WHAT_IS_HAPPENING_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={
            "required": "Tell us what is happening",
            "max_length": f"What is happening must be {WHAT_IS_HAPPENING_MAX:,} characters or fewer",
        },
    )


class OthersForm(HoneypotForm):
    others_involved = forms.CharField(
        label="Is anyone else involved in your care or support? (optional)",
        help_text=(
            "For example, your GP, a family member or carer, or another service. "
            f"You can write up to {OTHERS_INVOLVED_MAX:,} characters."
        ),
        required=False,
        max_length=OTHERS_INVOLVED_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": f"This must be {OTHERS_INVOLVED_MAX:,} characters or fewer"},
    )


class SubmitForm(HoneypotForm):
    """The check-your-answers page's button: nothing to answer, only the honeypot."""
