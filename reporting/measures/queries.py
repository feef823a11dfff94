"""Query pieces the measures share: each a per-referral value computed in the database, so a
measure reads all its referrals in one query whatever their number."""

from datetime import date

from django.db.models import Exists, Min, OuterRef, QuerySet, Subquery
from django.db.models import Model as DjangoModel

from referrals.models import HospitalStay

from .result import age_on

# AgeServReferRecDate >= 18 (4w_waits_prep.py L169): an unknown age is not 18 or over.
ADULT_AGE = 18


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


def community_excluded_because(*, birth_date: date | None, received: date, hospital_stay: bool) -> str:
    """Why a referral to a core community team is outside the adult community measures, or ""
    (4w_waits_prep.py L166-L174; CMH Dashboard L84-L96)."""
    if birth_date is None:
        return "no date of birth: age on the received date unknown"
    if age_on(birth_date, received) < ADULT_AGE:
        return "under 18 on the received date"
    if hospital_stay:
        return "a hospital stay is linked to the referral"
    return ""
