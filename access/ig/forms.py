"""The audit search (GET: every search is a link that can be bookmarked and downloaded) and the
break-glass review form. A value we cannot read is reported beside its field, never guessed at."""

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from access.models import BreakGlassReview
from accounts.models import User
from common.forms import nhs_date_field
from referrals.models import Person
from referrals.nhs_number import format_nhs_number, is_valid_nhs_number, normalise_nhs_number

from .selectors import ACTION_CATEGORIES, AuditFilters, people_find_for_audit, person_find_for_audit

# The audit log starts well after 2000; the bounds also keep "the day after" a real date.
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _date_field(label: str) -> forms.DateField:
    """A London date typed into the NHS.UK day/month/year boxes."""
    return nhs_date_field(
        label,
        required=False,
        help_text="For example, 27 3 2026",
        error_messages={"invalid": f"The ‘{label.lower()}’ date must be a real date, for example 27 3 2026"},
    )


class AuditSearchForm(forms.Form):
    person = forms.CharField(
        label="Person",
        required=False,
        max_length=20,
        help_text="Their NHS number (for example, 943 476 5919) or their person ID",
        error_messages={"max_length": "Enter an NHS number (10 digits) or a person ID"},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "class": "nhsuk-input--width-10"}),
    )
    family_name = forms.CharField(
        label="Or their family name",
        required=False,
        max_length=100,
        error_messages={"max_length": "A family name has at most 100 characters"},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "class": "nhsuk-input--width-20"}),
    )
    birth_date = nhs_date_field(
        "Date of birth",
        required=False,
        help_text="With the family name, for example 15 3 1984",
        error_messages={"invalid": "The date of birth must be a real date, for example 15 3 1984"},
    )
    user = forms.CharField(
        label="Member of staff",
        required=False,
        max_length=150,
        help_text="Their username, for example alice. Failed sign-ins with that username are included",
        error_messages={"max_length": "A username has at most 150 characters"},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "class": "nhsuk-input--width-20"}),
    )
    date_from = _date_field("From")
    date_to = _date_field("To")
    action = forms.ChoiceField(
        label="What they did",
        required=False,
        choices=[("", "Anything")] + [(key, label) for key, (label, _) in ACTION_CATEGORIES.items()],
        error_messages={"invalid_choice": "Choose what they did from the list"},
    )

    def __init__(self, data: Any, *, user: User, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.ig_lead = user  # who searches (the form's own "user" field is whom they search for)
        # Everyone a family name and date of birth matched, when more than one: the page lists
        # them to choose from (by person ID), and the view records that they were found.
        self.matches: list[Person] = []

    def clean_person(self) -> Person | None:
        typed = self.cleaned_data["person"].strip()
        if not typed:
            return None
        digits = normalise_nhs_number(typed)
        if not digits.isdigit() or len(digits) > 10:
            raise ValidationError("Enter an NHS number (10 digits) or a person ID (a number)")
        if digits != typed and len(digits) != 10:
            # Spaces or dashes: someone typing an NHS number, not a person ID.
            raise ValidationError("An NHS number is 10 digits, for example 943 476 5919")
        if len(digits) == 10:
            if not is_valid_nhs_number(digits):
                raise ValidationError(f"{format_nhs_number(digits)} is not a valid NHS number: check the digits")
            person = person_find_for_audit(self.ig_lead, nhs_number=digits)
            if person is None:
                raise ValidationError(f"No one with NHS number {format_nhs_number(digits)} is on the system")
            return person
        person = person_find_for_audit(self.ig_lead, person_id=int(digits))
        if person is None:
            raise ValidationError(f"No one with person ID {int(digits)} is on the system")
        return person

    def clean_user(self) -> str:
        return self.cleaned_data["user"].strip()

    def _clean_day(self, name: str, label: str) -> date | None:
        day = self.cleaned_data[name]
        if day is not None and not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise ValidationError(f"The ‘{label}’ date must be between {FIRST_YEAR} and {LAST_YEAR}")
        return day

    def clean_date_from(self) -> date | None:
        return self._clean_day("date_from", "from")

    def clean_date_to(self) -> date | None:
        return self._clean_day("date_to", "to")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        first: date | None = data.get("date_from")
        last: date | None = data.get("date_to")
        if first and last and first > last:
            self.add_error("date_to", "The ‘to’ date must be the same as or after the ‘from’ date")
        self._clean_name_and_birth_date(data)
        return data

    def _clean_name_and_birth_date(self, data: dict[str, Any]) -> None:
        """Find the person by family name and date of birth, when no NHS number or ID was given."""
        family_name = data.get("family_name", "").strip()
        born: date | None = data.get("birth_date")
        if data.get("person") is not None or "person" in self.errors or "birth_date" in self.errors:
            return
        if not family_name and born is None:
            return
        if self.data.get("person", "").strip():
            return  # the person field had an error of its own
        if not family_name:
            self.add_error("family_name", "Enter their family name as well as the date of birth")
            return
        if born is None:
            self.add_error("birth_date", "Enter their date of birth as well as the family name")
            return
        found = people_find_for_audit(self.ig_lead, family_name=family_name, birth_date=born)
        if not found:
            self.add_error(
                "family_name", f"No one called {family_name} born {born:%-d %B %Y} is on the system: check both"
            )
        elif len(found) == 1:
            data["person"] = found[0]
        else:
            self.matches = found

    def filters(self) -> AuditFilters | None:
        """What to search for, or None while any field has an error or several people match."""
        if not self.is_valid() or self.matches:
            return None
        data = self.cleaned_data
        return AuditFilters(
            person=data["person"],
            username=data["user"],
            date_from=data["date_from"],
            date_to=data["date_to"],
            action=data["action"],
        )


class BreakGlassReviewForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Was this break-glass opening appropriate?",
        choices=BreakGlassReview.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether the opening was appropriate"},
    )
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=2000,
        help_text="Needed when it was not appropriate: say why, and what follow-up is needed",
        error_messages={"max_length": "The note must be 2,000 characters or fewer"},
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def review_form_prefix(review: BreakGlassReview) -> str:
    """Each opening's form on the list page has its own prefix, so every control's id is unique."""
    return f"review-{review.pk}"
