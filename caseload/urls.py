from django.urls import path

from . import views

app_name = "caseload"
urlpatterns = [
    path("caseload/", views.my_caseload, name="mine"),
    path("team/", views.team_caseload, name="team"),
    path("referrals/<int:referral_id>/allocate/", views.allocate, name="allocate"),
]
