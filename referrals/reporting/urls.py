from django.urls import path  # noqa: F401 - filled in by the dashboards work

app_name = "dashboard"
urlpatterns: list = []
