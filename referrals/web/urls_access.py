"""Break-glass and consent-based shares."""

from django.urls import path

from . import access

urlpatterns = [
    path("break-glass/", access.break_glass, name="break_glass"),
    path("people/<int:person_id>/share/", access.share, name="share"),
]
