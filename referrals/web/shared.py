"""What more than one journey uses: the request type of the pages that answer htmx, links to
the person page, the age shown beside a name, the find-a-person search (intake and break-glass)
and the clocks prefetch every referral row carries. Generic helpers (``safe_next``, London time,
CSV) live in ``common``.
"""

from datetime import date
from typing import Any, Literal

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.urls import reverse

from common.forms import nhs_date_field
from referrals.models import Clock, Person
from referrals.nhs_number import is_valid_nhs_number, normalise_nhs_number

# --- Links --------------------------------------------------------------------------------------


def person_url(person_id: int) -> str:
    """The person page: the hub every other page links to and from."""
    return reverse("referrals:person", args=[person_id])


def person_breadcrumbs(person: Person, *more: tuple[str, str]) -> list[tuple[str, str]]:
    """Home, then the person, then ``more`` (text, url) crumbs below them."""
    return [("Home", reverse("referrals:home")), (str(person), person_url(person.pk)), *more]


def age_on(birth_date: date | None, today: date) -> int | None:
    if birth_date is None:
        return None
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


# --- Finding a person (intake, break-glass) ----------------------------------------------------


def nhs_number_field(label: str, *, help_text: str) -> forms.CharField:
    """An optional NHS number, typed with or without spaces; check it with ``clean_nhs_number``."""
    return forms.CharField(
        label=label,
        required=False,
        max_length=12,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"}),
    )


def clean_nhs_number(value: str) -> str:
    number = normalise_nhs_number(value.strip())
    if number and not is_valid_nhs_number(number):
        raise ValidationError("Enter a valid NHS number: 10 digits, like 943 476 5919")
    return number


class PersonSearchForm(forms.Form):
    """An exact NHS number, or a family name and date of birth."""

    nhs_number = nhs_number_field("NHS number", help_text="10 digits, for example 943 476 5919")
    family_name = forms.CharField(label="Family name", required=False, max_length=100)
    birth_date = nhs_date_field("Date of birth", required=False, help_text="For example, 15 3 1984")

    def clean_nhs_number(self) -> str:
        return clean_nhs_number(self.cleaned_data["nhs_number"])

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.errors:
            return data
        if not data.get("nhs_number"):
            if not data.get("family_name"):
                self.add_error("family_name", "Enter an NHS number, or a family name and date of birth")
            if not data.get("birth_date"):
                self.add_error("birth_date", "Enter the date of birth with the family name")
        return data


def people_matching(*, nhs_number: str = "", family_name: str = "", birth_date: date | None = None) -> list[Person]:
    """People who exactly match an NHS number, or a family name and date of birth.

    Deliberately not limited to the people the user can already see: intake must
    find someone held by another team, or a duplicate record is made. Only exact
    matches are returned (no browsing), and only identifying details are shown.
    """
    if nhs_number:
        query = Q(nhs_number=normalise_nhs_number(nhs_number))
    elif family_name and birth_date:
        query = Q(family_name__iexact=family_name.strip(), birth_date=birth_date)
    else:
        return []
    # A record merged into another holds nothing: the one it went to is found instead.
    return list(
        Person.objects.filter(query, merged_into__isnull=True)
        .select_related("gp_practice")
        .order_by("family_name", "given_name")[:20]
    )


# --- Referral rows -----------------------------------------------------------------------------


def current_clocks() -> "Prefetch[Literal['clocks'], QuerySet[Clock], Literal['current_clocks']]":
    """A referral's running and stopped clocks of its current spell, as ``referral.current_clocks``
    (typed: a queryset prefetching it yields referrals whose ``current_clocks`` is a ``list[Clock]``)."""
    return Prefetch("clocks", queryset=Clock.objects.filter(is_current=True).order_by("kind"), to_attr="current_clocks")
