"""The OpenAPI schema and the API's documentation page: Swagger UI from drf-spectacular's
sidecar (vendored with the package, served as our static files: no CDN), reading the schema at
/api/v1/schema/. Its script is a file (the split view) and its styles too
(templates/api/docs.html), so the site's Content-Security-Policy holds: no inline script or
style. Their errors (a POST: 405) and OPTIONS answer in JSON like the rest of the API."""

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.negotiation import DefaultContentNegotiation

from .base import JsonAnswers


class FormatParameter(DefaultContentNegotiation):
    """`?format=json` (or `yaml`) picks the schema's format, as the README says: a browser
    cannot send an Accept header. Only here: the API's other endpoints take no `format`
    (URL_FORMAT_OVERRIDE is off, an unknown parameter is a 400)."""

    class settings:
        URL_FORMAT_OVERRIDE = "format"


class SchemaView(JsonAnswers, SpectacularAPIView):
    content_negotiation_class = FormatParameter


class DocsView(JsonAnswers, SpectacularSwaggerSplitView):
    url_name = "api:schema"
    template_name = "api/docs.html"
    authentication_classes = []
    title = "Dialogue Hub API"
