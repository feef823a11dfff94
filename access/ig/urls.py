from django.urls import path

from . import merge_views, views

app_name = "ig"
urlpatterns = [
    path("", views.audit_search, name="audit"),
    path("export.csv", views.audit_export, name="export"),
    path("consent-lifted/", views.consent_lift_list, name="consent_lifts"),
    path("break-glass/", views.break_glass_list, name="break_glass"),
    path("break-glass/<int:review_id>/review/", views.break_glass_review_view, name="break_glass_review"),
    path("merge/", merge_views.merge_start, name="merge"),
    path("merge/<int:merge_id>/", merge_views.merge_detail, name="merge_detail"),
    path("merge/<int:merge_id>/undo/", merge_views.merge_undo, name="merge_undo"),
]
