from .alert import Alert, Notification
from .care import Assessment, CarePlan, CarePlanGoal, Intervention, OutcomeMeasure
from .clock import Clock, ClockEvent
from .contact import Contact
from .person import Person
from .person_context import Carer, RiskFlag, SharingConsent
from .policy import ClockPolicy, ResponseTarget
from .referral import Handoff, Referral
from .rollups import ClockFact, ReferralFact, ReportingState, WeeklyPercentile, WeeklyRollup
from .trusted_assessment import AssessmentAddition, TrustedAssessment

__all__ = [
    "ClockFact",
    "ReferralFact",
    "ReportingState",
    "WeeklyPercentile",
    "WeeklyRollup",
    "AssessmentAddition",
    "Carer",
    "CarePlanGoal",
    "RiskFlag",
    "SharingConsent",
    "TrustedAssessment",
    "Alert",
    "Assessment",
    "CarePlan",
    "Clock",
    "ClockEvent",
    "ClockPolicy",
    "Contact",
    "Handoff",
    "Intervention",
    "Notification",
    "OutcomeMeasure",
    "Person",
    "Referral",
    "ResponseTarget",
]
