"""Pages of the referrals app. Each group of journeys has its own URL module so
they can grow independently; all share the "referrals" namespace."""

from django.urls import include, path

from . import home, urls_access, urls_alerts, urls_care, urls_intake

app_name = "referrals"
urlpatterns = [
    path("", home.home, name="home"),
    path("", include(urls_intake)),  # take a referral, triage, redirect, contacts, person page and timeline
    path("", include(urls_care)),  # trusted assessment, care plan, outcomes, discharge
    path("", include(urls_alerts)),  # alerts inbox
    path("", include(urls_access)),  # break-glass, consent-based shares
]
