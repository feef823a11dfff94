from django.urls import path

from . import code_lists, lifecycle, referrer_status, views

app_name = "api"
urlpatterns = [
    path("referrals/", views.ReferralListCreateApi.as_view(), name="referral-list"),
    path("referrals/<int:referral_id>/", views.ReferralDetailApi.as_view(), name="referral-detail"),
    path("referrals/<int:referral_id>/contacts/", views.ReferralContactCreateApi.as_view(), name="referral-contacts"),
    path("referrals/<int:referral_id>/triage/", lifecycle.ReferralTriageApi.as_view(), name="referral-triage"),
    path(
        "referrals/<int:referral_id>/assessments/", lifecycle.AssessmentCreateApi.as_view(), name="referral-assessments"
    ),
    path("referrals/<int:referral_id>/care-plans/", lifecycle.CarePlanCreateApi.as_view(), name="referral-care-plans"),
    path(
        "referrals/<int:referral_id>/interventions/",
        lifecycle.InterventionCreateApi.as_view(),
        name="referral-interventions",
    ),
    path(
        "referrals/<int:referral_id>/outcome-measures/",
        lifecycle.OutcomeMeasureCreateApi.as_view(),
        name="referral-outcome-measures",
    ),
    path(
        "referrals/<int:referral_id>/hospital-stays/",
        lifecycle.HospitalStayCreateApi.as_view(),
        name="referral-hospital-stays",
    ),
    path("referrals/<int:referral_id>/redirect/", lifecycle.ReferralRedirectApi.as_view(), name="referral-redirect"),
    path("referrals/<int:referral_id>/discharge/", lifecycle.ReferralDischargeApi.as_view(), name="referral-discharge"),
    path("referrals/<int:referral_id>/close/", lifecycle.ReferralCloseApi.as_view(), name="referral-close"),
    path("referrer/referrals/", referrer_status.ReferrerStatusListApi.as_view(), name="referrer-referral-list"),
    path(
        "referrer/referrals/<int:referral_id>/",
        referrer_status.ReferrerStatusDetailApi.as_view(),
        name="referrer-referral-detail",
    ),
    path("code-lists/", code_lists.CodeListApi.as_view(), name="code-lists"),
    path("alerts/", views.AlertListApi.as_view(), name="alert-list"),
]
