from django.urls import path

from . import views

urlpatterns = [
    path("referrals/<int:referral_id>/interventions/offered/", views.offers, name="intervention_offers"),
    path(
        "referrals/<int:referral_id>/interventions/offered/<int:offer_id>/start/",
        views.offer_start,
        name="intervention_offer_start",
    ),
    path(
        "referrals/<int:referral_id>/interventions/offered/<int:offer_id>/withdraw/",
        views.offer_withdraw,
        name="intervention_offer_withdraw",
    ),
    path("waiting-lists/", views.waiting_lists, name="waiting_lists"),
    path("waiting-lists/teams/<int:team_id>/", views.waiting_list, name="waiting_list"),
]
