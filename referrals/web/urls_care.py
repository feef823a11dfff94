"""Trusted assessment (journey 4); care plan, outcomes and discharge (journey 7)."""

from django.urls import path

from . import assessment, care

urlpatterns = [
    path("people/<int:person_id>/assessment/", assessment.assessment, name="assessment"),
    path("people/<int:person_id>/assessment/add/", assessment.assessment_add, name="assessment_add"),
    path("people/<int:person_id>/assessment/consent/", assessment.assessment_consent, name="assessment_consent"),
    path(
        "people/<int:person_id>/assessment/consent/<int:consent_id>/withdraw/",
        assessment.assessment_consent_withdraw,
        name="assessment_consent_withdraw",
    ),
    path("referrals/<int:referral_id>/care-plan/", care.care_plan, name="care_plan"),
    path("referrals/<int:referral_id>/care-plan/goals/", care.care_plan_goal_add_view, name="care_plan_goal_add"),
    path(
        "referrals/<int:referral_id>/care-plan/interventions/",
        care.care_plan_intervention_add,
        name="care_plan_intervention_add",
    ),
    path("referrals/<int:referral_id>/outcomes/", care.outcomes, name="outcomes"),
    path("referrals/<int:referral_id>/discharge/", care.discharge, name="discharge"),
]
