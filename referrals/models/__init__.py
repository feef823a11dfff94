from .alert import Alert, AlertEmail, Notification, SweepStatus
from .allocation import Allocation
from .care import Assessment, CarePlan, CarePlanGoal, Intervention, OutcomeMeasure
from .clock import Clock, ClockEvent
from .contact import Contact, IndirectActivity
from .intervention_wait import InterventionOffer, InterventionWaitTarget
from .merge import PersonMerge
from .milestones import ReferralMilestones
from .person import Person
from .person_context import Carer, RiskFlag, SharingConsent
from .policy import ClockPolicy, ResponseTarget
from .referral import Handoff, HospitalStay, Referral, UrgencyChange
from .referrer import ReferrerUpdate, ReferrerUpdateRule
from .self_referral import SelfReferral
from .trusted_assessment import AssessmentAddition, TrustedAssessment

__all__ = [
    "AssessmentAddition",
    "Carer",
    "CarePlanGoal",
    "RiskFlag",
    "SharingConsent",
    "TrustedAssessment",
    "Alert",
    "AlertEmail",
    "SweepStatus",
    "Allocation",
    "Assessment",
    "CarePlan",
    "Clock",
    "ClockEvent",
    "ClockPolicy",
    "Contact",
    "Handoff",
    "HospitalStay",
    "IndirectActivity",
    "UrgencyChange",
    "Intervention",
    "InterventionOffer",
    "InterventionWaitTarget",
    "Notification",
    "OutcomeMeasure",
    "Person",
    "PersonMerge",
    "Referral",
    "ReferrerUpdate",
    "ReferrerUpdateRule",
    "SelfReferral",
    "ReferralMilestones",
    "ResponseTarget",
]
