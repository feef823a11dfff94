import re
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import audit_record
from codes.mhsds import DISABILITY, DISABILITY_ANSWERS_ALONE
from common.inserts import insert
from common.raw import joined, joined_columns, rows
from localities.models import Practice
from referrals.models import Person
from referrals.models.person import PersonDisability
from referrals.nhs_number import normalise_nhs_number, validate_nhs_number
from referrals.services.measure_scope import person_referrals_scope_refresh

# A UK postcode: the full code, or the outward code (district) alone when that is all the person
# gives (routing needs only the district).
POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?(?: ?[0-9][A-Z]{2})?$")
# Nobody alive was born before this; an earlier year is a typing slip (19 for 1984, say).
EARLIEST_BIRTH_DATE = date(1900, 1, 1)


def _refuse_implausible(*, birth_date: date | None, postcode: str, now: datetime) -> None:
    errors = {}
    if birth_date is not None and birth_date > timezone.localdate(now):
        errors["birth_date"] = ["A date of birth cannot be in the future."]
    elif birth_date is not None and birth_date < EARLIEST_BIRTH_DATE:
        errors["birth_date"] = [f"A date of birth before {EARLIEST_BIRTH_DATE:%Y} is not possible: check the year."]
    if postcode.strip() and not POSTCODE.match(postcode.strip().upper()):
        errors["postcode"] = ["Enter a UK postcode, for example BS1 4XX (or the first half, BS1, if that is all)."]
    if errors:
        raise ValidationError(errors)


# The one person with this NHS number (unique_nhs_number), locked for the rest of the intake, with
# their GP practice (routing reads it next). Written out: intake runs it for every referral with an
# NHS number, and the ORM took longer to write the join than PostgreSQL took to run it (issue 17).
# The practice's columns come from its model, under names no column of a person can have, and
# are converted as the ORM would (common.raw). The
# lock is PostgreSQL's; SQLite (the demo) has no row locks, as Django's select_for_update knows.
_PERSON_BY_NHS_NUMBER_SQL = f"""
    SELECT person.*, {joined_columns(Practice, "practice", "gp_practice")}
    FROM {Person._meta.db_table} AS person
    LEFT JOIN {Practice._meta.db_table} AS practice ON practice.{Practice._meta.pk.column} = person.gp_practice_id
    WHERE person.nhs_number = %s
"""


def _person_with_nhs_number(nhs_number: str) -> Person | None:
    """The person with this NHS number, locked, their practice in hand; None when nobody has it."""
    sql = _PERSON_BY_NHS_NUMBER_SQL
    if connection.features.has_select_for_update_of:
        sql += " FOR UPDATE OF person"
    person = next(iter(rows(Person, sql, [nhs_number])), None)
    if person is not None:
        person.gp_practice = joined(person, Practice, "gp_practice")
    return person


def person_match_or_create(
    *,
    now: datetime,
    nhs_number: str | None,
    given_name: str,
    family_name: str,
    birth_date: date | None,
    postcode: str = "",
    gp_practice: Practice | None = None,
) -> tuple[Person, bool]:
    """Find the person by NHS number, or create them. Returns (person, created).

    A match whose date of birth disagrees is refused rather than linked: joining
    a referral to the wrong person's record is worse than asking again. A date of birth in the
    future or before 1900, or something that is not a UK postcode, is refused.

    For ``referral_create`` alone, inside its savepoint: it writes the new person's audit row with
    the referral's (one INSERT), and when two first referrals for one new NHS number race, the
    loser's INSERT is refused by the unique NHS number (IntegrityError) and ``referral_create``
    tries once more, matching the person the winner made (issue 17: no savepoint of its own).
    """
    _refuse_implausible(birth_date=birth_date, postcode=postcode, now=now)
    if nhs_number:
        nhs_number = normalise_nhs_number(nhs_number)
        try:
            validate_nhs_number(nhs_number)
        except ValidationError as exc:
            raise ValidationError({"nhs_number": exc.messages}) from exc
        existing = _person_with_nhs_number(nhs_number)
        if existing is not None:
            if birth_date and existing.birth_date and existing.birth_date != birth_date:
                raise ValidationError(
                    {"birth_date": ["This NHS number belongs to a person with a different date of birth."]}
                )
            _fill_blanks(existing, postcode=postcode, gp_practice=gp_practice, birth_date=birth_date)
            return existing, False
    person = Person(
        nhs_number=nhs_number or None,
        given_name=given_name.strip(),
        family_name=family_name.strip(),
        birth_date=birth_date,
        postcode=postcode.strip().upper(),
        gp_practice=gp_practice,
        created_at=now,
    )
    insert([person])  # its INSERT's text built once (common.inserts, issue 17)
    return person, True


