from .rollups import (
    ClockFact,
    DailyEqualityRollup,
    HandoffFact,
    ReferralFact,
    ReportingState,
    WeeklyPercentile,
    WeeklyRollup,
)

__all__ = [
    "ClockFact",
    "DailyEqualityRollup",
    "HandoffFact",
    "ReferralFact",
    "ReportingState",
    "WeeklyPercentile",
    "WeeklyRollup",
]
