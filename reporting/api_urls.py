"""/api/v1/measures/: the national measures (reporting.api)."""

from django.urls import path

from . import api

app_name = "measures-api"
urlpatterns = [
    path("", api.MeasureListApi.as_view(), name="measure-list"),
    path("<str:code>/", api.MeasureFiguresApi.as_view(), name="measure-detail"),
    path("<str:code>/records/", api.MeasureRecordsApi.as_view(), name="measure-records"),
]
