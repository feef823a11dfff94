from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView


class SwaggerUiView(SpectacularSwaggerSplitView):
    """Swagger UI under the site's strict Content Security Policy: the page loads swagger-ui
    from our static files (drf-spectacular-sidecar) and its start-up script from this same
    address (``?script``), and its template has no inline style."""

    template_name = "api/swagger_ui.html"


urlpatterns = [
    path("admin/", admin.site.urls),
    # /healthz and /metrics (ops): for load balancers, monitors and Prometheus.
    path("", include("ops.urls")),
    path("accounts/", include("accounts.urls")),
    path("audit/", include("access.ig.urls")),
    path("api/v1/measures/", include("reporting.api_urls")),
    path("api/v1/", include("referrals.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SwaggerUiView.as_view(url_name="api-schema"), name="api-docs"),
    path("dashboard/", include("reporting.urls")),
    path("interchange/", include("interchange.urls")),
    path("pathways/", include("pathways.web.urls")),
    # Group work: groups, cohorts, registers, enrolment from the care plan (docs/groups.md).
    path("", include("groupwork.web.urls")),
    # FHIR R4 (UK Core) read API: application/fhir+json, same access rules and audit as /api/v1/.
    path("fhir/", include("interchange.fhir.urls")),
    path("", include("caseload.urls")),
    path("", include("referrals.web.urls")),
    # The NHS.UK stylesheet asks for its icons at /assets/images/...: send it to the static copy.
    re_path(
        r"^assets/(?P<path>images/[\w.-]+\.svg)$",
        RedirectView.as_view(url=static("nhsuk/assets/") + "%(path)s", permanent=True),
    ),
]
