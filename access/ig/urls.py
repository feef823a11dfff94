from django.urls import path

from . import views

app_name = "ig"
urlpatterns = [
    path("", views.audit_search, name="audit"),
    path("export.csv", views.audit_export, name="export"),
    path("consent-lifted/", views.consent_lift_list, name="consent_lifts"),
    path("break-glass/", views.break_glass_list, name="break_glass"),
    path("break-glass/<int:review_id>/review/", views.break_glass_review_view, name="break_glass_review"),
]
