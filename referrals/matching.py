"""Scored person matching at intake: who might this new referral already be? (a read)

One query finds the pool: the same NHS number, or a date of birth equal to the one typed or
with its day and month swapped. On PostgreSQL the same query scores the names with pg_trgm
(``similarity`` on the whole family name, ``word_similarity`` both ways so that one part of a
hyphenated or double-barrelled name matches: "Smith-Jones" and "Jones"). On SQLite (the
``make run`` demo) only difflib scores the names; on PostgreSQL a name's score is the better of
pg_trgm's and difflib's (trigrams are weak on short names such as "Smith" and "Smyth"). See docs/person-matching.md.

Scores (0-100): the same NHS number is decisive (100). Otherwise a date of birth (exact 50,
day and month swapped 35) plus family name (up to 35) and given name (up to 15) similarity,
plus 10 for the same postcode. A date of birth with no similar name is not a candidate.
"""

import unicodedata
from dataclasses import dataclass, field
from datetime import date
from difflib import SequenceMatcher
from typing import Literal

from django.contrib.postgres.search import TrigramSimilarity
from django.db import connection
from django.db.models import FloatField, Func, Prefetch, Q, Value
from django.db.models.functions import Greatest, Lower

from referrals.models import Person, Referral

STRONG = 70
NAME_FLOOR = 0.45  # below this a name is not "similar"
POOL_LIMIT = 200


@dataclass(frozen=True)
class OpenReferral:
    team: str
    received_on: date | None
    referral_id: int


@dataclass(frozen=True)
class Candidate:
    person: Person
    score: int
    strength: Literal["strong", "possible"]
    reasons: list[str] = field(default_factory=list)
    open_referrals: list[OpenReferral] = field(default_factory=list)


def fold(text: str) -> str:
    """Lower case, accents dropped, spaces trimmed: "Zoë " -> "zoe"."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _parts(name: str) -> list[str]:
    return [p for p in fold(name).replace("-", " ").replace("'", " ").split() if p]


def _python_similarity(a: str, b: str) -> float:
    """The SQLite fallback: the best of whole-name and any-part ratios."""
    a_f, b_f = fold(a), fold(b)
    if not a_f or not b_f:
        return 0.0
    best = SequenceMatcher(None, a_f, b_f).ratio()
    for pa in _parts(a):
        for pb in _parts(b):
            best = max(best, SequenceMatcher(None, pa, pb).ratio())
    return best


def swapped(birth_date: date) -> date | None:
    """The date with day and month swapped, if that is a different, real date."""
    if birth_date.day == birth_date.month or birth_date.day > 12:
        return None
    try:
        return birth_date.replace(month=birth_date.day, day=birth_date.month)
    except ValueError:
        return None


def _word_similarity(needle: str, field_name: str) -> Func:
    return Func(Value(needle), Lower(field_name), function="word_similarity", output_field=FloatField())


def _reverse_word_similarity(needle: str, field_name: str) -> Func:
    return Func(Lower(field_name), Value(needle), function="word_similarity", output_field=FloatField())


def _name_similarity(needle: str, field_name: str) -> Greatest:
    return Greatest(
        TrigramSimilarity(Lower(field_name), needle),
        _word_similarity(needle, field_name),
        _reverse_word_similarity(needle, field_name),
        output_field=FloatField(),
    )


def person_candidates(
    *,
    nhs_number: str = "",
    given_name: str = "",
    family_name: str = "",
    birth_date: date | None = None,
    postcode: str = "",
    limit: int = 10,
) -> list[Candidate]:
    """People who may be the one being referred, best first, in a bounded number of queries
    (two: the people, and their open referrals). Not limited to people the user can see:
    intake must find someone held by another team. Show only identifying details."""
    pool = Q(pk__in=[])
    if nhs_number:
        pool |= Q(nhs_number=nhs_number)
    dates = [d for d in (birth_date, swapped(birth_date) if birth_date else None) if d]
    if dates and family_name:
        pool |= Q(birth_date__in=dates)
    if not (nhs_number or dates):
        return []
    people = Person.objects.filter(pool, merged_into__isnull=True).prefetch_related(
        Prefetch(
            "referrals",
            queryset=Referral.objects.filter(ended_at__isnull=True)  # discharged and closed ones have ended
            .select_related("team")
            .order_by("received_at"),
            to_attr="open_referral_rows",
        )
    )
    postgres = connection.vendor == "postgresql"
    family, given = fold(family_name), fold(given_name)
    if postgres and family:
        people = people.annotate(family_sim=_name_similarity(family, "family_name"))
    if postgres and given:
        people = people.annotate(given_sim=_name_similarity(given, "given_name"))

    candidates = []
    for person in people[:POOL_LIMIT]:
        reasons: list[str] = []
        # Trigrams are weak on short names ("Smith"/"Smyth" share 3 of 9), so the better of the
        # database's trigram score and difflib's on the row already fetched (no further query).
        family_sim = _python_similarity(family_name, person.family_name) if family else 0.0
        given_sim = _python_similarity(given_name, person.given_name) if given else 0.0
        if postgres:
            family_sim = max(family_sim, float(getattr(person, "family_sim", 0.0) or 0.0))
            given_sim = max(given_sim, float(getattr(person, "given_sim", 0.0) or 0.0))
        if nhs_number and person.nhs_number == nhs_number:
            score = 100
            reasons.append("Same NHS number")
        else:
            if family_sim < NAME_FLOOR:
                continue  # a shared date of birth alone is not a match
            if person.birth_date == birth_date:
                score = 50
                reasons.append("Same date of birth")
            else:
                score = 35
                reasons.append("Day and month of birth swapped")
            score += round(35 * family_sim)
            reasons.append(
                "Same family name"
                if fold(person.family_name) == family
                else f"Family name similar ({person.family_name})"
            )
            if given_sim >= NAME_FLOOR:
                score += round(15 * given_sim)
                reasons.append(
                    "Same given name"
                    if fold(person.given_name) == given
                    else f"Given name similar ({person.given_name})"
                )
        if postcode and person.postcode and _postcode(person.postcode) == _postcode(postcode):
            score += 10
            reasons.append("Same postcode")
        score = min(score, 100)
        opens = [
            OpenReferral(team=r.team.name if r.team else "", received_on=r.received_on, referral_id=r.pk)
            for r in getattr(person, "open_referral_rows", [])
        ]
        strength: Literal["strong", "possible"] = "strong" if score >= STRONG else "possible"
        candidates.append(
            Candidate(person=person, score=score, strength=strength, reasons=reasons, open_referrals=opens)
        )
    candidates.sort(key=lambda c: (-c.score, c.person.family_name, c.person.given_name, c.person.pk))
    return candidates[:limit]


def _postcode(value: str) -> str:
    return value.replace(" ", "").upper()
