from django.urls import path

from . import views

app_name = "pathways"
urlpatterns = [
    path("", views.pathway_list, name="list"),
    path("<int:pathway_id>/", views.pathway_detail, name="detail"),
    path("<int:pathway_id>/tiers/<int:tier_id>/", views.tier_people_list, name="tier"),
    path("people/<int:person_id>/", views.person_pathways, name="person"),
    path("<int:pathway_id>/people/<int:person_id>/enter/", views.enter, name="enter"),
    path("<int:pathway_id>/referrals/<int:referral_id>/handover/", views.handover, name="handover"),
    path("places/<int:placement_id>/move/", views.move, name="move"),
    path("places/<int:placement_id>/leave/", views.leave, name="leave"),
]
