"""Reads for reference data: routing a referral to a locality and team."""

from dataclasses import dataclass

from common.raw import joined, joined_columns, rows

from .models import Locality, PostcodeDistrict, Practice, Team

# Intake routes every referral from its GP practice: the practice (by the ODS code the referrer
# gave), its locality and that locality's intake team. Written out, not composed as querysets:
# the ORM took about twice as long to write these two reads as PostgreSQL took to run them
# (issue 17; docs/adr/0013). Joined rows' columns come from their models (common.raw).
_LOCALITY, _TEAM = Locality._meta, Team._meta
_WITH_INTAKE_TEAM = f"""
    LEFT JOIN {_TEAM.db_table} AS team ON team.{_TEAM.pk.column} = locality.intake_team_id"""
_PRACTICE_WITH_ROUTE_SQL = f"""
    SELECT practice.*, {joined_columns(Locality, "locality", "locality")},
           {joined_columns(Team, "team", "intake_team")}
    FROM {Practice._meta.db_table} AS practice
    JOIN {_LOCALITY.db_table} AS locality ON locality.{_LOCALITY.pk.column} = practice.locality_id{_WITH_INTAKE_TEAM}
    WHERE practice.ods_code = %s
"""
_LOCALITY_WITH_INTAKE_TEAM_SQL = f"""
    SELECT locality.*, {joined_columns(Team, "team", "intake_team")}
    FROM {_LOCALITY.db_table} AS locality{_WITH_INTAKE_TEAM}
    WHERE locality.{_LOCALITY.pk.column} = %s
"""


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
    """Locality from the GP practice; the postcode district is the fallback. A practice read by
    ``practice_with_route`` has its locality and intake team in hand: nothing more is read."""
    if practice is not None:
        locality = practice.locality if Practice.locality.is_cached(practice) else _locality(practice.locality_id)
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


def practice_with_route(ods_code: str) -> Practice | None:
    """The GP practice with this ODS code, with its locality and that locality's intake team (or
    None) in hand, so ``route_for`` reads nothing more; None when no practice has the code."""
    practice = next(iter(rows(Practice, _PRACTICE_WITH_ROUTE_SQL, [ods_code])), None)
    if practice is not None:
        locality = joined(practice, Locality, "locality")
        assert locality is not None  # an inner join: a practice always has a locality
        locality.intake_team = joined(practice, Team, "intake_team")
        practice.locality = locality
    return practice


def _locality(locality_id: int) -> Locality:
    locality = rows(Locality, _LOCALITY_WITH_INTAKE_TEAM_SQL, [locality_id])[0]
    locality.intake_team = joined(locality, Team, "intake_team")
    return locality
