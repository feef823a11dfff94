"""Liaison response time: PLS121/PLS123, uec_prep.py L136-L206 and measure_metadata.py
L2673-L2718 (docs/measures.md): emergency-department referrals to liaison teams, any priority."""

from codes.mhsds import EMERGENCY_DEPARTMENT, LIAISON_TEAM_TYPES

from .periods import MeasurePeriod
from .response_times import response_time_measure
from .result import MeasureResult

LIAISON_MINUTES = 60


def liaison_1h(period: MeasurePeriod) -> MeasureResult:
    """Referrals from the emergency department to liaison teams in the month seen face to face
    within an hour."""
    return response_time_measure(
        code="liaison_1h",
        period=period,
        team_types=LIAISON_TEAM_TYPES,
        limit_minutes=LIAISON_MINUTES,
        source_of_referral=EMERGENCY_DEPARTMENT,
    )
