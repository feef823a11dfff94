from .rollups import ClockFact, DailyEqualityRollup, ReferralFact, ReportingState, WeeklyPercentile, WeeklyRollup

__all__ = ["ClockFact", "DailyEqualityRollup", "ReferralFact", "ReportingState", "WeeklyPercentile", "WeeklyRollup"]
