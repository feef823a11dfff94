"""Merging two records of one person, and undoing it within 30 days (docs/person-merge.md).

Everything that points at the duplicate record moves to the record kept: referrals (and with them
contacts, clocks, care plans, groups), carers, risks, sharing consents, the trusted assessment,
pathway places, disabilities, grants and shares. What moved is written on the merge, row by row,
so an unmerge puts back exactly that and nothing recorded on the kept record since.
"""

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from accounts.models import User
from accounts.services import audit_record
from referrals.models import Person, PersonMerge
from referrals.models.person import PersonDisability
from referrals.services.measure_scope import person_referrals_scope_refresh

UNDO_WITHIN = timedelta(days=30)
# The kept record's blanks that the duplicate fills, put back to blank by an unmerge.
FILLED_FIELDS = ("nhs_number", "birth_date", "postcode", "gp_practice_id")
# Relations that are the merge's own bookkeeping, never moved.
_NOT_MOVED = {
    ("referrals.person", "merged_into"),
    ("referrals.personmerge", "kept"),
    ("referrals.personmerge", "duplicate"),
}


def _relations() -> list[tuple[type[models.Model], str]]:
    """Every model with a foreign key or one-to-one to Person, with the field's name: found from
    the models, so a new one cannot be forgotten."""
    found = []
    for relation in Person._meta.related_objects:
        model = relation.related_model
        assert isinstance(model, type) and issubclass(model, models.Model)
        key = (model._meta.label_lower, relation.field.name)
        if key not in _NOT_MOVED and not relation.many_to_many:
            found.append((model, relation.field.name))
    return sorted(found, key=lambda pair: pair[0]._meta.label_lower)


def _locked_pair(first: Person, second: Person) -> tuple[Person, Person]:
    """Both records, locked in id order (two merges of the same pair cannot deadlock)."""
    rows = {p.pk: p for p in Person.objects.select_for_update().filter(pk__in=[first.pk, second.pk]).order_by("pk")}
    return rows[first.pk], rows[second.pk]


def person_merge(*, keep: Person, duplicate: Person, by: User, now: datetime, reason: str) -> PersonMerge:
    """Move everything of ``duplicate`` onto ``keep``; the duplicate stays, empty, marked merged.

    Refused (ValidationError, nothing moved): the same record twice, either record already merged,
    two different NHS numbers, two different dates of birth, two trusted assessments, or the same
    pathway open on both; and without a reason.
    """
    if not reason.strip():
        raise ValidationError({"reason": ["Give the reason these are one person's records."]})
    if keep.pk == duplicate.pk:
        raise ValidationError("Choose two different records.")
    with transaction.atomic():
        keep, duplicate = _locked_pair(keep, duplicate)
        _refuse_unmergeable(keep, duplicate)
        moved: dict[str, Any] = {}
        shared_codes = set(keep.disabilities.values_list("code", flat=True))
        try:
            with transaction.atomic():
                for model, field in _relations():
                    rows = model._default_manager.filter(**{field: duplicate})
                    if model is PersonDisability:
                        rows = rows.exclude(code__in=shared_codes)  # already on the kept record
                    ids = list(rows.values_list("pk", flat=True))
                    if ids:
                        model._default_manager.filter(pk__in=ids).update(**{field: keep})
                        moved[model._meta.label_lower] = {"field": field, "ids": ids}
        except IntegrityError as exc:
            raise ValidationError(
                "Both records are open on the same pathway: end one of the places before merging."
            ) from exc
        filled = _fill_blanks(keep, duplicate)
        duplicate.merged_into = keep
        duplicate.save(update_fields=["merged_into"])
        merge = PersonMerge.objects.create(
            kept=keep, duplicate=duplicate, by=by, at=now, reason=reason.strip(), moved={**moved, "filled": filled}
        )
        # What the measures keep on each referral: its age (from the date of birth the kept record
        # now holds) and whether its person has another referral (theirs may now join one spell).
        person_referrals_scope_refresh(person=keep)
        detail = {"merge": merge.pk, "kept": keep.pk, "duplicate": duplicate.pk, "reason": merge.reason}
        detail["moved"] = {label: len(entry["ids"]) for label, entry in moved.items()}
        for person in (keep, duplicate):
            audit_record(by=by, action="person.merge", obj=merge, now=now, person_id=person.pk, detail=detail)
    return merge


