from django.urls import path  # noqa: F401 - caseload pages are added here

app_name = "caseload"
urlpatterns: list = []
