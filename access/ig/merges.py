"""Reads and forms for merging duplicate records (the IG lead's pages; the writes are
``referrals.services.person_merge`` and ``person_unmerge``; docs/person-merge.md)."""

from dataclasses import dataclass, replace

from django import forms
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from common.forms import LimitedCharField
from referrals.models import Contact, Person, PersonMerge
from referrals.nhs_number import format_nhs_number, is_valid_nhs_number, normalise_nhs_number
from referrals.services.merge import UNDO_WITHIN

REASON_MAX_LENGTH = 2000


@dataclass(frozen=True)
class MergeSide:
    """One record as the comparison shows it: identifying details and how much it holds."""

    person: Person
    nhs_number: str
    counts: list[tuple[str, int]]
    has_assessment: bool
    differs: frozenset[str] = frozenset()  # the identifying details that differ from the other record


# What the comparison checks side by side, so the eye goes to the differences first.
COMPARED = {
    "name": lambda p: f"{p.given_name} {p.family_name}".casefold().split(),
    "nhs_number": lambda p: p.nhs_number or "",
    "birth_date": lambda p: p.birth_date,
    "postcode": lambda p: (p.postcode or "").replace(" ", "").upper(),
    "gp_practice": lambda p: p.gp_practice_id,
}


def merge_sides(keep: Person, duplicate: Person) -> tuple[MergeSide, MergeSide]:
    """Both records for the comparison, each marked with the details that differ from the other's."""
    differs = frozenset(name for name, value in COMPARED.items() if value(keep) != value(duplicate))
    return replace(merge_side(keep), differs=differs), replace(merge_side(duplicate), differs=differs)


def person_find_for_merge(value: str) -> Person | None:
    """A record by its NHS number or its internal id (the audit search shows it), merged or not."""
    value = value.strip()
    digits = normalise_nhs_number(value)
    if len(digits) == 10 and is_valid_nhs_number(digits):
        return Person.objects.select_related("gp_practice").filter(nhs_number=digits).first()
    if value.isdigit():
        return Person.objects.select_related("gp_practice").filter(pk=int(value)).first()
    return None


def person_posted_for_merge(value: str | None) -> Person:
    """A record named by the compare page's hidden id: 404 for anything else (never a 500)."""
    if not (value or "").isdigit():
        raise Http404("No such record.")
    return get_object_or_404(Person, pk=int(value or 0))


def merge_side(person: Person) -> MergeSide:
    counts = [
        ("Referrals", person.referrals.count()),
        ("Contacts", Contact.objects.filter(referral__person=person).count()),
        ("Sharing consents", person.consents.count()),
        ("Carers", person.carers.count()),
        ("Risks", person.risk_flags.count()),
    ]
    return MergeSide(
        person=person,
        nhs_number=format_nhs_number(person.nhs_number),
        counts=counts,
        has_assessment=hasattr(person, "trusted_assessment"),
    )


def merges_recent() -> QuerySet[PersonMerge]:
    return PersonMerge.objects.select_related("kept", "duplicate", "by", "undone_by").order_by("-at")


def merge_get(merge_id: int) -> PersonMerge:
    """One merge for the IG lead's pages (their decorator checks the role): 404 if there is none."""
    return get_object_or_404(merges_recent(), pk=merge_id)


def merge_undo_allowed(merge: PersonMerge, *, now) -> bool:
    return merge.undone_at is None and now - merge.at <= UNDO_WITHIN


class MergeFindForm(forms.Form):
    keep = forms.CharField(
        label="Record to keep",
        max_length=20,
        help_text="Its NHS number, or the person ID the audit log shows",
        error_messages={"required": "Enter the NHS number or person ID of the record to keep"},
    )
    duplicate = forms.CharField(
        label="Duplicate record, to merge into it",
        max_length=20,
        help_text="Its NHS number, or the person ID the audit log shows",
        error_messages={"required": "Enter the NHS number or person ID of the duplicate record"},
    )

    def clean(self) -> dict:
        data = super().clean() or {}
        for name in ("keep", "duplicate"):
            if data.get(name):
                person = person_find_for_merge(data[name])
                if person is None:
                    self.add_error(name, "No record has this NHS number or person ID")
                data[f"{name}_person"] = person
        keep, duplicate = data.get("keep_person"), data.get("duplicate_person")
        if keep is not None and duplicate is not None and keep.pk == duplicate.pk:
            self.add_error("duplicate", "This is the same record as the one to keep: choose the duplicate")
        return data


class MergeConfirmForm(forms.Form):
    keep = forms.IntegerField(widget=forms.HiddenInput)
    duplicate = forms.IntegerField(widget=forms.HiddenInput)
    reason = LimitedCharField(
        label="Why these are one person's records",
        max_length=REASON_MAX_LENGTH,
        what="The reason",
        help_text="For example, what the GP practice or the person confirmed. It is kept with the merge and in the audit log",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Give the reason these are one person's records"},
    )
    checked = forms.BooleanField(
        label="I have compared the two records and they are the same person",
        error_messages={"required": "Confirm that you compared the records and they are the same person"},
    )


class UnmergeForm(forms.Form):
    reason = LimitedCharField(
        label="Why the merge is being undone",
        max_length=REASON_MAX_LENGTH,
        what="The reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Give the reason for undoing the merge"},
    )
