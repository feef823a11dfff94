from django.urls import path

from . import views

urlpatterns = [
    path("alerts/", views.inbox, name="alerts"),
    path("alerts/seen/", views.mark_all_seen, name="alerts_seen_all"),
    path("alerts/<int:notification_id>/seen/", views.mark_seen, name="alert_seen"),
]