def _fill_blanks(person: Person, *, postcode: str, gp_practice: Practice | None, birth_date: date | None) -> None:
    """Complete what the record lacks; never overwrite what someone already recorded."""
    changed = []
    if postcode and not person.postcode:
        person.postcode = postcode.strip().upper()
        changed.append("postcode")
    if gp_practice and person.gp_practice_id is None:
        person.gp_practice = gp_practice
        changed.append("gp_practice")
    if birth_date and person.birth_date is None:
        person.birth_date = birth_date
        changed.append("birth_date")
    if changed:
        person.save(update_fields=changed)
    if "birth_date" in changed:
        person_referrals_scope_refresh(person=person)  # their earlier referrals' ages are known now


@transaction.atomic
def person_equality_record(
    *,
    person: Person,
    by: User,
    now: datetime,
    ethnicity: str = Person.Ethnicity.NOT_STATED,
    gender: str = Person.Gender.NOT_STATED,
    sexual_orientation: str = Person.SexualOrientation.NOT_STATED,
    disability: str = Person.Disability.NOT_STATED,
) -> Person:
    """Record the person's equality-monitoring answers; any may stay 'not stated'."""
    answers = {
        "ethnicity": (ethnicity, Person.Ethnicity),
        "gender": (gender, Person.Gender),
        "sexual_orientation": (sexual_orientation, Person.SexualOrientation),
        "disability": (disability, Person.Disability),
    }
    errors = {
        name: ["Choose an answer, or 'not stated'."]
        for name, (value, choices) in answers.items()
        if value not in choices.values
    }
    if errors:
        raise ValidationError(errors)
    for name, (value, _) in answers.items():
        setattr(person, name, value)
    person.save(update_fields=list(answers))
    # The answers themselves stay out of the audit log: it records that they changed.
    audit_record(by=by, action="person.equality_record", obj=person, now=now, person_id=person.pk)
    return person


@transaction.atomic
def person_disabilities_set(*, person: Person, by: User, now: datetime, codes: list[str]) -> list[str]:
    """Replace the person's disability codes (MHSDS DisabCode) with ``codes``: any number of
    01-10 and XX, or NN (no disability) or ZZ (not stated) alone; none clears them. The yes / no
    answer (``Person.disability``) follows when the codes say it: a disability code is "yes",
    NN "no", ZZ "not stated"; with no codes it is left as it was. Returns the codes kept, sorted."""
    chosen = sorted(set(codes))
    unknown = [code for code in chosen if code not in DISABILITY]
    if unknown:
        raise ValidationError({"disabilities": [f"Not a disability code: {', '.join(unknown)}."]})
    if len(chosen) > 1 and DISABILITY_ANSWERS_ALONE & set(chosen):
        raise ValidationError(
            {"disabilities": ["'No disability' and 'not stated' are answers on their own: choose one, or the types."]}
        )
    # One change at a time per person: two saves at once would both insert the same codes.
    Person.objects.select_for_update().filter(pk=person.pk).first()
    PersonDisability.objects.filter(person=person).exclude(code__in=chosen).delete()
    kept = set(PersonDisability.objects.filter(person=person).values_list("code", flat=True))
    PersonDisability.objects.bulk_create([PersonDisability(person=person, code=c) for c in chosen if c not in kept])
    if chosen:
        answer = {"NN": Person.Disability.NO, "ZZ": Person.Disability.NOT_STATED}.get(chosen[0], Person.Disability.YES)
        if person.disability != answer:
            person.disability = answer
            person.save(update_fields=["disability"])
    # As the other equality answers: the audit records that they changed, not what they are.
    audit_record(by=by, action="person.disabilities_set", obj=person, now=now, person_id=person.pk)
    return chosen


def person_created_despite_match_record(
    *, person: Person, candidate_ids: list[int], reason: str, by: User, now: datetime
) -> None:
    """A new person was added although intake showed a strong match: why, and who was shown
    (ids only), for the IG lead and for whoever later merges a duplicate."""
    if not reason.strip():
        raise ValidationError({"new_person_reason": ["Say why this is a new person and not the strong match shown"]})
    audit_record(
        by=by,
        action="person.create_despite_match",
        obj=person,
        now=now,
        person_id=person.pk,
        detail={"candidates": sorted(candidate_ids), "reason": reason.strip()[:500]},
    )
