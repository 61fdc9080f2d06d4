"""The OpenAPI schema and the API's documentation page: Swagger UI from drf-spectacular's
sidecar (vendored with the package, served as our static files: no CDN), reading the schema at
/api/v1/schema/. Its script is a file (the split view), so the site's Content-Security-Policy
holds. Their errors (a POST: 405) and OPTIONS answer in JSON like the rest of the API."""

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from .base import JsonAnswers


class SchemaView(JsonAnswers, SpectacularAPIView):
    pass


class DocsView(JsonAnswers, SpectacularSwaggerSplitView):
    url_name = "api:schema"
    authentication_classes = []
    throttle_classes = []
    title = "Dialogue Hub API"
