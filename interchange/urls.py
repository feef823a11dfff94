from django.urls import path

from . import views

app_name = "interchange"

urlpatterns = [
    path("mhsds/", views.extract_index, name="mhsds"),
    path("mhsds/<int:run_id>/", views.extract_run_detail, name="mhsds_run"),
    path("mhsds/<int:run_id>/download/", views.extract_run_zip, name="mhsds_zip"),
    path("mhsds/<int:run_id>/validation.csv", views.extract_run_validation, name="mhsds_validation"),
]