def _refuse_unmergeable(keep: Person, duplicate: Person) -> None:
    if keep.merged_into_id or duplicate.merged_into_id:
        raise ValidationError("One of these records is already merged into another: choose the record it went to.")
    if keep.nhs_number and duplicate.nhs_number and keep.nhs_number != duplicate.nhs_number:
        raise ValidationError("The records have different NHS numbers: they are two people.")
    if keep.birth_date and duplicate.birth_date and keep.birth_date != duplicate.birth_date:
        raise ValidationError(
            "The records have different dates of birth: correct the wrong one on the person's record first."
        )
    if hasattr(keep, "trusted_assessment") and hasattr(duplicate, "trusted_assessment"):
        raise ValidationError(
            "Both records have a trusted assessment: ask their teams to bring them together before merging."
        )


def _fill_blanks(keep: Person, duplicate: Person) -> dict[str, Any]:
    """The kept record's empty identifying fields, filled from the duplicate. Returns what was filled."""
    filled: dict[str, Any] = {}
    for field in FILLED_FIELDS:
        value = getattr(duplicate, field)
        if value and not getattr(keep, field):
            filled[field] = str(value) if field == "birth_date" else value
    if "nhs_number" in filled:
        Person.objects.filter(pk=duplicate.pk).update(nhs_number=None)  # unique: free it first
        duplicate.nhs_number = None
    for field in filled:
        setattr(keep, field, filled[field] if field == "nhs_number" else getattr(duplicate, field))
    if filled:
        keep.save(update_fields=[f.removesuffix("_id") for f in filled])
    return filled


def person_unmerge(*, merge: PersonMerge, by: User, now: datetime, reason: str) -> PersonMerge:
    """Put back exactly what the merge moved (rows recorded on the kept record since stay there).

    Refused after 30 days, when already undone, and without a reason."""
    if not reason.strip():
        raise ValidationError({"reason": ["Give the reason for undoing the merge."]})
    with transaction.atomic():
        merge = PersonMerge.objects.select_for_update().get(pk=merge.pk)
        if merge.undone_at is not None:
            raise ValidationError("This merge has already been undone.")
        if now - merge.at > UNDO_WITHIN:
            raise ValidationError("A merge can be undone for 30 days; this one is older.")
        keep, duplicate = _locked_pair(merge.kept, merge.duplicate)
        models_by_label = {model._meta.label_lower: model for model, _ in _relations()}
        returned: dict[str, int] = {}
        for label, entry in merge.moved.items():
            if label == "filled":
                continue
            model, field = models_by_label[label], entry["field"]
            returned[label] = model._default_manager.filter(pk__in=entry["ids"], **{field: keep}).update(
                **{field: duplicate}
            )
        filled = merge.moved.get("filled", {})
        if filled:
            for field in filled:
                setattr(keep, field, None if field in ("nhs_number", "birth_date", "gp_practice_id") else "")
            keep.save(update_fields=[f.removesuffix("_id") for f in filled])
            if "nhs_number" in filled:
                duplicate.nhs_number = filled["nhs_number"]
        duplicate.merged_into = None
        duplicate.save(update_fields=["merged_into", "nhs_number"])
        for person in (keep, duplicate):
            person_referrals_scope_refresh(person=person)
        merge.undone_at, merge.undone_by, merge.undo_reason = now, by, reason.strip()
        merge.save(update_fields=["undone_at", "undone_by", "undo_reason"])
        detail = {"merge": merge.pk, "kept": keep.pk, "duplicate": duplicate.pk, "reason": merge.undo_reason}
        detail["returned"] = returned
        for person in (keep, duplicate):
            audit_record(by=by, action="person.unmerge", obj=merge, now=now, person_id=person.pk, detail=detail)
    return merge
