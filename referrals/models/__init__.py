from .alert import Alert, Notification
from .allocation import Allocation
from .care import Assessment, CarePlan, CarePlanGoal, Intervention, OutcomeMeasure
from .clock import Clock, ClockEvent
from .contact import Contact
from .person import Person
from .person_context import Carer, RiskFlag, SharingConsent
from .policy import ClockPolicy, ResponseTarget
from .referral import Handoff, Referral
from .trusted_assessment import AssessmentAddition, TrustedAssessment

__all__ = [
    "AssessmentAddition",
    "Carer",
    "CarePlanGoal",
    "RiskFlag",
    "SharingConsent",
    "TrustedAssessment",
    "Alert",
    "Allocation",
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
