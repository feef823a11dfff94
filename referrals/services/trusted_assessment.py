"""The trusted assessment: written once, built on by later partners, never retyped."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import User
from accounts.services import audit_record
from referrals.errors import InvalidTransition
from referrals.models import AssessmentAddition, Person, Referral, TrustedAssessment

from .care import assessment_record

SECTIONS = [s.value for s in TrustedAssessment.Section]


@transaction.atomic
def trusted_assessment_write(
    *, person: Person, by: User, now: datetime, referral: Referral | None = None, **sections: str
) -> TrustedAssessment:
    """Write the person's one trusted assessment. It also counts as the referral's assessment."""
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        raise ValidationError({name: ["Not a section of the trusted assessment."] for name in unknown})
    if not sections.get("presenting_needs", "").strip():
        raise ValidationError({"presenting_needs": ["Describe what the person needs help with, in their words."]})
    if referral is not None and referral.person_id != person.pk:
        raise ValidationError({"referral": ["That referral is for someone else."]})
    try:
        with transaction.atomic():
            assessment = TrustedAssessment.objects.create(
                person=person,
                referral=referral,
                written_at=now,
                written_by=by,
                organisation=by.organisation,
                **{name: text.strip() for name, text in sections.items()},
            )
    except IntegrityError as exc:
        # One per person: a second writer must build on the first, not start again.
        raise InvalidTransition("This person already has a trusted assessment: add to it instead.") from exc
    if referral is not None:
        assessment_record(referral=referral, by=by, now=now, completed_at=now, summary="Trusted assessment written")
    audit_record(by=by, action="trusted_assessment.write", obj=assessment, now=now, person_id=person.pk)
    return assessment


@transaction.atomic
def trusted_assessment_add(
    *, assessment: TrustedAssessment, by: User, now: datetime, section: str, text: str
) -> AssessmentAddition:
    errors = {}
    if section not in SECTIONS:
        errors["section"] = ["Choose the section you are adding to."]
    if not text.strip():
        errors["text"] = ["Write what you are adding."]
    if errors:
        raise ValidationError(errors)
    addition = AssessmentAddition.objects.create(
        assessment=assessment,
        section=section,
        text=text.strip(),
        added_at=now,
        added_by=by,
        organisation=by.organisation,
    )
    audit_record(
        by=by,
        action="trusted_assessment.add",
        obj=addition,
        now=now,
        person_id=assessment.person_id,
        detail={"section": section},
    )
    return addition
