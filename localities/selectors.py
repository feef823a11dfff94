"""Reads for reference data: routing a referral to a locality and team."""

from dataclasses import dataclass

from .models import Locality, PostcodeDistrict, Practice, Team


@dataclass(frozen=True)
class Route:
    locality: Locality | None
    team: Team | None
    reason: str


def outward_code(postcode: str) -> str:
    """The outward part of a UK postcode: 'BS5 6XX' -> 'BS5', 'bs56xx' -> 'BS5'."""
    compact = postcode.replace(" ", "").upper()
    # The inward code is always the last three characters.
    return compact[:-3] if len(compact) > 3 else compact


def route_for(*, practice: Practice | None, postcode: str) -> Route:
    """Locality from the GP practice; the postcode district is the fallback."""
    if practice is not None:
        locality = Locality.objects.select_related("intake_team").get(pk=practice.locality_id)
        return Route(locality, locality.intake_team, f"GP practice {practice.ods_code}")
    if postcode:
        district = (
            PostcodeDistrict.objects.select_related("locality__intake_team")
            .filter(outward_code=outward_code(postcode))
            .first()
        )
        if district is not None:
            return Route(district.locality, district.locality.intake_team, f"postcode district {district.outward_code}")
    return Route(None, None, "no GP practice or known postcode: needs manual routing")
