"""Query pieces the measures share: each a per-referral value computed in the database, so a
measure reads all its referrals in one query whatever their number.

On PostgreSQL the two community measures read their referrals with one SQL statement each
(``cmh_second_contact``, ``referral_spell``), shaped so the work grows with the referrals the
period can count, not with every referral ever received, and served by the partial indexes on
counting contacts (referrals migration 0012) and each referral's earliest clock-stop events kept
as they are recorded (``ReferralMilestones``, migration 0013). Elsewhere (the
SQLite demo) the same figures come from the portable Django queries below; a test runs both on
PostgreSQL and checks they agree row for row.
"""

from datetime import date

from django.db import connection
from django.db.models import Exists, Min, OuterRef, QuerySet, Subquery
from django.db.models import Model as DjangoModel

from codes.mhsds import ATTENDED, DIRECT_MECHANISMS
from referrals.models import HospitalStay

from .result import age_on

# AgeServReferRecDate >= 18 (4w_waits_prep.py L169): an unknown age is not 18 or over.
ADULT_AGE = 18


def on_postgresql() -> bool:
    return connection.vendor == "postgresql"


def sql_list(values: frozenset[str] | set[str] | list[str]) -> str:
    """A constant list of codes from our own code lists (never from a request) as SQL literals,
    in a fixed order so the statement's text, and a partial index's predicate, never vary."""
    for value in values:
        if not value.isalnum():
            raise ValueError(f"not a code: {value!r}")
    return ", ".join(f"'{value}'" for value in sorted(values))


# A contact counts when attended (AttendStatus 5, 6) and direct (ConsMechanismMH 01, 02, 04, 11):
# 4w_waits_prep.py L275-L276, PP3 L187-L201. As SQL over referrals_contact aliased ``c``; the
# partial indexes contact_counting_idx and contact_counting_at_idx hold exactly these rows.
def counting_contact_sql(alias: str) -> str:
    return (
        f"{alias}.attendance IN ({sql_list(ATTENDED)})"
        f" AND {alias}.consultation_mechanism IN ({sql_list(DIRECT_MECHANISMS)})"
    )


COUNTING_CONTACT_SQL = counting_contact_sql("c")


def earliest(rows: QuerySet[DjangoModel], field: str) -> Subquery:
    """The earliest ``field`` of these rows for the outer referral (their ``referral_id``)."""
    return Subquery(
        rows.filter(referral_id=OuterRef("pk"))
        .order_by()
        .values("referral_id")
        .annotate(at=Min(field))
        .values("at")[:1]
    )


def has_hospital_stay() -> Exists:
    """A hospital stay linked to the referral takes it out of the community measures (L166, L174)."""
    return Exists(HospitalStay.objects.filter(referral_id=OuterRef("pk")))


def adult_when_received(birth_date: date | None, received: date) -> bool | None:
    """18 or over on the received date; None without a date of birth (portable form of what
    ``Referral.adult_when_received`` keeps)."""
    return None if birth_date is None else age_on(birth_date, received) >= ADULT_AGE


def community_excluded_because(*, adult: bool | None, hospital_stay: bool) -> str:
    """Why a referral to a core community team is outside the adult community measures, or ""
    (4w_waits_prep.py L166-L174; CMH Dashboard L84-L96). ``adult``: 18 or over on the received
    date (``AgeServReferRecDate >= 18``, L169), None when the date of birth is unknown."""
    if adult is None:
        return "no date of birth: age on the received date unknown"
    if not adult:
        return "under 18 on the received date"
    if hospital_stay:
        return "a hospital stay is linked to the referral"
    return ""
