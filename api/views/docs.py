"""The OpenAPI schema and the API's documentation page: Swagger UI from drf-spectacular's
sidecar (vendored with the package, served as our static files: no CDN), reading the schema at
/api/v1/schema/. Its script is a file (the split view) and its styles too
(templates/api/docs.html), so the site's Content-Security-Policy holds: no inline script or
style. Their errors (a POST: 405) and OPTIONS answer in JSON like the rest of the API."""

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from .base import JsonAnswers


class SchemaView(JsonAnswers, SpectacularAPIView):
    pass


class DocsView(JsonAnswers, SpectacularSwaggerSplitView):
    url_name = "api:schema"
    template_name = "api/docs.html"
    authentication_classes = []
    title = "Dialogue Hub API"
