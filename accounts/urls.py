from django.urls import path  # noqa: F401 - login, logout and account pages

app_name = "accounts"
urlpatterns: list = []
