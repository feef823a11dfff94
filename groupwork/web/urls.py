from django.urls import path

from . import session_views, views

app_name = "groupwork"

urlpatterns = [
    path("groups/", views.group_list, name="list"),
    path("groups/new/", views.group_new, name="new"),
    path("groups/<int:group_id>/", views.group_detail, name="detail"),
    path("groups/<int:group_id>/change/", views.group_edit, name="edit"),
    path("groups/<int:group_id>/cohorts/", views.cohort_new, name="cohort_new"),
    path("groups/sessions/<int:session_id>/register/", views.session_register, name="register"),
    path("groups/cohorts/<int:cohort_id>/sessions/new/", session_views.session_new, name="session_new"),
    path("groups/sessions/<int:session_id>/change/", session_views.session_edit, name="session_edit"),
    path("groups/sessions/<int:session_id>/cancel/", session_views.session_cancel_confirm, name="session_cancel"),
    path("referrals/<int:referral_id>/groups/enrol/", views.enrol, name="enrol"),
    path("groups/enrolments/<int:enrolment_id>/leave/", views.leave, name="leave"),
]
