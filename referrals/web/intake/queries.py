"""Reads for taking a referral."""

from referrals.models import Person


def person_for_intake(person_id: int) -> Person | None:
    """The person picked from the intake search (anyone, as for ``shared.people_matching``)."""
    return Person.objects.select_related("gp_practice__locality").filter(pk=person_id).first()
