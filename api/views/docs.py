"""The API's documentation page: Swagger UI from drf-spectacular's sidecar (vendored with the
package, served as our static files: no CDN), reading the schema at /api/v1/schema/. Its
script is a file (the split view), so the site's Content-Security-Policy holds."""

from drf_spectacular.views import SpectacularSwaggerSplitView


class DocsView(SpectacularSwaggerSplitView):
    url_name = "api:schema"
    authentication_classes = []
    throttle_classes = []
    title = "Dialogue Hub API"
