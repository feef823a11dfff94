from django.urls import path

from . import views

urlpatterns = [
    path("people/<int:person_id>/assessment/", views.assessment, name="assessment"),
    path("people/<int:person_id>/assessment/add/", views.assessment_add, name="assessment_add"),
    path("people/<int:person_id>/assessment/consent/", views.assessment_consent, name="assessment_consent"),
    path(
        "people/<int:person_id>/assessment/consent/<int:consent_id>/withdraw/",
        views.assessment_consent_withdraw,
        name="assessment_consent_withdraw",
    ),
    # Sharing the record under the consent in force: a form in the assessment's consent section.
    path("people/<int:person_id>/share/", views.share, name="share"),
]
