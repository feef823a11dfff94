from django.urls import path

from . import views

urlpatterns = [
    path("self-referral/", views.start, name="self_referral_start"),
    path("self-referral/help-now/", views.help_now, name="self_referral_help_now"),
    path("self-referral/check-your-answers/", views.check_answers, name="self_referral_check"),
    path("self-referral/confirmation/", views.confirmation, name="self_referral_done"),
    path("self-referral/<slug:slug>/", views.question, name="self_referral_step"),
]
