from django.urls import path

from . import views

urlpatterns = [
    path("handoffs/", views.handoff_list, name="handoffs"),
    path("handoffs/<int:handoff_id>/", views.handoff_detail, name="handoff"),
]
