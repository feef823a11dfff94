"""Every write to people, referrals, contacts and clocks goes through these functions.

They are keyword-only, take the acting user as ``by=`` and the current instant as
``now=``, run in one transaction, and write their audit rows in that transaction.
"""

from .allocation import caseload_allocate
from .care import (
    assessment_record,
    care_plan_goal_add,
    care_plan_record,
    intervention_record,
    outcome_measure_record,
)
from .clocks import clock_pause, clock_restart, clock_resume, clock_stop, clocks_evaluate, clocks_start
from .contacts import contact_record
from .hospital_stays import hospital_stay_record
from .merge import person_merge, person_unmerge
from .people import person_created_despite_match_record, person_equality_record, person_match_or_create
from .person_context import (
    carer_add,
    carer_assessment_update,
    risk_flag_raise,
    risk_flag_resolve,
)
from .referrals import (
    referral_assess,
    referral_close,
    referral_create,
    referral_discharge,
    referral_mark_allocated,
    referral_redirect,
    referral_triage,
)
from .trusted_assessment import trusted_assessment_add, trusted_assessment_write

__all__ = [
    "person_created_despite_match_record",
    "caseload_allocate",
    "person_equality_record",
    "care_plan_goal_add",
    "carer_add",
    "carer_assessment_update",
    "risk_flag_raise",
    "risk_flag_resolve",
    "trusted_assessment_add",
    "trusted_assessment_write",
    "assessment_record",
    "care_plan_record",
    "clock_pause",
    "clock_restart",
    "clock_resume",
    "clock_stop",
    "clocks_evaluate",
    "clocks_start",
    "contact_record",
    "hospital_stay_record",
    "intervention_record",
    "outcome_measure_record",
    "person_match_or_create",
    "person_merge",
    "person_unmerge",
    "referral_assess",
    "referral_close",
    "referral_create",
    "referral_discharge",
    "referral_mark_allocated",
    "referral_redirect",
    "referral_triage",
]
