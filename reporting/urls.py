from django.urls import path

from . import views

app_name = "dashboard"
urlpatterns = [
    path("", views.waits, name="waits"),
    path("breaches/", views.breaches, name="breaches"),
    path("internal-waits/", views.internal_waits, name="internal-waits"),
    path("capacity/", views.capacity, name="capacity"),
    path("equality/", views.equality, name="equality"),
    path("flow/", views.flow, name="flow"),
    path("rollout/", views.rollout, name="rollout"),
    path("demand/", views.demand, name="demand"),
    path("national/", views.national, name="national"),
    path("data-quality/", views.data_quality, name="data-quality"),
]
