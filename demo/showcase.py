"""Showcase journeys: referrals in every status and every clock state, whatever the size of the load.

The random journeys give the demo its proportions; these few make sure a small
load still shows each thing a demonstration needs (a first response about to
breach, a breached treatment wait, a referral nobody has routed yet...).
"""

from datetime import timedelta

from referrals.models import Referral

from . import catalogue as c
from .journeys import DAY, FACE_TO_FACE, HOUR, MINUTE, TELEPHONE, VIDEO, Journey, Planner

S, U = Referral.Source, Referral.Urgency


def showcase_journeys(planner: Planner) -> list[Journey]:
    """Referrals in every status and every clock state, whatever the size of the load."""
    now, f2f, phone = planner.now, FACE_TO_FACE, TELEPHONE
    rt = planner.targets[U.ROUTINE]
    vu = planner.targets[U.VERY_URGENT]
    wait = planner.treatment_target
    made: list[Journey] = []

    def journey(age: timedelta, source: str, urgency: str, **kw) -> Journey:
        j = planner.journey(received_at=now - age, source=source, urgency=urgency, **kw)
        made.append(j)
        return j

    # First response near breach: received 5/6 of a routine target ago, triaged, not yet contacted.
    j = journey(rt * 5 / 6, S.GP, U.ROUTINE)
    j.add(2 * HOUR, "triage")
    # First response breached: two unanswered calls, still no completed contact.
    j = journey(rt * 1.25, S.SELF, U.ROUTINE)
    j.add(3 * HOUR, "triage")
    j.add(10 * HOUR, "attempt")
    j.add(rt * 0.9, "attempt")
    # Very urgent, near its 4-hour target.
    j = journey(vu * 0.8, S.POLICE, U.VERY_URGENT)
    j.add(15 * MINUTE, "triage")
    # Just arrived from the 24/7 line.
    journey(40 * MINUTE, S.MENTAL_HEALTH_LINE, U.ROUTINE)
    # No GP and no address: waiting to be routed by hand.
    journey(5 * HOUR, S.SELF, U.ROUTINE, unrouted=True)
    # Assessed, waiting for the MDT to allocate.
    j = journey(4 * DAY, S.GP, U.ROUTINE)
    j.add(3 * HOUR, "triage")
    j.add(20 * HOUR, "contact", kind="first", mechanism=phone)
    j.add(20 * HOUR + 10 * MINUTE, "assess")
    # Allocated, treatment clock near breach (past its warning).
    j = journey(wait * 6 / 7, S.GP, U.ROUTINE)
    j.add(4 * HOUR, "triage")
    j.add(18 * HOUR, "contact", kind="first", mechanism=f2f)
    j.add(18 * HOUR + 15 * MINUTE, "assess")
    j.add(5 * DAY, "allocate")
    # Allocated, treatment clock breached.
    j = journey(wait + 5 * DAY, S.SOCIAL_CARE, U.URGENT)
    j.add(HOUR, "triage")
    j.add(8 * HOUR, "contact", kind="first", mechanism=phone)
    j.add(8 * HOUR + 5 * MINUTE, "assess")
    j.add(9 * DAY, "allocate")
    j.add(20 * DAY, "attempt")
    # In treatment, started within the wait.
    j = journey(40 * DAY, S.GP, U.ROUTINE)
    j.add(5 * HOUR, "triage")
    j.add(21 * HOUR, "contact", kind="first", mechanism=phone)
    j.add(21 * HOUR + 20 * MINUTE, "assess")
    j.add(6 * DAY, "allocate")
    j.add(19 * DAY, "contact", kind="treatment", mechanism=f2f)
    j.add(33 * DAY, "contact", kind="followup", mechanism=f2f)
    # Redirected to the complex emotional needs service, not yet picked up.
    j = journey(3 * DAY, S.EMERGENCY_DEPARTMENT, U.URGENT, need=c.PRESENTING_NEEDS[2])
    j.add(HOUR, "triage")
    j.add(6 * HOUR, "contact", kind="first", mechanism=f2f)
    j.add(6 * HOUR + 10 * MINUTE, "assess")
    j.add(36 * HOUR, "redirect", to="cen")
    # Redirected to the crisis team, seen and in treatment there.
    j = journey(6 * DAY, S.AMBULANCE, U.VERY_URGENT)
    j.add(20 * MINUTE, "triage")
    j.add(2 * HOUR, "contact", kind="first", mechanism=f2f)
    j.add(2 * HOUR + 5 * MINUTE, "assess")
    j.add(3 * HOUR, "redirect", to="crisis")
    j.add(3 * HOUR + 30 * MINUTE, "triage")
    j.add(4 * HOUR, "allocate")
    j.add(8 * HOUR, "contact", kind="treatment", mechanism=f2f)
    j.add(2 * DAY, "contact", kind="followup", mechanism=f2f)
    # An emergency from A&E liaison: seen within the hour, crisis team the same day.
    j = journey(2 * DAY, S.EMERGENCY_DEPARTMENT, U.EMERGENCY)
    j.add(5 * MINUTE, "triage")
    j.add(40 * MINUTE, "contact", kind="first", mechanism=f2f)
    j.add(45 * MINUTE, "assess")
    j.add(90 * MINUTE, "redirect", to="crisis")
    j.add(2 * HOUR, "triage")
    j.add(150 * MINUTE, "allocate")
    j.add(5 * HOUR, "contact", kind="treatment", mechanism=f2f)
    # Discharged back to self-care.
    j = journey(80 * DAY, S.GP, U.ROUTINE)
    j.add(6 * HOUR, "triage")
    j.add(22 * HOUR, "contact", kind="first", mechanism=phone)
    j.add(22 * HOUR + 30 * MINUTE, "assess")
    j.add(4 * DAY, "allocate")
    j.add(15 * DAY, "contact", kind="treatment", mechanism=f2f)
    j.add(35 * DAY, "contact", kind="followup", mechanism=VIDEO)
    j.add(70 * DAY, "discharge")
    # Closed after three weeks of trying to make contact.
    j = journey(40 * DAY, S.SELF, U.ROUTINE)
    j.add(4 * HOUR, "triage")
    j.add(5 * HOUR, "attempt")
    j.add(3 * DAY, "attempt")
    j.add(8 * DAY, "attempt")
    j.add(18 * DAY, "close", reason=Referral.ClosureReason.NO_CONTACT)
    for j in made:
        planner.keep(j)
    return made
