"""The clinical pages: one package per journey, each with its own URL module, all in the
"referrals" namespace. Journeys share only ``shared.py`` (and ``common``), never each other."""

from django.urls import include, path

from .access import urls as access
from .alerts import urls as alerts
from .assessment import urls as assessment
from .care import urls as care
from .contacts import urls as contacts
from .handoff import urls as handoff
from .home import urls as home
from .intake import urls as intake
from .person import urls as person
from .self_referral import urls as self_referral
from .triage import urls as triage
from .waits import urls as waits

app_name = "referrals"
urlpatterns = [
    path("", include(home)),
    path("", include(intake)),  # journey 1: take a referral, finding the person first
    path("", include(triage)),  # journey 2: the triage queue, triage, redirect with a warm handover
    path("", include(contacts)),  # journey 3: record a contact
    path("", include(person)),  # the person page and timeline; a referral's own address
    path("", include(assessment)),  # journey 4: the trusted assessment, consent, sharing
    path("", include(care)),  # journey 7: care plan, outcomes, discharge
    path("", include(alerts)),  # the alerts inbox
    path("", include(access)),  # break-glass
    path("", include(handoff)),  # where a redirected person went, for who sent them
    path("", include(self_referral)),  # the public's own referral, no account (issue 15)
    path("", include(waits)),  # interventions offered and the teams' waiting lists (issue 14)
]
