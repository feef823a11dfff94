from django.urls import path

from . import views

app_name = "api"
urlpatterns = [
    path("referrals/", views.ReferralListCreateApi.as_view(), name="referral-list"),
    path("referrals/<int:referral_id>/", views.ReferralDetailApi.as_view(), name="referral-detail"),
    path("referrals/<int:referral_id>/contacts/", views.ReferralContactCreateApi.as_view(), name="referral-contacts"),
    path("alerts/", views.AlertListApi.as_view(), name="alert-list"),
]
