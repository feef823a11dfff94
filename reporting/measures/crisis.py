"""Crisis response times: CCR117/CCR119 (very urgent, 4 hours) and CCR71/CCR120 (urgent,
24 hours), uec_prep.py L10-L127 and measure_metadata.py L2493-L2582 (docs/measures.md)."""

from codes.mhsds import CRISIS_TEAM_TYPES
from referrals.models import Referral

from .periods import MeasurePeriod
from .response_times import response_time_measure
from .result import MeasureResult

VERY_URGENT_MINUTES = 4 * 60
URGENT_MINUTES = 24 * 60


def crisis_very_urgent_4h(period: MeasurePeriod) -> MeasureResult:
    """Very urgent referrals to crisis teams in the month seen face to face within 4 hours."""
    return response_time_measure(
        code="crisis_very_urgent_4h",
        period=period,
        team_types=CRISIS_TEAM_TYPES,
        limit_minutes=VERY_URGENT_MINUTES,
        urgency=Referral.Urgency.VERY_URGENT,
    )


def crisis_urgent_24h(period: MeasurePeriod) -> MeasureResult:
    """Urgent referrals to crisis teams in the month seen face to face within 24 hours."""
    return response_time_measure(
        code="crisis_urgent_24h",
        period=period,
        team_types=CRISIS_TEAM_TYPES,
        limit_minutes=URGENT_MINUTES,
        urgency=Referral.Urgency.URGENT,
    )
