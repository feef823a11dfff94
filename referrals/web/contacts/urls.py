from django.urls import path

from . import views

urlpatterns = [
    path("referrals/<int:referral_id>/contacts/new/", views.contact_new, name="contact_new"),
]
