from django.urls import path

from . import views

app_name = "caseload"
urlpatterns = [
    path("caseload/", views.my_caseload, name="mine"),
    path("caseload/export.csv", views.my_caseload_csv, name="mine_csv"),
    path("team/", views.team_caseload, name="team"),
    path("team/export.csv", views.team_caseload_csv, name="team_csv"),
    path("team/workers/<int:worker_id>/move/", views.reassign, name="reassign"),
    path("referrals/<int:referral_id>/allocate/", views.allocate, name="allocate"),
]
