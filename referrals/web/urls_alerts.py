from django.urls import path

from . import alerts

urlpatterns = [
    path("alerts/", alerts.inbox, name="alerts"),
    path("alerts/seen/", alerts.mark_all_seen, name="alerts_seen_all"),
    path("alerts/<int:notification_id>/seen/", alerts.mark_seen, name="alert_seen"),
]
