"""Take a referral, triage, redirect, contacts, the person page and the timeline (journeys 1, 2, 3, 9)."""

from django.urls import path

from . import contacts, intake, person, triage

urlpatterns = [
    path("referrals/new/", intake.intake, name="intake"),
    path("triage/", triage.queue, name="triage"),
    path("referrals/<int:referral_id>/", person.referral_detail, name="referral"),
    path("referrals/<int:referral_id>/triage/", triage.triage_referral, name="triage_referral"),
    path("referrals/<int:referral_id>/redirect/", triage.redirect_referral, name="redirect"),
    path("referrals/<int:referral_id>/contacts/new/", contacts.contact_new, name="contact_new"),
    path("people/<int:person_id>/", person.person_detail, name="person"),
    path("people/<int:person_id>/timeline/", person.person_timeline_view, name="timeline"),
]
