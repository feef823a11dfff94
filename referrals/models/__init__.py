from .alert import Alert, Notification
from .care import Assessment, CarePlan, Intervention, OutcomeMeasure
from .clock import Clock, ClockEvent
from .contact import Contact
from .person import Person
from .policy import ClockPolicy, ResponseTarget
from .referral import Handoff, Referral

__all__ = [
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
