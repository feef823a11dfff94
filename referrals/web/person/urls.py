from django.urls import path

from . import views

urlpatterns = [
    path("people/<int:person_id>/", views.person_detail, name="person"),
    path("people/<int:person_id>/disability/", views.person_disabilities, name="person_disabilities"),
    path("people/<int:person_id>/timeline/", views.person_timeline_view, name="timeline"),
    path("referrals/<int:referral_id>/", views.referral_detail, name="referral"),
]
