from django.urls import path

from . import assessments, views

urlpatterns = [
    path("referrals/<int:referral_id>/care-plan/", views.care_plan, name="care_plan"),
    path("referrals/<int:referral_id>/care-plan/goals/", views.care_plan_goal_add_view, name="care_plan_goal_add"),
    path(
        "referrals/<int:referral_id>/care-plan/interventions/",
        views.care_plan_intervention_add,
        name="care_plan_intervention_add",
    ),
    path("referrals/<int:referral_id>/outcomes/", views.outcomes, name="outcomes"),
    path("referrals/<int:referral_id>/assessments/", assessments.assessments, name="assessments"),
    path("referrals/<int:referral_id>/discharge/", views.discharge, name="discharge"),
]
