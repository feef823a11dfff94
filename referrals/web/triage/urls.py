from django.urls import path

from . import views

urlpatterns = [
    path("triage/", views.queue, name="triage"),
    path("referrals/<int:referral_id>/triage/", views.triage_referral, name="triage_referral"),
    path("referrals/<int:referral_id>/redirect/", views.redirect_referral, name="redirect"),
]
