from django.urls import path

from . import views

urlpatterns = [
    path("referrals/new/", views.intake, name="intake"),
]
