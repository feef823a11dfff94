from django.urls import path

from . import views

urlpatterns = [
    path("break-glass/", views.break_glass, name="break_glass"),
]
