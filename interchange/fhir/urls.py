"""The FHIR API, included at /fhir/ (docs/adr/0011-fhir-mapping.md): a read and a search for
each resource type in ``served.SERVED``, and ``$process-message`` for referrals sent as messages. Ids are matched as text so that a malformed one gets
the same 404 OperationOutcome as an unknown one."""

from django.urls import path

from . import views
from .served import SERVED

app_name = "fhir"

urlpatterns = [
    path("metadata", views.Metadata.as_view(), name="metadata"),
    path("$process-message", views.ProcessMessage.as_view(), name="process-message"),
]
for _served in SERVED:
    urlpatterns += [
        path(_served.type, views.SearchView.as_view(served=_served), name=f"{_served.type}-search"),
        path(f"{_served.type}/<str:resource_id>", views.ReadView.as_view(served=_served), name=_served.type),
    ]
